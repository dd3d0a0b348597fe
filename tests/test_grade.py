"""tools/grade.py on generated submissions: solved, unsolved, wrong, broken, hanging, tampered, unreadable.

Each submission is lesson 01 (the quickest lesson to execute) changed the way a real
student's notebook might be; the whole class is graded once (about a minute) and every
test reads the same reports.
"""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pytest

from helpers.exercises import lesson01
from tools.grade import find_submissions, grade_notebook, tampering, write_reports

LESSON = Path(__file__).resolve().parents[1] / "notebooks" / "01_pixels_as_arrays.ipynb"


def _lesson() -> nbformat.NotebookNode:
    return nbformat.read(LESSON, as_version=4)


def _exercise_cell(nb, name: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("exercise") == name)


def _solved(nb):
    for name in ("q1", "q2", "q3", "q4", "q5"):
        _exercise_cell(nb, name).source = getattr(lesson01, name).solution_code
    return nb


def _submissions(folder: Path) -> None:
    (folder / "solved").mkdir()
    nbformat.write(_solved(_lesson()), folder / "solved" / LESSON.name)

    (folder / "untouched").mkdir()
    nbformat.write(_lesson(), folder / "untouched" / LESSON.name)

    nb = _solved(_lesson())  # q3 answered wrongly: channels last
    _exercise_cell(nb, "q3").source = "batch_shape = (64, 28, 28, 1)"
    (folder / "wrong").mkdir()
    nbformat.write(nb, folder / "wrong" / LESSON.name)

    nb = _solved(_lesson())  # q2's cell raises; the other answers still count
    _exercise_cell(nb, "q2").source = "ink_pixels = int((digit > 0).sum()) + undefined_name"
    (folder / "broken").mkdir()
    nbformat.write(nb, folder / "broken" / LESSON.name)

    nb = _solved(_lesson())  # a cell that never ends
    _exercise_cell(nb, "q4").source = "while True:\n    pass"
    (folder / "hangs").mkdir()
    nbformat.write(nb, folder / "hangs" / LESSON.name)

    nb = _solved(_lesson())  # a wrong answer, and a checker redefined to pass everything
    _exercise_cell(nb, "q5").source = ("inkiest_digit = 1\n"
                                       "from helpers.exercises.core import passed\n"
                                       "ex.q5.evaluate = lambda answer: passed('ok')")
    (folder / "tampered").mkdir()
    nbformat.write(nb, folder / "tampered" / LESSON.name)

    (folder / "garbled").mkdir()
    (folder / "garbled" / LESSON.name).write_text("{ this is not a notebook")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    _submissions(folder)
    grades = [grade_notebook(student, path, cell_timeout=20, total_timeout=300)
              for student, path in find_submissions(folder)]
    out = tmp_path_factory.mktemp("grades")
    csv_path, md_path = write_reports(grades, out)
    rows = {row["student"]: row for row in csv.DictReader(csv_path.open())}
    return {g.student: g for g in grades}, rows, md_path.read_text()


def test_solved_passes_every_exercise(graded):
    grades, rows, _ = graded
    assert rows["solved"]["passed"] == "5" and rows["solved"]["exercises"] == "5"
    assert {rows["solved"][f"lesson01.q{k}"] for k in range(1, 6)} == {"passed"}
    assert grades["solved"].problems == [] and grades["solved"].tampering == []


def test_untouched_is_not_attempted(graded):
    _, rows, _ = graded
    assert {rows["untouched"][f"lesson01.q{k}"] for k in range(1, 6)} == {"not attempted"}
    assert rows["untouched"]["passed"] == "0"


def test_a_wrong_answer_fails_only_its_exercise(graded):
    grades, rows, _ = graded
    assert rows["wrong"]["lesson01.q3"] == "failed"
    assert "height × width × channels" in grades["wrong"].results["q3"][1]
    assert rows["wrong"]["passed"] == "4"


def test_an_error_is_reported_and_the_rest_still_graded(graded):
    grades, rows, _ = graded
    assert any("NameError" in p for p in grades["broken"].problems)
    assert rows["broken"]["lesson01.q2"] != "passed"
    assert rows["broken"]["lesson01.q1"] == "passed" and rows["broken"]["lesson01.q5"] == "passed"


def test_a_hanging_cell_is_interrupted_and_reported(graded):
    grades, rows, md = graded
    assert any("longer than 20 s" in p for p in grades["hangs"].problems)
    assert rows["hangs"]["lesson01.q4"] == "missing"  # its cell never finished defining to_chw
    assert rows["hangs"]["lesson01.q5"] == "passed"   # later cells still ran
    assert "hangs /" in md


def test_a_redefined_checker_is_flagged_and_not_obeyed(graded):
    grades, rows, md = graded
    assert rows["tampered"]["lesson01.q5"] == "failed"  # the real checker ran on inkiest_digit = 1
    assert any("exercise module" in t for t in grades["tampered"].tampering)
    assert "tampered / 01_pixels_as_arrays.ipynb" in md


def test_an_unreadable_file_is_reported_not_crashed_on(graded):
    grades, rows, md = graded
    assert grades["garbled"].problems and "cannot be read" in grades["garbled"].problems[0]
    assert rows["garbled"]["passed"] == "0"
    assert "garbled" in md


def test_tamper_scan_leaves_ordinary_code_alone():
    nb = _solved(_lesson())
    assert tampering(nb) == []
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nsys.modules['helpers.exercises.core'] = None"))
    assert any("module table" in t for t in tampering(nb))


def test_students_come_from_folders_or_file_names(tmp_path):
    (tmp_path / "ann").mkdir()
    nbformat.write(_lesson(), tmp_path / "ann" / "01_pixels_as_arrays.ipynb")
    nbformat.write(_lesson(), tmp_path / "ben__01_pixels_as_arrays.ipynb")
    (tmp_path / "ann" / ".ipynb_checkpoints").mkdir()
    nbformat.write(_lesson(), tmp_path / "ann" / ".ipynb_checkpoints" / "01_pixels_as_arrays.ipynb")
    assert [s for s, _ in find_submissions(tmp_path)] == ["ann", "ben"]
