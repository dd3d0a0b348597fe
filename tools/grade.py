"""Grade a class's submitted lesson notebooks: execute each, re-check every exercise, write a CSV.

    python -m tools.grade SUBMISSIONS                 # or: make grade SUBMISSIONS=folder
    python -m tools.grade SUBMISSIONS --out build/grades --cell-timeout 120 --total-timeout 900

SUBMISSIONS holds one folder per student with that student's notebooks
(``alice/03_mlp.ipynb``), or notebooks named ``<student>__<lesson file>.ipynb`` side by
side. Each notebook is executed top to bottom in a fresh kernel of this Python, in a
temporary folder, with a time limit per cell and per notebook; a cell that raises does
not stop the run. Then a grading cell appended to the notebook reloads the lesson's
exercise checkers from the installed course (so a checker the student redefined in memory
is replaced) and evaluates every exercise on the names the notebook defines. The student's
own ``check()`` calls and their printed results are never trusted.

Written are ``grades.csv`` (one row per student, one column per lesson exercise: passed,
failed, not attempted, or missing) and ``summary.md`` (pass rate per exercise, and every
notebook that could not be read, raised, ran out of time, or looks tampered with). A
notebook that errors, hangs or was tampered with is reported, never crashed on.

Why not nbgrader or otter-grader: both want assignments authored in their own format
(cell metadata, a database or test files) and bring a server or a Docker workflow; the
course's lessons already check themselves, so grading is execution plus the same checkers.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers.files import write_atomic
from tools.notebook_exec import run_notebook

IMPORT_RE = re.compile(
    r"^\s*(?:from\s+helpers\.exercises\s+import\s+(lesson\d\d)\b|import\s+helpers\.exercises\.(lesson\d\d)\b)",
    re.MULTILINE,
)
MARKER = "@@cnn-course-grade@@"
STATUSES = ("passed", "failed", "not attempted", "missing")

# Code that changes the course's checking machinery instead of answering. Flagged, not
# obeyed: the grading cell reloads the checkers, and the instructor sees the reason.
TAMPER_PATTERNS = [
    (re.compile(r"\bex\.\w+(\.\w+)*\s*=(?!=)"), "assigns to an attribute of the exercise module"),
    (re.compile(r"\bhelpers(\.\w+)+\s*=(?!=)"), "assigns into the helpers package"),
    (re.compile(r"\bsetattr\s*\(\s*(ex|helpers)\b"), "sets an attribute of the course's modules"),
    (re.compile(r"\bsys\.modules\b"), "edits the module table"),
    (re.compile(r"\bimportlib\b"), "reloads or imports modules by hand"),
    (re.compile(r"CNN_COURSE_CHECK_LOG|@@cnn-course-grade@@"), "writes to the grading channel"),
    (re.compile(r"\b(__builtins__|builtins)\b"), "changes Python's built-in functions"),
    (re.compile(r"^\s*(def|class)\s+(Exercise|evaluate|check_\w+|passed|failed)\b", re.M),
     "redefines a checker function"),
    (re.compile(r"^\s*from\s+helpers\.exercises\.\w+\s+import\b", re.M), "imports checker internals"),
]

GRADER_CELL = '''
def __cnn_course_grade(module_name, marker):
    import importlib, json, sys
    for name in ("helpers.exercises.result", "helpers.exercises.templates", "helpers.exercises.compare",
                 "helpers.exercises.core", module_name):
        module = sys.modules.get(name)
        module = importlib.reload(module) if module is not None else importlib.import_module(name)
    core = sys.modules["helpers.exercises.core"]
    user = globals()
    out = {}
    for ex in core.list_exercises(module):
        missing = [n for n in ex.answer_names if n not in user]
        if missing:
            out[ex.name] = ["missing", "the notebook never defines " + ", ".join(missing)]
            continue
        answers = [user[n] for n in ex.answer_names]
        result = ex.evaluate(answers[0] if len(answers) == 1 else tuple(answers))
        status = {"unattempted": "not attempted"}.get(result.status, result.status)
        out[ex.name] = [status, str(result.message)[:300]]
    print(marker + json.dumps(out))
__cnn_course_grade(%r, %r)
'''


@dataclass
class Graded:
    """The grade of one submitted notebook."""

    student: str
    notebook: str
    lesson: str | None = None
    results: dict[str, tuple[str, str]] = field(default_factory=dict)  # exercise -> (status, message)
    problems: list[str] = field(default_factory=list)
    tampering: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(status == "passed" for status, _ in self.results.values())


def find_submissions(folder: Path) -> list[tuple[str, Path]]:
    """(student, notebook) pairs under ``folder``, sorted."""
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        rel = path.relative_to(folder)
        student = rel.parts[0] if len(rel.parts) > 1 else path.stem.split("__", 1)[0]
        found.append((student, path))
    return found


def lesson_module(nb: nbformat.NotebookNode) -> str | None:
    """``helpers.exercises.lessonNN`` of the notebook's exercise import, or None."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            m = IMPORT_RE.search(cell.source)
            if m:
                return f"helpers.exercises.{m.group(1) or m.group(2)}"
    return None


def tampering(nb: nbformat.NotebookNode) -> list[str]:
    """Reasons to distrust a notebook: code that rewires the checking machinery."""
    reasons = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for pattern, why in TAMPER_PATTERNS:
            if pattern.search(cell.source):
                reasons.append(f"cell {i} {why}")
    return reasons


