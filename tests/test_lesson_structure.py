"""Every lesson reads like a chapter and its exercises are wired up correctly.

For each notebooks/NN_*.ipynb: a title and learning objectives near the top, a recap at
the end, slideshow metadata on every cell (section headers start a slide), at least two
exercises in lessons 01-13, each exercise cell names an exercise that its lesson module
defines, defines the names the solution defines, and is followed by a check cell that
passes exactly those names. For each exercise module: a test file that exercises every
one of its exercises.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.exercises.core import Exercise, list_exercises

ROOT = Path(__file__).resolve().parents[1]
from tools.make_solutions import IMPORT_RE, exercise_cells, exercise_module

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MODULES = sorted((ROOT / "helpers" / "exercises").glob("lesson[0-9][0-9].py"))
# A cell that continues the current slide carries no slide type at all: jupyterlab-slideshow
# (the deck that keeps widgets live) hides cells typed "-", which it does not know.
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", None}
OBJECTIVES = re.compile(r"(?i)objectives|by the end of this lesson|in this lesson you will|you will (be able to|learn)")
RECAP = re.compile(r"(?i)\brecap\b|\bsummary\b|what we (learned|saw)")


def lesson_number(path: Path) -> int:
    return int(path.name[:2])


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def defined_names(code: str) -> set[str]:
    """Names a cell defines (assignments, defs, classes, imports)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def check_calls(code: str, alias: str) -> list[tuple[str, list[str]]]:
    """(exercise name, argument names) of every ``alias.<name>.check(...)`` call in ``code``."""
    calls = []
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return calls
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "check"
                and isinstance(node.func.value, ast.Attribute) and isinstance(node.func.value.value, ast.Name)
                and node.func.value.value.id == alias):
            args = [ast.unparse(a) for a in node.args]
            calls.append((node.func.value.attr, args))
    return calls


def nb_id(path: Path) -> str:
    return path.stem


# --- Notebooks -----------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=nb_id)
def test_title_and_objectives_at_the_top(path):
    nb = load(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# "), \
        f"{path.name}: the first cell should be a markdown title '# ...'"
    top = " ".join(c.source for c in nb.cells[:3] if c.cell_type == "markdown")
    assert OBJECTIVES.search(top), f"{path.name}: learning objectives should be in the first three cells"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=nb_id)
def test_recap_at_the_end(path):
    nb = load(path)
    tail = " ".join(c.source for c in nb.cells[-3:] if c.cell_type == "markdown")
    assert RECAP.search(tail), f"{path.name}: a recap (or summary) should be among the last three cells"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=nb_id)
def test_every_cell_has_slide_metadata(path):
    nb = load(path)
    for i, cell in enumerate(nb.cells):
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        assert kind in SLIDE_TYPES, (f"{path.name} cell {i}: slideshow.slide_type is {kind!r}; expected none (the cell "
                                     "continues its slide) or one of slide, subslide, fragment, skip, notes")
        first_line = cell.source.lstrip().split("\n", 1)[0] if cell.source.strip() else ""
        if cell.cell_type == "markdown" and re.match(r"#{1,2} ", first_line):
            assert kind == "slide", f"{path.name} cell {i}: section header {first_line!r} should start a 'slide', is {kind!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=nb_id)
def test_exercises_are_wired_up(path):
    nb = load(path)
    cells = exercise_cells(nb)
    if 1 <= lesson_number(path) <= 13:
        assert len(cells) >= 2, f"{path.name}: lessons 01-13 need at least two exercises, found {len(cells)}"
    if not cells:
        return
    found = exercise_module(nb)
    assert found, f"{path.name}: has exercise cells but no `from helpers.exercises import lessonNN as ex`"
    module_name, alias = found
    assert module_name == f"helpers.exercises.lesson{path.name[:2]}", \
        f"{path.name}: imports {module_name}, expected helpers.exercises.lesson{path.name[:2]}"
    module = importlib.import_module(module_name)
    import_cell = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and IMPORT_RE.search(c.source))
    seen = set()
    for n, (i, name) in enumerate(cells):
        assert name not in seen, f"{path.name} cell {i}: exercise {name!r} appears twice"
        seen.add(name)
        assert i > import_cell, f"{path.name} cell {i}: exercise cell comes before the exercise import"
        ex = getattr(module, name, None)
        assert isinstance(ex, Exercise), f"{path.name} cell {i}: {module_name} defines no exercise {name!r}"
        template = nb.cells[i].source
        missing = set(ex.answer_names) - defined_names(template)
        assert not missing, f"{path.name} cell {i}: the template should define {sorted(missing)} (as `...`)"
        assert not check_calls(template, alias), f"{path.name} cell {i}: the check belongs in its own cell"
        # the check cell: the next code cell after the exercise cell, before the next exercise
        end = cells[n + 1][0] if n + 1 < len(cells) else len(nb.cells)
        later = [c for c in nb.cells[i + 1:end] if c.cell_type == "code"]
        calls = [call for c in later for call in check_calls(c.source, alias) if call[0] == name]
        assert calls, f"{path.name} cell {i}: no `{alias}.{name}.check(...)` cell follows exercise {name!r}"
        args = calls[0][1]
        assert args == ex.answer_names, \
            f"{path.name}: `{alias}.{name}.check({', '.join(args)})` should pass {ex.answer_names}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=nb_id)
