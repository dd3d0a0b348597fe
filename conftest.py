"""pytest configuration shared by the unit tests and the lessons run under nbval.

Stored lessons carry no execution counts (they are noise in diffs), but nbval treats
a cell with outputs and no execution count as "unrun" and refuses to compare it. The
compared cells are exactly those tagged ``nbval-check-output`` (a cell tag, so students
never see a marker in the code); they are given an execution count in memory at
collection time, and the files stay clean.

An instructor who exports ``CNN_COURSE_REVEAL=1`` to present solutions would otherwise
see every lesson's checks print solutions under test; tests run as a student does, so
the switch is dropped here (kernels started by nbval inherit this environment).
Likewise, checks run under test record progress in a temporary file, never in the
progress file of whoever runs the tests.
"""

import os
import tempfile

os.environ.pop("CNN_COURSE_REVEAL", None)
os.environ["CNN_COURSE_PROGRESS"] = os.path.join(tempfile.mkdtemp(prefix="cnn-course-progress-"), "progress.jsonl")

CHECK_TAG = "nbval-check-output"


def _is_checked(cell) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return CHECK_TAG in tags


def pytest_collection_modifyitems(items):
    for item in items:
        cell = getattr(item, "cell", None)  # only nbval's notebook cells have one
        if cell is None or cell.get("cell_type") != "code":
            continue
        if cell.get("outputs") and cell.get("execution_count") is None and _is_checked(cell):
            cell["execution_count"] = 1
