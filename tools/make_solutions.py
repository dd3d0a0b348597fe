"""Write a solved copy of every lesson and prove each reference solution works in context.

    python -m tools.make_solutions                      # all lessons (make solutions)
    python -m tools.make_solutions notebooks/01_*.ipynb # some lessons
    python -m tools.make_solutions --no-execute         # only write the solved copies
    python -m tools.make_solutions --verify-log LOG     # judge a check log of copies run elsewhere

For each lesson that imports an exercise module (``from helpers.exercises import
lessonNN as ex``), every cell tagged ``exercise`` has its source replaced by the
reference solution of ``ex.<cell.metadata["exercise"]>``. The solved copies go to
``build/solutions/`` next to a copy of everything else in ``notebooks/``, so a lesson
runs there exactly as it does in ``notebooks/``. Each solved copy is then executed
(nbclient, a kernel of this Python) with every check logged to a file; the run fails
if any cell raises or any check reports anything but "passed", or if an exercise cell
is never checked. The executed copies (with outputs) are kept for instructors, and a
summary is written to ``build/solutions/summary.json``.

``make test`` runs the solved copies once, under nbval (which also compares the stored
outputs): it writes them with ``--no-execute``, has nbval's kernels log every check to one
file (``CNN_COURSE_CHECK_LOG``), then judges that log with ``--verify-log``, by the same
rules as above.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType

import nbformat
from nbclient.exceptions import CellExecutionError

from helpers.exercises.core import CHECK_LOG_ENV_VAR, REVEAL_ENV_VAR, Exercise
from helpers.exercises.progress import PROGRESS_ENV_VAR
from helpers.files import write_atomic
from tools import notebook_exec

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "build" / "solutions"

IMPORT_RE = re.compile(
    r"^\s*(?:from\s+helpers\.exercises\s+import\s+(lesson\w+)(?:\s+as\s+(\w+))?"
    r"|import\s+helpers\.exercises\.(lesson\w+)\s+as\s+(\w+))",
    re.MULTILINE,
)


class SolutionError(Exception):
    """A lesson's exercise cells cannot be solved (bad tag, unknown exercise, no module)."""


def exercise_module(nb: nbformat.NotebookNode) -> tuple[str, str] | None:
    """(module name, alias) of the lesson's exercise import, or None if it has none.

    Raises SolutionError if a lesson imports more than one exercise module.
    """
    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for m in IMPORT_RE.finditer(cell.source):
            mod = m.group(1) or m.group(3)
            alias = m.group(2) or m.group(4) or mod
            found.add((f"helpers.exercises.{mod}", alias))
    if len(found) > 1:
        raise SolutionError(f"imports several exercise modules: {sorted(found)}")
    return found.pop() if found else None