def test_checks_only_name_existing_exercises(path):
    nb = load(path)
    found = exercise_module(nb)
    if not found:
        return
    module = importlib.import_module(found[0])
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for name, _ in check_calls(cell.source, found[1]):
                assert isinstance(getattr(module, name, None), Exercise), \
                    f"{path.name} cell {i}: checks {name!r}, which {found[0]} does not define"


# --- Exercise modules ----------------------------------------------------------------


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_every_exercise_has_tests(path):
    module = importlib.import_module(f"helpers.exercises.{path.stem}")
    exercises = list_exercises(module)
    assert exercises, f"{path.name} defines no exercises"
    test_file = ROOT / "tests" / f"test_exercises_{path.stem}.py"
    assert test_file.is_file(), f"{path.name}: missing {test_file.relative_to(ROOT)}"
    text = test_file.read_text(encoding="utf-8")
    # "passed" and "unattempted" may be tested for all exercises at once, in a test that
    # loops over list_exercises(...); wrong answers are specific to each exercise.
    looped = set()
    if "list_exercises" in text:
        looped = {k for k in ("passed", "unattempted") if re.search(rf"assert_{k}\(\s*\w+\s*,", text)}
    for ex in exercises:
        uses = set(re.findall(rf"assert_(passed|failed|unattempted)\(\s*\w+\.{ex.name}\b", text)) | looped
        for kind in ("passed", "failed", "unattempted"):
            assert kind in uses, f"{test_file.name}: exercise {ex.name} needs an assert_{kind}(ex.{ex.name}, ...) test"


@pytest.mark.parametrize("path", [m for m in MODULES if 1 <= int(m.stem[6:]) <= 13], ids=lambda p: p.stem)
def test_every_lesson_has_an_exercise_that_is_not_a_fill_in(path):
    """Lessons 01-13 each ask the student to think at least once: predict-then-run,
    explain-the-result or find-the-bug, not only fill in code."""
    module = importlib.import_module(f"helpers.exercises.{path.stem}")
    kinds = {ex.name: ex.kind for ex in list_exercises(module)}
    assert set(kinds.values()) - {"code"}, f"{path.name}: every exercise is a fill-in ({kinds})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_exercise_names_match_attributes(path):
    module = importlib.import_module(f"helpers.exercises.{path.stem}")
    for attr, value in vars(module).items():
        if isinstance(value, Exercise):
            assert value.name == attr, f"{path.name}: exercise stored as {attr!r} is named {value.name!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=nb_id)
def test_every_exercise_of_the_module_is_in_the_lesson(path):
    """An exercise missing from its lesson would never be run by students or by make solutions."""
    nb = load(path)
    found = exercise_module(nb)
    if not found:
        return
    module = importlib.import_module(found[0])
    placed = {name for _, name in exercise_cells(nb)}
    orphans = [ex.name for ex in list_exercises(module) if ex.name not in placed]
    assert not orphans, f"{path.name}: {found[0]} defines {orphans}, which no exercise cell uses"


# --- The checks above can fail: run them on small broken lessons ---------------------


def _write(tmp_path: Path, cells: list, name: str = "01_broken.ipynb") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def _md(src: str, kind: str | None = "slide"):
    cell = nbformat.v4.new_markdown_cell(src)
    if kind:
        cell.metadata["slideshow"] = {"slide_type": kind}
    return cell


def _code(src: str, exercise: str | None = None):
    cell = nbformat.v4.new_code_cell(src)
    if exercise:
        cell.metadata["tags"] = ["exercise"]
        cell.metadata["exercise"] = exercise
    return cell


