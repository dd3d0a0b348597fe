"""Stored lessons carry no noise: no execution counts, no widget state, and no outputs
except those nbval compares (cells tagged ``nbval-check-output``)."""

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
from tools import nbclean

LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_lessons():
    names = [p.name for p in LESSONS]
    assert "00_start_here.ipynb" in names and "01_pixels_as_arrays.ipynb" in names


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_stored_lesson_is_clean(path):
    assert nbclean.problems(path) == [], "run `make clean-notebooks`"


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_lesson_compares_some_outputs(path):
    nb = nbformat.read(path, as_version=4)
    checked = [c for c in nb.cells if nbclean.is_checked(c)]
    assert checked, "each lesson compares at least one deterministic output under nbval"
    assert all(c.outputs for c in checked), "a compared cell has no stored output: run python -m tools.nbclean --execute"


def test_the_cleaner_finds_noise(tmp_path):
    nb = nbformat.read(LESSONS[0], as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code" and not nbclean.is_checked(c))
    code.execution_count = 3
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="noise\n")]
    nb.metadata["widgets"] = {"state": {}}
    dirty = tmp_path / "dirty.ipynb"
    nbformat.write(nb, dirty)
    found = nbclean.problems(dirty)
    assert any("widget state" in p for p in found)
    assert any("execution count" in p for p in found)
    assert any("stores outputs" in p for p in found)
    nbclean.write_atomic(dirty, nbclean.dumps(nbclean.clean(nbformat.read(dirty, as_version=4))))
    assert nbclean.problems(dirty) == []


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_no_tooling_markers_in_what_students_read(path):
    """nbval's choices live in cell tags; no cell shows a marker comment, a lint pragma or a
    CI-only switch to the student."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        for marker in ("NBVAL_", "# noqa", "nbval-", "os.environ[\"CI\"]"):
            assert marker not in cell.source, f"{path.name} cell {i} shows {marker!r} to students"


def test_the_marker_rule_catches_a_marker(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)")]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(AssertionError, match="NBVAL_"):
        test_no_tooling_markers_in_what_students_read(path)
