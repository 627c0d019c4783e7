"""The commands that describe convcalc itself: schema, specs, layers."""

from __future__ import annotations

import json
import sys

import click

from convcalc.cli.base import EXIT_CANNOT_ANALYSE, lang_option, main
from convcalc.errors import ConvcalcError
from convcalc.i18n import language_from_environment, translate


@main.command()
@click.option("-o", "--output", type=click.Path(path_type=str), default=None,
              help="Write the schema to this new file instead of standard output.")
@click.option("--force", is_flag=True, help="Replace an existing file.")
@click.option("--of", "of", type=click.Choice(["spec", "output"]), default="spec", show_default=True,
              help="spec: the schema of spec files; output: the schema of `convcalc analyze --format json`.")
@lang_option
def schema(output, force, of, lang):
    """Print the JSON Schema of spec files (for editors: `# yaml-language-server: $schema=...`), or
    with --of output the schema of analyze's JSON output."""
    from importlib.resources import files

    from convcalc.output import write_new
    from convcalc.schema import spec_schema

    text = json.dumps(spec_schema(), indent=2, ensure_ascii=False) + "\n" if of == "spec" else \
        files("convcalc").joinpath("output.schema.json").read_text(encoding="utf-8")
    if output:
        try:
            write_new(output, text, force)
        except ConvcalcError as error:
            click.echo(error.render(lang or language_from_environment()), err=True)
            sys.exit(EXIT_CANNOT_ANALYSE)
    else:
        click.echo(text, nl=False)


@main.command(name="specs")
@click.argument("name", required=False)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def specs_command(name, output_format):
    """List the specs shipped with convcalc (any command takes one by NAME: `convcalc analyze
    resnet50`), or print the text of the spec NAME, to copy and adapt (`convcalc specs vgg16 > my.yaml`):
    its editor hint then names the installed JSON Schema by its absolute path."""
    from convcalc.shipped import (
        shipped_dir,
        shipped_names,
        shipped_path,
        with_absolute_hint,
    )

    if name is not None:
        path = shipped_path(name)
        if path is None:
            from convcalc.spec import suggestion

            raise click.BadParameter(translate("no_shipped_spec", language_from_environment(), name=name,
                                               hint=suggestion(name, shipped_names())), param_hint="NAME")
        click.echo(with_absolute_hint(path.read_text(encoding="utf-8")), nl=False)
        return
    from convcalc.loading import load_file

    entries = []
    for shipped in shipped_names():
        data = load_file(shipped_dir() / f"{shipped}.yaml").data
        entries.append({"name": shipped, "title": data.get("name"), "input": data.get("input"),
                        "layout": data.get("layout", "chw"), "path": str(shipped_dir() / f"{shipped}.yaml")})
    if output_format == "json":
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    width = max(len(entry["name"]) for entry in entries)
    for entry in entries:
        size = "x".join(str(value) for value in entry["input"])
        click.echo(f"{entry['name']:<{width}}  {size:<12} {entry['title']}")


@main.command()
@click.argument("kinds", nargs=-1)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@lang_option
def layers(kinds, output_format, lang):
    """List the layer types (or only KINDS) with their hyperparameters, formulas and FLOP rules,
    then the keys every entry takes."""
    from convcalc.i18n import translate
    from convcalc.layers import REGISTRY
    from convcalc.schema import ENTRY_PROPERTIES, catalogue, entry_key_description
    from convcalc.spec import suggestion

    lang = lang or language_from_environment()
    for kind in kinds:
        if kind not in REGISTRY:
            raise click.BadParameter(translate("unknown_type", lang, kind=kind, hint=suggestion(kind, REGISTRY)),
                                     param_hint="KINDS")
    entries = [entry for entry in catalogue(lang) if not kinds or entry["type"] in kinds]
    if output_format == "json":
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    for entry in entries:
        click.echo(f"{entry['type']}: {entry['summary']}  ({translate('layers_inputs', lang, count=entry['inputs'])})")
        for field in entry["fields"]:
            default = translate("layers_required", lang) if field["required"] else \
                translate("layers_default", lang, value=as_yaml(field["default"]))
            also = "".join(f" {translate('layers_alias', lang)} {alias}" for alias in field["aliases"])
            click.echo(f"    {field['name']}{also} ({default}){': ' + field['description'] if field['description'] else ''}")
        for figure, formula in entry["formulas"].items():
            click.echo(f"    {translate(f'layers_figure_{figure}', lang)} = {formula}")
        click.echo(f"    {translate('layers_figure_flops', lang)}: {entry['flops']}\n")
    if not kinds:
        click.echo(translate("layers_entry_keys", lang))
        for key in ENTRY_PROPERTIES:
            click.echo(f"    {key}: {entry_key_description(key, lang)}")


def as_yaml(value) -> str:
    """A default as a spec writes it: null, true, 1e-05, "all", [1, 1]."""
    return json.dumps(value, ensure_ascii=False)