GOOD_TOP = [_md("# 01 · Demo\n\n**In this lesson you will**\n- learn"), _code("from helpers.exercises import lesson01 as ex")]
GOOD_END = [_md("## Recap\n- done")]


def test_structure_checks_pass_on_a_good_lesson(tmp_path):
    cells = GOOD_TOP + [_code("brightest = ...", "q1"), _code("ex.q1.check(brightest)"),
                        _code("ink_pixels = ...", "q2"), _code("ex.q2.check(ink_pixels)")] + GOOD_END
    path = _write(tmp_path, cells)
    test_title_and_objectives_at_the_top(path)
    test_recap_at_the_end(path)
    test_every_cell_has_slide_metadata(path)
    test_exercises_are_wired_up(path)
    test_checks_only_name_existing_exercises(path)


@pytest.mark.parametrize("cells, test, match", [
    ([_md("Some text"), _md("## Recap")], test_title_and_objectives_at_the_top, "markdown title"),
    ([_md("# Title"), _md("## Recap")], test_title_and_objectives_at_the_top, "objectives"),
    (GOOD_TOP + [_md("## More")], test_recap_at_the_end, "recap"),
    (GOOD_TOP + [_md("text", "-")] + GOOD_END, test_every_cell_has_slide_metadata, "slide_type is '-'"),
    (GOOD_TOP + [_md("## Section", None)] + GOOD_END, test_every_cell_has_slide_metadata, "should start a 'slide'"),
    (GOOD_TOP + [_code("brightest = ...", "q1"), _code("ex.q1.check(brightest)")] + GOOD_END,
     test_exercises_are_wired_up, "at least two exercises"),
    (GOOD_TOP + [_code("brightest = ...", "q1"), _code("ink_pixels = ...", "q2"), _code("ex.q2.check(ink_pixels)")]
     + GOOD_END, test_exercises_are_wired_up, "no `ex.q1.check"),
    (GOOD_TOP + [_code("brightest = ...", "q1"), _code("ex.q1.check(brightest + 0)"),
                 _code("ink_pixels = ...", "q2"), _code("ex.q2.check(ink_pixels)")] + GOOD_END,
     test_exercises_are_wired_up, "should pass \\['brightest'\\]"),
    (GOOD_TOP + [_code("x = ...", "q1"), _code("ex.q1.check(x)"), _code("ink_pixels = ...", "q2"),
                 _code("ex.q2.check(ink_pixels)")] + GOOD_END, test_exercises_are_wired_up, "should define"),
    (GOOD_TOP + [_code("brightest = ...", "q1"), _code("ex.q1.check(brightest)"), _code("y = ...", "q99"),
                 _code("ex.q99.check(y)")] + GOOD_END, test_exercises_are_wired_up, "defines no exercise 'q99'"),
    (GOOD_TOP + [_code("ex.q42.check(3)")] + GOOD_END, test_checks_only_name_existing_exercises, "'q42'"),
    (GOOD_TOP + [_code("brightest = ...", "q1"), _code("ex.q1.check(brightest)")] + GOOD_END,
     test_every_exercise_of_the_module_is_in_the_lesson, "which no exercise cell uses"),
])
def test_structure_checks_catch_broken_lessons(tmp_path, cells, test, match):
    path = _write(tmp_path, cells)
    with pytest.raises(AssertionError, match=match):
        test(path)


def test_wrong_module_number_is_caught(tmp_path):
    cells = GOOD_TOP + [_code("brightest = ...", "q1"), _code("ex.q1.check(brightest)"),
                        _code("ink_pixels = ...", "q2"), _code("ex.q2.check(ink_pixels)")] + GOOD_END
    path = _write(tmp_path, cells, name="02_wrong_module.ipynb")
    with pytest.raises(AssertionError, match="expected helpers.exercises.lesson02"):
        test_exercises_are_wired_up(path)


EXERCISE_HEADING = re.compile(r"\*\*Exercise\b(?:\s+(\d+))?|^#{2,4}\s+Exercise\b(?:\s+(\d+))?", re.MULTILINE)