def exercise_cells(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(cell index, exercise name) of every cell tagged ``exercise``."""
    out = []
    for i, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if "exercise" in tags:
            if cell.cell_type != "code":
                raise SolutionError(f"cell {i} is tagged 'exercise' but is a {cell.cell_type} cell")
            name = cell.metadata.get("exercise")
            if not isinstance(name, str) or not name:
                raise SolutionError(f"cell {i} is tagged 'exercise' but has no metadata 'exercise' naming it")
            out.append((i, name))
    return out


def solve(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, ModuleType | None, list[str]]:
    """A copy of ``nb`` with each exercise cell's source replaced by its reference solution.

    Returns (solved notebook, exercise module or None, exercise names in cell order).
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    cells = exercise_cells(nb)
    found = exercise_module(nb)
    if not cells:
        return nb, (importlib.import_module(found[0]) if found else None), []
    if found is None:
        raise SolutionError("has exercise cells but no `from helpers.exercises import lessonNN as ex` import")
    module = importlib.import_module(found[0])
    names = []
    for i, name in cells:
        ex = getattr(module, name, None)
        if not isinstance(ex, Exercise):
            raise SolutionError(f"cell {i} names exercise {name!r}, which {found[0]} does not define")
        nb.cells[i].source = ex.solution_code
        names.append(name)
    return nb, module, names


@dataclass
class Report:
    notebook: str
    exercises: list[str] = field(default_factory=list)
    executed: bool = False
    seconds: float = 0.0
    ok: bool = True
    problems: list[str] = field(default_factory=list)


def execute(nb: nbformat.NotebookNode, cwd: Path, log: Path, timeout: int) -> str | None:
    """Run ``nb`` in ``cwd`` with checks logged to ``log``; return an error text or None."""
    # Solved copies are not a student's work: their checks stay out of the progress file.
    env = {CHECK_LOG_ENV_VAR: str(log), PROGRESS_ENV_VAR: str(log.with_name(log.name + ".progress")),
           REVEAL_ENV_VAR: None}
    try:
        # The kernel's own start-up chatter (not cell output) would only clutter the log.
        notebook_exec.execute(nb, cwd, timeout=timeout, env=env, quiet_kernel=True)
    except CellExecutionError as exc:
        lines = str(exc).strip().splitlines()
        return "a cell raised an error: " + " | ".join(lines[-3:])
    except Exception as exc:  # noqa: BLE001 - kernel death, time-out: report, go on
        return f"execution stopped: {type(exc).__name__}: {exc}"
    return None


def read_check_log(log: Path) -> list[dict]:
    """The rows of a check log, one per check run (none if the log was never written)."""
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def verify_checks(log: Path | list[dict], module: ModuleType | None, names: list[str]) -> list[str]:
    """Problems found in the check log (a file, or its rows): failures, unattempted checks,
    exercises never checked."""
    rows = read_check_log(log) if isinstance(log, Path) else log
    problems = [f"{r['exercise']}: {r['status']}: {r['message']}" for r in rows if r["status"] != "passed"]
    checked = {r["exercise"] for r in rows if module is None or r.get("module") == module.__name__}
    problems += [f"{n}: its exercise cell is never checked" for n in names if n not in checked]
    return problems


def verify_log(paths: list[Path], log: Path) -> list[Report]:
    """Judge one check log written while the solved copies of ``paths`` ran elsewhere (nbval).

    The log holds the checks of every lesson; each lesson is judged on its own module's rows.
    """
    rows = read_check_log(log)
    reports = []
    for path in paths:
        rep = Report(notebook=path.name, executed=True)
        reports.append(rep)
        try:
            _, module, rep.exercises = solve(nbformat.read(path, as_version=4))
        except SolutionError as exc:
            rep.ok, rep.problems = False, [str(exc)]
        else:
            if rep.exercises:
                own = [r for r in rows if r.get("module") == module.__name__]
                rep.problems = verify_checks(own, module, rep.exercises)
                rep.ok = not rep.problems
        if rep.exercises or rep.problems:
            status = "ok  " if rep.ok else "FAIL"
            print(f"{status} {path.name}: {len(rep.exercises)} exercises checked in {log.name}", flush=True)
        for p in rep.problems:
            print(f"     {p}", flush=True)
    return reports


def copy_notebooks_folder(src: Path, dst: Path) -> None:
    """Copy everything in ``src`` except notebooks and checkpoints into ``dst``."""
    shutil.copytree(src, dst, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__"))


def run(paths: list[Path], out: Path, *, execute_them: bool = True, timeout: int = 900) -> list[Report]:
    copy_notebooks_folder(NOTEBOOKS, out)
    reports = []
    for path in paths:
        rep = Report(notebook=path.name)
        reports.append(rep)
        try:
            nb = nbformat.read(path, as_version=4)
            solved, module, rep.exercises = solve(nb)
        except SolutionError as exc:
            rep.ok, rep.problems = False, [str(exc)]
            print(f"FAIL {path.name}: {exc}", flush=True)
            continue
        target = out / path.name
        if not rep.exercises:
            # Copied as it is, so the folder holds every lesson (`make test` runs them all there).
            write_atomic(target, nbformat.writes(solved) + "\n")
            print(f"copy {path.name}: no exercise cells, nothing to solve", flush=True)
            continue
        if execute_them:
            rep.executed = True
            # A private log per run: two runs at once (two people, or CI) must not share one.
            with tempfile.TemporaryDirectory(prefix="cnn-solutions-") as tmp:
                log = Path(tmp) / f"{path.stem}.checks.jsonl"
                t0 = time.perf_counter()
                error = execute(solved, out, log, timeout)
                rep.seconds = round(time.perf_counter() - t0, 1)
                if error:
                    rep.problems.append(error)
                rep.problems += verify_checks(log, module, rep.exercises)
            rep.ok = not rep.problems
        write_atomic(target, nbformat.writes(solved) + "\n")
        status = "ok  " if rep.ok else "FAIL"
        timing = f" in {rep.seconds:.1f} s" if execute_them else " (not executed)"
        print(f"{status} {path.name}: {len(rep.exercises)} exercises{timing}", flush=True)
        for p in rep.problems:
            print(f"     {p}", flush=True)
    write_summary(out / "summary.json", reports)
    return reports


def write_summary(path: Path, reports: list[Report]) -> None:
    """Update summary.json: this run's lessons replace their earlier entries, others stay."""
    try:
        entries = {e["notebook"]: e for e in json.loads(path.read_text(encoding="utf-8"))}
    except (OSError, ValueError, TypeError, KeyError):
        entries = {}
    entries.update({r.notebook: asdict(r) for r in reports})
    write_atomic(path, json.dumps([entries[k] for k in sorted(entries)], indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="lessons to solve (default: every notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default: {OUT.relative_to(ROOT)})")
    parser.add_argument("--no-execute", action="store_true", help="only write the solved copies")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell (default 900)")
    parser.add_argument("--verify-log", type=Path, metavar="LOG",
                        help="write and run nothing: judge LOG, the checks logged while the solved copies ran")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        print(f"no lessons found in {NOTEBOOKS}")
        return 1
    missing = [p for p in paths if not p.is_file()]
    if missing:
        parser.error(f"notebooks not found: {', '.join(map(str, missing))}")
    if args.verify_log is not None:
        reports = verify_log([p.resolve() for p in paths], args.verify_log)
        bad = [r.notebook for r in reports if not r.ok]
        checked = [r for r in reports if r.exercises]
        print(f"{len(checked) - len(bad)} of {len(checked)} lessons' exercises all checked and passed"
              + (f"; failed: {', '.join(bad)}" if bad else ""))
        return 1 if bad else 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    reports = run([p.resolve() for p in paths], args.out.resolve(), execute_them=not args.no_execute,
                  timeout=args.timeout)
    bad = [r.notebook for r in reports if not r.ok]
    print(f"{len(reports) - len(bad)} of {len(reports)} lessons ok" + (f"; failed: {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
