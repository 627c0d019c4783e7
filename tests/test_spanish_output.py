"""Spanish output through the command line: the decimal comma, the formulas' words, LANGUAGE, and
click's own texts and every --help in Spanish. Expected figures are worked by hand."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from convcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
ALEXNET = str(ROOT / "specs" / "alexnet.yaml")
RESNET50 = str(ROOT / "specs" / "resnet50.yaml")
NO_LOCALE = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C"}


def cli(*args, env=None):
    return CliRunner().invoke(main, list(args), env={**NO_LOCALE, **(env or {})}, prog_name="convcalc")


def test_spanish_sizes_take_the_decimal_comma_and_english_the_point():
    # features.0 of AlexNet: 64*55*55 values * 4 bytes = 774,400 B = 756.25 KiB, shown to one decimal.
    spanish, english = cli("analyze", ALEXNET, "--lang", "es").stdout, cli("analyze", ALEXNET).stdout
    assert "756,3 KiB" in spanish and "756.3 KiB" not in spanish
    assert "756.3 KiB" in english
    # 61,100,840 parameters * 4 bytes = 244,403,360 B = 233.08 MiB
    assert "Memoria de parámetros: 233,1 MiB" in spanish


def test_a_spanish_budget_message_writes_its_percentage_with_a_comma():
    # ResNet-50's 25,557,032 parameters against 1,000,000: (25557032 - 1000000)/1000000 = 2455.7032 %
    result = cli("analyze", RESNET50, "--max-params", "1M", "--lang", "es")
    assert result.exit_code == 1
    assert "25\u00a0557\u00a0032" in result.stdout and "2455,7%" in result.stdout and "2455.7" not in result.stdout


def test_an_inexact_division_is_noted_with_a_decimal_comma():
    # (5 - 3 + 0)/3 + 1 = 5/3 = 1.66667 to six figures
    result = cli("calc", "pool", "--input", "5x5x1", "--kernel", "3", "--stride", "3", "--ceil-mode", "--lang", "es")
    assert result.exit_code == 0 and "(1,66667)" in result.stdout


def test_the_formulas_words_are_spanish():
    text = cli("explain", ALEXNET, "--layer", "features.0", "--lang", "es").stdout
    # 64 filters of 55x55 outputs: 193,600 values, 4 bytes each
    assert "neuronas = C*H*W = 64*55*55 = 193\u00a0600" in text
    assert "bytes = neuronas * lote * bytes por valor = 193600*1*4 = 774\u00a0400" in text
    assert "parámetros = (F*F*D + 1)*K = (11*11*3 + 1)*64 = 23\u00a0296" in text
    relu = cli("explain", ALEXNET, "--layer", "features.1", "--lang", "es").stdout
    assert "sin cambios = 64x55x55" in relu and "unchanged" not in relu
    english = cli("explain", ALEXNET, "--layer", "features.0").stdout
    assert "units = C*H*W = 64*55*55 = 193,600" in english


def test_json_keeps_the_point_in_spanish():
    import json

    data = json.loads(cli("analyze", ALEXNET, "--lang", "es", "--format", "json").stdout)
    assert data["specs"][0]["layers"][0]["activation_bytes"] == 774_400


def test_language_variable_chooses_spanish_over_lang_and_lc_all():
    result = cli("analyze", ALEXNET, env={"LANGUAGE": "es", "LC_ALL": "en_US.UTF-8"})
    assert "Parámetros: 61\u00a0100\u00a0840" in result.stdout


def test_lang_wins_over_the_environment():
    result = cli("analyze", ALEXNET, "--lang", "en", env={"LANGUAGE": "es"})
    assert "Parameters: 61,100,840" in result.stdout


def test_diff_names_its_figures_in_spanish_and_writes_percentages_with_a_comma(tmp_path):
    import re

    lock = tmp_path / "lenet.lock.json"
    assert cli("lock", str(ROOT / "specs" / "lenet5.yaml"), "-o", str(lock)).exit_code == 0
    text = cli("diff", str(lock), ALEXNET, "--lang", "es").stdout
    rows = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    # LeNet-5's 61,706 parameters against AlexNet's 61,100,840: a change of +61,039,134
    assert "+61\u00a0039\u00a0134" in rows["parámetros"]
    assert re.search(r"\+\d+,\d\d%$", rows["parámetros"]) and "memoria de entrenamiento" in text
    assert "params" not in rows and "training_memory" not in text


def test_a_layer_from_a_block_names_its_use_line_in_spanish():
    # ResNet-18's layer2.0 is the block use written at line 43 of the spec
    result = cli("explain", str(ROOT / "specs" / "resnet18.yaml"), "--layer", "layer2.0.conv1", "--lang", "es")
    assert "(en layer2.0 (basic_down, línea 43);" in result.stderr and "line 43" not in result.stderr


def test_github_notice_of_a_consistent_spec_is_in_the_language_asked():
    spanish = cli("analyze", str(ROOT / "specs" / "lenet5.yaml"), "--format", "github", "--lang", "es").stdout
    assert spanish.strip().endswith("::LeNet-5: coherente")


def test_click_usage_errors_are_spanish_lines():
    result = cli("analyze", "--nosuch", "--lang", "es")
    assert result.exit_code == 2
    assert result.stderr == "convcalc analyze: No existe la opción '--nosuch'. ¿Quisiste decir '--no-strict'? " \
                            "(consulta convcalc analyze --help)\n"
    missing = cli("calc", "conv", "--input", "8x8x3", env={"LANGUAGE": "es"})
    assert missing.stderr.startswith("convcalc calc conv: Falta una opción '--filters'")
    assert cli("analyze", "--nosuch").stderr.startswith("convcalc analyze: No such option '--nosuch'.")


def test_help_is_spanish_and_lists_options_only_under_options():
    text = cli("analyze", "--help", "--lang", "es").stdout  # --lang after --help: read before click parses
    assert text.startswith("Uso: convcalc analyze [OPTIONS] SPECS...\n\n  Analiza archivos SPEC")
    options = text.split("Opciones:\n", 1)[1].splitlines()
    assert options[0].lstrip().startswith("--format") and "Muestra este mensaje y sale." in text
    assert "[por defecto: table]" not in text  # --format has no default shown: GitHub Actions decides
    conv = cli("calc", "conv", "--help", env={"LANGUAGE": "es"}).stdout
    assert "Número de filtros K.  [x>=1; obligatorio]" in conv and "[por defecto: 1]" in conv


def test_a_spanish_diagram_abbreviates_counts_with_a_comma(tmp_path):
    # ResNet-18's conv1: 64 filters of 7x7x3, no bias = 9,408 parameters; 118,013,952 MACs
    picture = tmp_path / "net.mmd"
    assert cli("draw", str(ROOT / "specs" / "resnet18.yaml"), "-o", str(picture), "--lang", "es").exit_code == 0
    text = picture.read_text(encoding="utf-8")
    assert "9,4k par" in text and "118,0M MACs" in text and "9.4k" not in text


def test_system_reasons_and_run_bounds_are_in_the_language_asked(tmp_path):
    missing = cli("import", str(tmp_path / "none.onnx"), "--lang", "es")
    assert missing.exit_code == 2 and missing.stderr.endswith(": no se puede leer el archivo: el archivo no existe\n")
    # LeNet-5's predicted peak, 284,456 B = 277.8 KiB; 1.5 x that + 1 MiB = 1,475,260 B = 1.4 MiB
    bound = cli("run", str(ROOT / "specs" / "lenet5.yaml"), "--max-memory", "1KiB", "--lang", "es")
    assert bound.exit_code == 2 and "1,4 MiB" in bound.stderr and "277,8 KiB" in bound.stderr


def test_a_layers_output_is_named_as_feature_maps_in_the_notes_words():
    # LeNet-5's c1: 6 filters of 5x5 over 32x32, (32 - 5)/1 + 1 = 28: six 28x28 maps
    spanish = cli("explain", str(ROOT / "specs" / "lenet5.yaml"), "--layer", "c1", "--lang", "es").stdout
    assert "neuronas = C*H*W = 6*28*28 = 4\u00a0704  [6 mapas de características de 28x28]" in spanish
    english = cli("explain", str(ROOT / "specs" / "lenet5.yaml"), "--layer", "c1").stdout
    assert "[6 feature maps of 28x28]" in english


def test_lang_before_the_command_reaches_it_and_the_groups_usage_errors_are_one_line():
    result = cli("--lang", "es", "analyze", ALEXNET)
    assert result.exit_code == 0 and "Parámetros: 61\u00a0100\u00a0840" in result.stdout
    wrong = cli("--lang", "es", "--nosuch")
    assert wrong.exit_code == 2 and wrong.stderr == "convcalc: No existe la opción '--nosuch'. (consulta convcalc --help)\n"
    assert cli("--nosuch").stderr == "convcalc: No such option '--nosuch'. (see convcalc --help)\n"