def _parse(nb: nbformat.NotebookNode) -> dict | None:
    cell = nb.cells[-1]
    for out in cell.get("outputs", []):
        text = out.get("text", "") if out.get("output_type") == "stream" else ""
        for line in text.splitlines():
            if line.startswith(MARKER):
                try:
                    return json.loads(line[len(MARKER):])
                except json.JSONDecodeError:
                    return None
    return None


def grade_notebook(student: str, path: Path, *, cell_timeout: float = 120, total_timeout: float = 900) -> Graded:
    """Execute one submission and re-check its exercises. Never raises for what the notebook holds."""
    graded = Graded(student=student, notebook=path.name)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook, unreadable
        graded.problems.append(f"cannot be read as a notebook: {type(exc).__name__}: {str(exc)[:200]}")
        return graded
    module = lesson_module(nb)
    if module is None:
        graded.problems.append("has no `from helpers.exercises import lessonNN as ex` cell: nothing to grade")
        return graded
    graded.lesson = module.rsplit(".", 1)[1]
    graded.tampering = tampering(nb)
    nb.cells.append(nbformat.v4.new_code_cell(GRADER_CELL % (module, MARKER)))
    with tempfile.TemporaryDirectory(prefix="cnn-grade-") as tmp:
        run = run_notebook(nb, tmp, cell_timeout=cell_timeout, total_timeout=total_timeout,
                           env={"CNN_COURSE_CHECK_LOG": str(Path(tmp) / "ignored-check-log.jsonl"),
                                "CNN_COURSE_PROGRESS": str(Path(tmp) / "ignored-progress.jsonl")})
    graded.seconds = run.seconds
    graded.problems += [e for e in run.errors if not e.startswith(f"cell {len(nb.cells) - 1}:")]
    if run.timed_out:
        graded.problems.append(f"time limit: {run.timed_out}")
    parsed = _parse(nb)
    if parsed is None:
        graded.problems.append("the grading cell could not run (the notebook ran out of time or broke the kernel)")
        return graded
    graded.results = {name: (status, message) for name, (status, message) in parsed.items()}
    return graded


def write_reports(grades: list[Graded], out: Path) -> tuple[Path, Path]:
    """Write ``grades.csv`` (student × exercise) and ``summary.md``; return their paths."""
    columns = sorted({f"{g.lesson}.{name}" for g in grades if g.lesson for name in g.results},
                     key=lambda c: (c.split(".")[0], int(re.sub(r"\D", "", c.split(".")[1]) or 0), c))
    students = sorted({g.student for g in grades})
    by_student = {s: [g for g in grades if g.student == s] for s in students}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *columns, "passed", "exercises", "problems"])
    for s in students:
        cells = {f"{g.lesson}.{name}": status for g in by_student[s] for name, (status, _) in g.results.items()}
        row = [cells.get(c, "missing") for c in columns]
        issues = [f"{g.notebook}: {p}" for g in by_student[s] for p in g.problems + g.tampering]
        writer.writerow([s, *row, row.count("passed"), len(columns), " | ".join(issues)])
    csv_path = out / "grades.csv"
    write_atomic(csv_path, buf.getvalue())

    lines = ["# Grades", "", f"{len(students)} students, {len(grades)} notebooks, {len(columns)} exercises.", "",
             "| exercise | passed | failed | not attempted | missing |", "|---|---|---|---|---|"]
    for c in columns:
        counts = [sum(cells_status(by_student[s], c) == st for s in students) for st in STATUSES]
        lines.append(f"| {c} | " + " | ".join(str(n) for n in counts) + " |")
    flagged = [g for g in grades if g.problems or g.tampering]
    lines += ["", "## Notebooks to look at", ""]
    lines += [f"- {g.student} / {g.notebook}: " + "; ".join(g.tampering + g.problems) for g in flagged] or ["- none"]
    md_path = out / "summary.md"
    write_atomic(md_path, "\n".join(lines) + "\n")
    return csv_path, md_path


def cells_status(grades: list[Graded], column: str) -> str:
    lesson, name = column.split(".", 1)
    for g in grades:
        if g.lesson == lesson and name in g.results:
            return g.results[name][0]
    return "missing"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("submissions", type=Path, help="folder of submitted notebooks")
    parser.add_argument("--out", type=Path, default=Path("build/grades"), help="where grades.csv and summary.md go")
    parser.add_argument("--cell-timeout", type=float, default=120, help="seconds one cell may run (default 120)")
    parser.add_argument("--total-timeout", type=float, default=900, help="seconds one notebook may run (default 900)")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"submissions: expected a folder of notebooks, got {str(args.submissions)!r}")
    found = find_submissions(args.submissions)
    if not found:
        print(f"no notebooks under {args.submissions}", file=sys.stderr)
        return 1
    grades = []
    for student, path in found:
        g = grade_notebook(student, path, cell_timeout=args.cell_timeout, total_timeout=args.total_timeout)
        flag = " (look at it: see summary.md)" if g.problems or g.tampering else ""
        print(f"{student:>16} {path.name}: {g.passed} of {len(g.results)} passed in {g.seconds:.0f} s{flag}")
        grades.append(g)
    csv_path, md_path = write_reports(grades, args.out)
    print(f"wrote {csv_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
