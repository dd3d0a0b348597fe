"""tools/make_solutions.py: solved copies replace exactly the exercise cells, and a
solved lesson fails loudly when a cell raises, a check does not pass, or an exercise is
never checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest

from helpers.exercises import lesson00
from tools import make_solutions as ms


def code(src: str, exercise: str | None = None):
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata["slideshow"] = {"slide_type": "-"}
    if exercise is not None:
        cell.metadata["tags"] = ["exercise"]
        cell.metadata["exercise"] = exercise
    return cell


def notebook(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Demo")] + list(cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


IMPORT = "from helpers.exercises import lesson00 as ex"
Q1 = code("pixels_per_digit = ...  # your answer here", "q1")
Q2 = code("def pixel_count(height, width, channels=1):\n    ...", "q2")


def test_exercise_module_finds_the_import_and_alias():
    assert ms.exercise_module(notebook(code(IMPORT))) == ("helpers.exercises.lesson00", "ex")
    assert ms.exercise_module(notebook(code("import helpers.exercises.lesson03 as e3"))) == \
        ("helpers.exercises.lesson03", "e3")
    assert ms.exercise_module(notebook(code("import numpy as np"))) is None
    with pytest.raises(ms.SolutionError, match="several"):
        ms.exercise_module(notebook(code(IMPORT), code("from helpers.exercises import lesson01 as ex1")))


def test_solve_replaces_only_exercise_cells():
    nb = notebook(code(IMPORT), Q1, code("ex.q1.check(pixels_per_digit)"), Q2, code("ex.q2.check(pixel_count)"))
    solved, module, names = ms.solve(nb)
    assert module is lesson00 and names == ["q1", "q2"]
    assert solved.cells[2].source == lesson00.q1.solution_code
    assert solved.cells[4].source == lesson00.q2.solution_code
    assert [c.source for i, c in enumerate(solved.cells) if i not in (2, 4)] == \
        [c.source for i, c in enumerate(nb.cells) if i not in (2, 4)]
    assert nb.cells[2].source == Q1.source  # the original is untouched


@pytest.mark.parametrize("cells, match", [
    ((Q1,), "no `from helpers.exercises import"),
    ((code(IMPORT), code("x = ...", "q9")), "does not define"),
    ((code(IMPORT), code("x = ...", "")), "no metadata"),
])
def test_solve_rejects_broken_wiring(cells, match):
    with pytest.raises(ms.SolutionError, match=match):
        ms.solve(notebook(*cells))


def test_markdown_cell_tagged_exercise_is_rejected():
    md = nbformat.v4.new_markdown_cell("text")
    md.metadata["tags"] = ["exercise"]
    with pytest.raises(ms.SolutionError, match="markdown"):
        ms.exercise_cells(notebook(md))


def test_verify_checks(tmp_path):
    log = tmp_path / "log.jsonl"
    rows = [{"exercise": "q1", "module": "helpers.exercises.lesson00", "status": "passed", "message": "ok"},
            {"exercise": "q2", "module": "helpers.exercises.lesson00", "status": "failed", "message": "bad"}]
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    problems = ms.verify_checks(log, lesson00, ["q1", "q2", "q3"])
    assert problems == ["q2: failed: bad", "q3: its exercise cell is never checked"]
    assert ms.verify_checks(tmp_path / "missing.jsonl", lesson00, ["q1"]) == ["q1: its exercise cell is never checked"]


def test_run_end_to_end(tmp_path):
    """Executes three small lessons in real kernels: one good, two broken in different ways."""
    src = tmp_path / "src"
    src.mkdir()
    good = notebook(code(IMPORT), Q1, code("ex.q1.check(pixels_per_digit)"),
                    Q2, code("ex.q2.check(pixel_count)"))
    wrong = notebook(code(IMPORT), Q1, code("ex.q1.check(pixels_per_digit + 1)"), Q2)
    raising = notebook(code(IMPORT), Q1, code("ex.q1.check(pixels_per_digit)"), code("1 / 0"))
    plain = notebook(code("x = 1"))
    for name, nb in (("00_good.ipynb", good), ("00_wrong.ipynb", wrong), ("00_raising.ipynb", raising),
                     ("00_plain.ipynb", plain)):
        nbformat.write(nb, src / name)
    out = tmp_path / "out"
    reports = ms.run(sorted(src.glob("*.ipynb")), out)
    by_name = {r.notebook: r for r in reports}
    assert by_name["00_good.ipynb"].ok and by_name["00_good.ipynb"].problems == []
    assert by_name["00_wrong.ipynb"].problems == [
        "q1: failed: `pixels_per_digit` should be 784, got 785. Off by one: count again from the start and the end.",
        "q2: its exercise cell is never checked",
    ]
    assert not by_name["00_raising.ipynb"].ok
    assert "ZeroDivisionError" in by_name["00_raising.ipynb"].problems[0]
    executed = nbformat.read(out / "00_good.ipynb", as_version=4)
    assert executed.cells[2].source == lesson00.q1.solution_code
    assert executed.cells[3].outputs[0]["data"]["text/plain"] == "✓ Correct (q1): `pixels_per_digit` = 784."
    assert (out / "00_good.ipynb").stat().st_mode & 0o777 == 0o644
    assert not list(out.glob(".*.jsonl")), "check logs are private to a run and removed"
    summary = json.loads((out / "summary.json").read_text())
    assert {s["notebook"]: s["ok"] for s in summary} == {"00_good.ipynb": True, "00_raising.ipynb": False,
                                                         "00_wrong.ipynb": False, "00_plain.ipynb": True}
    # a lesson without exercises is copied as it is, so the folder holds every lesson
    assert nbformat.read(out / "00_plain.ipynb", as_version=4).cells[1].source == "x = 1"
    # a later run of one lesson updates its entry and keeps the others
    ms.run([src / "00_good.ipynb"], out, execute_them=False)
    summary = json.loads((out / "summary.json").read_text())
    assert [s["notebook"] for s in summary] == ["00_good.ipynb", "00_plain.ipynb", "00_raising.ipynb",
                                                "00_wrong.ipynb"]
    assert summary[0]["executed"] is False and summary[2]["executed"] is True and summary[2]["ok"] is False


def test_verify_log_judges_each_lesson_on_its_own_module(tmp_path):
    """`make test` logs the checks of every lesson to one file; a lesson is judged on its rows only."""
    a = notebook(code(IMPORT), Q1, code("ex.q1.check(pixels_per_digit)"), Q2, code("ex.q2.check(pixel_count)"))
    b = notebook(code("from helpers.exercises import lesson01 as ex"), code("x = ...", "q1"),
                 code("ex.q1.check(x)"))
    nbformat.write(a, tmp_path / "00_a.ipynb")
    nbformat.write(b, tmp_path / "01_b.ipynb")
    rows = [{"exercise": "q1", "module": "helpers.exercises.lesson00", "status": "passed", "message": "ok"},
            {"exercise": "q2", "module": "helpers.exercises.lesson00", "status": "passed", "message": "ok"},
            {"exercise": "q1", "module": "helpers.exercises.lesson01", "status": "failed", "message": "no"}]
    log = tmp_path / "checks.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    reports = {r.notebook: r for r in ms.verify_log(sorted(tmp_path.glob("*.ipynb")), log)}
    assert reports["00_a.ipynb"].ok and reports["00_a.ipynb"].problems == []
    assert reports["01_b.ipynb"].problems == ["q1: failed: no"]
    assert ms.main(["--verify-log", str(log), str(tmp_path / "00_a.ipynb")]) == 0
    assert ms.main(["--verify-log", str(log), str(tmp_path / "01_b.ipynb")]) == 1
    # no log at all (the lessons never ran): every exercise is reported unchecked
    assert ms.main(["--verify-log", str(tmp_path / "none.jsonl"), str(tmp_path / "00_a.ipynb")]) == 1


def test_solved_copies_under_nbval_log_their_checks(tmp_path):
    """The `make test` pipeline on a small lesson: write the solved copy, run it under nbval
    with the check log set, judge the log; the student's copy (unsolved) fails the same judge."""
    src = tmp_path / "src"
    src.mkdir()
    lesson = notebook(code(IMPORT), Q1, code("ex.q1.check(pixels_per_digit)"), Q2, code("ex.q2.check(pixel_count)"))
    nbformat.write(lesson, src / "00_demo.ipynb")
    out = tmp_path / "solved"
    assert ms.main(["--no-execute", "--out", str(out), str(src / "00_demo.ipynb")]) == 0
    for copy, expected in ((out, 0), (src, 1)):
        log = tmp_path / f"{copy.name}.jsonl"
        env = {**os.environ, ms.CHECK_LOG_ENV_VAR: str(log)}
        run = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-q",
                              "-p", "no:cacheprovider", str(copy / "00_demo.ipynb")],
                             cwd=ms.ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        assert ms.main(["--verify-log", str(log), str(src / "00_demo.ipynb")]) == expected