def exercise_headings(nb) -> list[tuple[int, int | None]]:
    """(cell index, number or None) of each "Exercise N" heading in the lesson's markdown."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for m in EXERCISE_HEADING.finditer(cell.source):
                number = m.group(1) or m.group(2)
                out.append((i, int(number) if number else None))
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=nb_id)
def test_exercise_n_is_checked_by_qn(path):
    """"Exercise N" is checked by ``ex.qN``: exercises are numbered 1, 2, … in lesson order,
    each heading carries its number, and the exercise cell under it is ``qN``, so
    ``ex.q1.hint()`` always gives the first exercise's hint."""
    nb = load(path)
    cells = exercise_cells(nb)
    if not cells:
        return
    names = [name for _, name in cells]
    assert names == [f"q{k}" for k in range(1, len(names) + 1)], \
        f"{path.name}: exercises appear in the order {names}; number them q1, q2, … in lesson order"
    headings = exercise_headings(nb)
    unnumbered = [i for i, number in headings if number is None]
    assert not unnumbered, f"{path.name} cells {unnumbered}: say which exercise it is ('**Exercise N …**')"
    assert [n for _, n in headings] == list(range(1, len(cells) + 1)), \
        f"{path.name}: exercise headings are numbered {[n for _, n in headings]}, expected 1..{len(cells)}"
    for (h, number), (i, name) in zip(headings, cells):
        assert h < i, f"{path.name}: the exercise cell of Exercise {number} (cell {i}) comes before its heading (cell {h})"
        assert name == f"q{number}", f"{path.name} cell {i}: Exercise {number} is checked by {name}, expected q{number}"


def test_the_numbering_rule_catches_a_swap(tmp_path):
    cells = [_md("# 01 · Demo"), _code("from helpers.exercises import lesson01 as ex"),
             _md("**Exercise 1.** first"), _code("a = ...", "q2"), _md("**Exercise 2.** second"), _code("b = ...", "q1")]
    path = _write(tmp_path, cells)
    with pytest.raises(AssertionError, match="order"):
        test_exercise_n_is_checked_by_qn(path)


def test_the_numbering_rule_catches_an_unnumbered_heading(tmp_path):
    cells = [_md("# 01 · Demo"), _md("**Exercise.** first"), _code("a = ...", "q1")]
    with pytest.raises(AssertionError, match="say which exercise"):
        test_exercise_n_is_checked_by_qn(_write(tmp_path, cells))


def test_the_numbering_rule_catches_a_heading_that_names_another_exercise(tmp_path):
    cells = [_md("# 01 · Demo"), _md("**Exercise 2.** first"), _code("a = ...", "q1"),
             _md("**Exercise 1.** second"), _code("b = ...", "q2")]
    with pytest.raises(AssertionError, match="numbered"):
        test_exercise_n_is_checked_by_qn(_write(tmp_path, cells))


# --- The test set is looked at once, at the end: never used to validate or tune ----------

TRAINING_CALLS = {"fit": 2, "train_recipe": 2}  # function name -> position of its validation argument


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
           {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def validation_sets_of_training_calls(source: str) -> list[tuple[str, set[str]]]:
    """(function, names in its validation argument) for every fit / train_recipe call in ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython: `%time fit(...)` keeps its code, `!shell` lines go
        lines = [re.sub(r"^\s*%+\w+\s*", "", l) for l in source.splitlines() if not l.lstrip().startswith("!")]
        tree = ast.parse("\n".join(lines))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in TRAINING_CALLS:
            continue
        position = TRAINING_CALLS[name]
        val = node.args[position] if len(node.args) > position else \
            next((k.value for k in node.keywords if k.arg == "val"), None)
        found.append((name, _names_in(val) if val is not None else set()))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=nb_id)
def test_no_lesson_validates_or_tunes_on_the_test_set(path):
    """Every ``fit`` / ``train_recipe`` call in a lesson watches a validation split (or none),
    never the test split: choosing epochs, checkpoints or settings by test accuracy would
    make the final test number a tuned one."""
    nb = load(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not re.search(r"\b(fit|train_recipe)\(", cell.source):
            continue
        for name, names in validation_sets_of_training_calls(cell.source):
            leaks = sorted(n for n in names if "test" in n.lower())
            assert not leaks, (f"{path.name} cell {i}: {name}(...) validates on {leaks}; carve a validation "
                               "split from the training data and look at the test set once, at the end")


def test_the_test_set_rule_catches_a_leak():
    assert validation_sets_of_training_calls("h = fit(m, (x, y), (x_test, y_test), epochs=1)") == \
        [("fit", {"x_test", "y_test"})]
    assert validation_sets_of_training_calls("fit(m, train, val=test_pair, epochs=1)") == [("fit", {"test_pair"})]
    assert validation_sets_of_training_calls("train_recipe(R, train, data.test)")[0][1] >= {"test"}
    assert validation_sets_of_training_calls("%time fit(m, train, None, epochs=1)") == [("fit", set())]
