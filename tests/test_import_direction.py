"""The pipeline's stages import one way (read -> validate -> build graph -> analyse -> check budgets
-> render -> CLI): no module of convcalc imports, at its top or inside a function, a module that
imports it back, however long the way round."""

from __future__ import annotations

import ast

from conftest import ROOT


def imports() -> dict[str, set[str]]:
    """Module -> the convcalc modules it imports anywhere (a package counts as its __init__)."""
    package = ROOT / "convcalc"
    modules = {".".join(("convcalc", *path.relative_to(package).with_suffix("").parts)).removesuffix(".__init__"): path
               for path in package.rglob("*.py")}
    found: dict[str, set[str]] = {}
    for module, path in modules.items():
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("convcalc"):
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)  # from package import module
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names if alias.name.startswith("convcalc"))
        found[module] = {name for name in names if name in modules and name != module}
    return found


def cycle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A way from ``start`` back to itself, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        module, way = stack.pop()
        for target in graph[module]:
            if target == start:
                return way + [start]
            if target not in seen:
                seen.add(target)
                stack.append((target, way + [target]))
    return None


def test_no_module_imports_one_that_imports_it_back():
    graph = imports()
    # a package's __init__ importing its submodules to register them is the one way a package works
    graph["convcalc.cli"] = set()
    assert {module: way for module in graph if (way := cycle_through(graph, module))} == {}


def test_the_analysis_knows_nothing_of_budgets_renderers_or_the_command_line():
    graph = imports()
    assert not graph["convcalc.analysis"] & {"convcalc.budget", "convcalc.pipeline", "convcalc.render",
                                              "convcalc.cli"}
    assert "convcalc.analysis" in graph["convcalc.budget"] and "convcalc.budget" in graph["convcalc.pipeline"]
    assert not any(module.startswith(("convcalc.render", "convcalc.cli", "convcalc.bridges"))
                   for module in graph["convcalc.layers.base"])
