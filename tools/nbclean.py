"""Keep stored lessons free of noise, and refresh the outputs the tests compare.

A stored notebook carries no execution counts, no widget state and no outputs,
except the outputs of cells tagged ``nbval-check-output``: those are what
``pytest --nbval-lax`` compares against a fresh run.

    python -m tools.nbclean notebooks/*.ipynb            # strip in place
    python -m tools.nbclean --check notebooks/*.ipynb    # exit 1 if any is not clean
    python -m tools.nbclean --execute notebooks/06_convolution.ipynb
        # execute, then store only the compared outputs (use after changing a checked cell)
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

from helpers.files import write_atomic
from tools import notebook_exec

CHECK_TAG = "nbval-check-output"  # the cell tag nbval reads: students never see it in the code
# Cell metadata worth keeping: slides, exercise tags, and nothing a front end adds by itself.
KEEP_CELL_METADATA = ("tags", "slideshow", "exercise")
KEEP_NB_METADATA = ("kernelspec", "language_info")


def is_checked(cell) -> bool:
    return cell.cell_type == "code" and CHECK_TAG in cell.metadata.get("tags", [])


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` with only compared outputs kept and all noise removed."""
    nb = copy.deepcopy(nb)
    nb.metadata = nbformat.from_dict({k: nb.metadata[k] for k in KEEP_NB_METADATA if k in nb.metadata})
    if "language_info" in nb.metadata:
        nb.metadata.language_info = nbformat.from_dict({"name": nb.metadata.language_info.get("name", "python")})
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict({k: cell.metadata[k] for k in KEEP_CELL_METADATA if k in cell.metadata})
        # "-" (continue the slide) is spelled by leaving the type out: jupyterlab-slideshow,
        # the deck that keeps widgets live, hides cells typed "-".
        if cell.metadata.get("slideshow", {}).get("slide_type") == "-":
            del cell.metadata["slideshow"]
        if cell.cell_type != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        cell.execution_count = None
        if not is_checked(cell):
            cell.outputs = []
            continue
        kept = []
        for out in cell.outputs:
            out = copy.deepcopy(out)
            if "execution_count" in out:
                out.execution_count = None
            if out.get("output_type") in ("display_data", "execute_result"):
                # Widgets and rich views are never compared; their text fallback is.
                out.data = nbformat.from_dict({k: v for k, v in out.data.items()
                                               if k in ("text/plain", "text/html")})
                out.metadata = nbformat.from_dict({})
            kept.append(out)
        cell.outputs = kept
    return nb


def dumps(nb) -> str:
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def problems(path: Path) -> list[str]:
    """What makes a stored notebook not clean (empty list when it is clean)."""
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    out = []
    if "widgets" in nb.metadata:
        out.append("stores widget state")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.execution_count is not None:
            out.append(f"cell {i}: stores an execution count")
        if cell.outputs and not is_checked(cell):
            out.append(f"cell {i}: stores outputs but is not tagged {CHECK_TAG}")
    if not out and dumps(clean(nb)) != text:
        out.append("is not in the cleaned form (run: make clean-notebooks)")
    return out


def execute(path: Path, timeout: int = 900) -> nbformat.NotebookNode:
    """Execute a notebook in its own folder with the current Python's kernel."""
    return notebook_exec.execute(nbformat.read(path, as_version=4), path.parent, timeout=timeout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="report notebooks that are not clean")
    mode.add_argument("--execute", action="store_true", help="execute and store the compared outputs")
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        if args.check:
            found = problems(path)
            for p in found:
                print(f"{path}: {p}")
            status |= bool(found)
            continue
        nb = execute(path) if args.execute else nbformat.read(path, as_version=4)
        write_atomic(path, dumps(clean(nb)))
        print(f"{path}: {'executed and ' if args.execute else ''}cleaned")
    return status


if __name__ == "__main__":
    sys.exit(main())
