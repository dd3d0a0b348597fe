"""The dependency graph of ``helpers`` is visible and one-way.

Every import of another ``helpers`` module sits at the top of its module (an import
inside a function hides a dependency), no module imports itself back through others (no
cycle), and no module imports one above it in the layering

    data → conv → models → training → plots / widgets / animation / explain → exercises

(modules in one layer may use each other; see LAYER below for where each one sits).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ROOT / "helpers"

# Lower layers never import higher ones.
LAYER = {
    "helpers": 0, "helpers.validate": 0, "helpers.files": 0, "helpers.datasets": 0, "helpers.fetch": 0, "helpers.data": 0,
    "helpers.conv_core": 1, "helpers.conv": 1, "helpers.conv_backward": 1, "helpers.augment": 1, "helpers.figures": 1,
    "helpers.architectures": 2, "helpers.models": 2,
    "helpers.checkpoints": 3, "helpers.training": 3, "helpers.system": 3,
    "helpers.tensors": 3, "helpers.evaluation": 3, "helpers.callbacks": 3,
    "helpers.plots": 4, "helpers.pictures": 4, "helpers.curves": 4, "helpers.results": 4,
    "helpers.animation": 4, "helpers.widgets": 4, "helpers.conv_widgets": 4,
    "helpers.mlp_widgets": 4, "helpers.descent": 4, "helpers.neurons": 4, "helpers.features": 4,
    "helpers.drawing": 4, "helpers.explain": 4, "helpers.explain_widgets": 4,
    "helpers.block_diagrams": 4, "helpers.receptive_field": 4, "helpers.kernel_learning": 4,
    "helpers.ingredients": 4, "helpers.robustness": 4,
}
EXERCISES = 5  # helpers.exercises and everything in it


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(HELPERS.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def layer(name: str) -> int:
    if name == "helpers.exercises" or name.startswith("helpers.exercises."):
        return EXERCISES
    return LAYER[name]


def imports(path: Path, known: set[str]) -> tuple[set[str], list[tuple[int, str]]]:
    """(helpers modules imported at the top, [(line, module) imported inside a def or class])."""
    top: set[str] = set()
    inner: list[tuple[int, str]] = []

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    def visit(node: ast.AST, nested: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            only_types = type_only or (isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test))
            if isinstance(child, (ast.Import, ast.ImportFrom)) and not only_types:
                if isinstance(child, ast.ImportFrom):
                    base = ("helpers." if child.level else "") + (child.module or "")
                    names = [f"{base}.{a.name}".strip(".") for a in child.names] + [base]
                else:
                    names = [a.name for a in child.names]
                targets = {resolve(n) for n in names if n.startswith("helpers")} - {None, "helpers"}
                for target in sorted(targets):
                    (inner.append((child.lineno, target)) if nested else top.add(target))
            deeper = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))
            visit(child, deeper, only_types)

    visit(ast.parse(path.read_text(encoding="utf-8")), False, False)
    return top, inner


MODULES = modules()
GRAPH = {name: imports(path, set(MODULES)) for name, path in MODULES.items()}


def test_every_module_has_a_layer():
    missing = [name for name in MODULES if not name.startswith("helpers.exercises") and name not in LAYER]
    assert not missing, f"give these modules a place in LAYER: {missing}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_of_the_course_sit_at_the_top(name):
    _, inner = GRAPH[name]
    assert not inner, f"{name}: imports inside functions hide the dependency graph: {inner}"


# Imports inside functions that have a reason, by file and module imported.
INNER_IMPORT_REASONS = {
    ("helpers/fetch.py", "pooch"): "loading data needs no network library; only a fetch imports it",
    ("helpers/curves.py", "IPython"): "asks whether it runs in a kernel, and answers no without IPython",
    ("helpers/exercises/display.py", "IPython"): "asks whether it runs in a kernel, and answers no without IPython",
    ("tools/figure_check.py", "IPython"): "asks whether it runs in a kernel, and answers no without IPython",
    ("tools/figure_check_startup.py", "importlib"): "a kernel's start-up file must leave no name behind",
    ("tools/figure_check_startup.py", "os"): "a kernel's start-up file must leave no name behind",
    ("tools/figure_check_startup.py", "pathlib"): "a kernel's start-up file must leave no name behind",
    ("tools/figure_check_startup.py", "sys"): "a kernel's start-up file must leave no name behind",
    ("benchmarks/course.py", "psutil"): "optional: only where /proc cannot give a kernel's peak memory",
}


def inner_imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level module) of every import inside a function, outside TYPE_CHECKING blocks."""
    found = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if nested and isinstance(child, ast.Import):
                found.extend((child.lineno, a.name.split(".")[0]) for a in child.names)
            elif nested and isinstance(child, ast.ImportFrom):
                found.append((child.lineno, "helpers" if child.level else (child.module or "").split(".")[0]))
            visit(child, nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


@pytest.mark.parametrize("folder", ["helpers", "tools", "benchmarks"])
def test_every_import_sits_at_the_top_unless_it_has_a_reason(folder):
    unexplained = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        unexplained += [f"{rel}:{line}: {mod}" for line, mod in inner_imports(path)
                        if (rel, mod) not in INNER_IMPORT_REASONS]
    assert not unexplained, ("import these at the top of the module (or give the reason in "
                             f"INNER_IMPORT_REASONS): {unexplained}")


def test_the_inner_import_check_sees_nested_imports(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("import os\nif TYPE_CHECKING:\n    import typing\n"
                    "def f():\n    try:\n        import json\n    except ImportError:\n        pass\n"
                    "class C:\n    def g(self):\n        from . import x\n")
    assert inner_imports(path) == [(6, "json"), (11, "helpers")]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_a_layer_above_it(name):
    top, inner = GRAPH[name]
    above = sorted(t for t in top | {t for _, t in inner}
                   if layer(t) > layer(name) and not t.startswith(name + "."))
    assert not above, f"{name} (layer {layer(name)}) imports higher layers: {[(t, layer(t)) for t in above]}"


def test_there_is_no_import_cycle():
    edges = {name: {t for t in top | {t for _, t in inner} if t != name} for name, (top, inner) in GRAPH.items()}
    # A package's __init__ importing its own submodules is how packages work, not a cycle.
    edges = {n: {t for t in ts if not t.startswith(n + ".")} for n, ts in edges.items()}
    state: dict[str, int] = {}

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " → ".join(path[path.index(nxt):] + [nxt]))
            if not state.get(nxt):
                walk(nxt, path + [nxt])
        state[node] = 2

    for start in sorted(edges):
        if not state.get(start):
            walk(start, [start])


def test_the_checks_catch_what_they_claim(tmp_path):
    fake = tmp_path / "m.py"
    fake.write_text("from helpers.training import fit\n\ndef f():\n    from helpers.plots import plot_history\n"
                    "if TYPE_CHECKING:\n    from helpers.exercises import core\n")
    top, inner = imports(fake, set(MODULES))
    assert top == {"helpers.training"} and inner == [(4, "helpers.plots")]


def test_the_package_docstring_lists_every_module():
    import helpers

    listed = set(__import__("re").findall(r"``(helpers\.\w+)``", helpers.__doc__))
    top_level = {name for name in MODULES if name.count(".") == 1}
    assert top_level - listed == set(), f"add to helpers/__init__.py's list: {sorted(top_level - listed)}"
    assert listed - top_level == set(), f"listed but missing: {sorted(listed - top_level)}"


# A function a newcomer can read in one screen, docstring aside; a module by one idea.
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 450


def code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function, its docstring not counted (nested functions count with it)."""
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def long_functions(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(root)}:{node.lineno} {node.name} ({code_lines(node)} lines)"
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and code_lines(node) > MAX_FUNCTION_LINES]


def test_functions_and_modules_stay_short():
    too_long = [line for path in MODULES.values() for line in long_functions(path)]
    assert not too_long, f"split these (over {MAX_FUNCTION_LINES} lines besides the docstring):\n" + "\n".join(too_long)
    big = [f"{path.relative_to(ROOT)} ({n} lines)" for path in MODULES.values()
           if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert not big, f"split these modules by idea (over {MAX_MODULE_LINES} lines):\n" + "\n".join(big)


def test_the_length_check_counts_code_not_docstrings(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    doc = '    """' + "\n".join(["A long docstring."] * 30) + '"""\n'
    (tmp_path / "ok.py").write_text("def f():\n" + doc + body[: body.rindex("\n")] + "\n")
    (tmp_path / "long.py").write_text("def g():\n" + doc + body + "\n")
    assert long_functions(tmp_path / "ok.py", tmp_path) == []
    assert long_functions(tmp_path / "long.py", tmp_path) == [f"long.py:1 g ({MAX_FUNCTION_LINES + 1} lines)"]
