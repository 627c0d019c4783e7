"""Shared helpers: analyse a shipped spec or a spec written inline."""

from __future__ import annotations

import os
import signal
import textwrap
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

from convcalc.analysis import Options
from convcalc.pipeline import analyze_document
from convcalc.loading import load_document, load_file
from convcalc.spec import parse_spec

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


class Hang(AssertionError):
    """A command on a small input took longer than any should."""


@contextmanager
def time_limit(seconds: int):
    """Fail (rather than stall the suite) when the body runs longer than ``seconds``."""
    def expired(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def not_in_github_actions(monkeypatch):
    """`analyze` without --format prints GitHub annotations under GitHub Actions; the tests that
    expect a table get one wherever the suite runs (test_diagnostics sets the variable itself)."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture
def one_torch_thread():
    """One torch thread while a test runs: the machine running the suite is shared, and the small
    forwards of the oracle tests gain nothing from more."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def full_width_tables(monkeypatch):
    """The analyze table fits COLUMNS when it is set: a test reads it at full width unless it sets one."""
    monkeypatch.delenv("COLUMNS", raising=False)


def analyze_file(path, **options):
    document = load_file(path)
    return analyze_document(document, parse_spec(document), Options(**options))


def analyze_text(text: str, **options):
    document = load_document(textwrap.dedent(text), "inline.yaml")
    return analyze_document(document, parse_spec(document), Options(**options))


# In CI every property test draws the same examples each run (derandomize): a submission lands or
# not on its own merits, never on a lucky draw; locally, each run explores new examples.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


def pytest_collection_modifyitems(config, items):
    """In CI (CI=true) the PyTorch oracle and Graphviz's dot are required: a skip for a missing torch
    or dot is a failure."""
    if os.environ.get("CI") == "true":
        try:
            import torch  # noqa: F401
        except ImportError:
            raise pytest.UsageError("CI needs torch==2.13.0 for the oracle tests; run `make test`")
        from torchvision_oracle import torchvision_models

        try:
            torchvision_models()
        except pytest.skip.Exception:
            raise pytest.UsageError("CI needs torchvision for the zoo oracle tests; run `make test`")
        import importlib.util
        import shutil

        if shutil.which("dot") is None or importlib.util.find_spec("graphviz") is None:
            raise pytest.UsageError("CI needs Graphviz's dot and the graphviz package for the drawing tests; "
                                    "run `make test` (as root on Debian, for apt-get install graphviz)")
        from report_browser import missing

        if missing():
            raise pytest.UsageError(f"CI needs {missing()} for the plot and report tests; run `make test`")


OUTPUT_SCHEMA = None


def analyze_json(text: str) -> dict:
    """`convcalc analyze --format json` output, read and validated against convcalc/output.schema.json."""
    import json

    import jsonschema

    global OUTPUT_SCHEMA
    if OUTPUT_SCHEMA is None:
        OUTPUT_SCHEMA = jsonschema.Draft202012Validator(
            json.loads((ROOT / "convcalc" / "output.schema.json").read_text(encoding="utf-8")))
    data = json.loads(text)
    OUTPUT_SCHEMA.validate(data)
    return data


def one_spec(text: str) -> dict:
    """The one spec's object of an analyze --format json output (validated)."""
    (spec,) = analyze_json(text)["specs"]
    return spec


def at_level(spec: dict, level: str) -> list[dict]:
    """The diagnostics of one level of a spec's JSON object."""
    return [record for record in spec["diagnostics"] if record["level"] == level]


def placed(record: dict) -> str:
    """A JSON diagnostic as `file:line:col: message`."""
    where = ":".join(str(part) for part in (record["file"], record["line"], record["column"]) if part is not None)
    return f"{where}: {record['message']}"
