"""The cost of running the course: execute every lesson as CI does, one at a time.

Each notebook is executed top to bottom by the course's one notebook executor
(``tools.notebook_exec.execute``: a fresh kernel of this very Python, the notebook's
folder as working directory, the first error stops it). Nothing is written back to the
notebook.

For each notebook we record the wall time (kernel start to kernel shutdown) and the
kernel's peak resident memory. On Linux the peak is the kernel process's ``VmHWM``
(its resident-set high-water mark, from /proc/<pid>/status), read after every cell
while the kernel is alive (the executor's ``after_cell`` hook hands over the kernel's
pid); since the mark only ever rises, the last reading is the peak of the whole run.
Elsewhere, psutil's RSS is sampled after every cell instead.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Callable

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from tools import notebook_exec

__all__ = ["kernel_peak_rss_mb", "execute_notebook", "run_course", "find_notebooks"]


def kernel_peak_rss_mb(pid: int) -> float | None:
    """Peak resident memory of process ``pid`` in MiB (VmHWM), or its current RSS via psutil."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB -> MiB
    except OSError:
        pass
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 2**20
    except Exception:  # psutil missing or process gone
        return None


def execute_notebook(path: str | Path, *, timeout: int = 900) -> dict[str, Any]:
    """Execute one notebook in a fresh kernel; return seconds, peak_rss_mb, ok, error, cells.

    timeout: seconds allowed per cell.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: expected an existing .ipynb file, got {path}")
    nb = nbformat.read(path, as_version=4)
    peak: list[float] = []

    def after_cell(index: int, cell: Any, pid: int | None) -> None:
        mb = kernel_peak_rss_mb(pid) if pid else None
        if mb is not None:
            peak.append(mb)

    error = None
    t0 = time.perf_counter()
    try:
        # The kernel's own stderr (start-up warnings) is dropped; failures still surface
        # as exceptions from the cells or a dead kernel.
        notebook_exec.execute(nb, path.parent, timeout=timeout, quiet_kernel=True, after_cell=after_cell)
    except (CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError, AssertionError) as exc:
        # (nbclient raises AssertionError/RuntimeError when the kernel vanishes mid-run)
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
        error = f"{type(exc).__name__}: {text.splitlines()[-1] if text else ''}"
    seconds = time.perf_counter() - t0
    return {
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(max(peak), 1) if peak else None,
        "ok": error is None,
        "error": error,
        "cells": len(nb.cells),
    }


def find_notebooks(notebook_dir: str | Path) -> list[Path]:
    """Every lesson notebook in ``notebook_dir``, in course order (sorted by name)."""
    notebook_dir = Path(notebook_dir)
    if not notebook_dir.is_dir():
        raise ValueError(f"notebook_dir: expected a folder of notebooks, got {notebook_dir}")
    return sorted(p for p in notebook_dir.glob("*.ipynb") if not p.name.startswith("."))


def _summary(per: dict[str, dict[str, Any]], expected: int) -> dict[str, Any]:
    peaks = {name: r["peak_rss_mb"] for name, r in per.items() if r["peak_rss_mb"] is not None}
    largest = max(peaks, key=peaks.get) if peaks else None
    return {
        "per_notebook": per,
        "total_seconds": round(sum(r["seconds"] for r in per.values()), 3),
        "peak_rss_mb": peaks[largest] if largest else None,
        "largest_notebook": largest,
        "failed": [name for name, r in per.items() if not r["ok"]],
        "notebooks": len(per),
        "notebooks_expected": expected,
        "complete": len(per) == expected,
    }


def run_course(notebook_dir: str | Path, *, log=print,
               on_progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Execute every notebook of ``notebook_dir`` one after the other.

    Returns {"per_notebook": {name: {...}}, "total_seconds", "peak_rss_mb",
    "largest_notebook", "failed": [names], "notebooks", "complete"}.
    on_progress: called with that summary (so far) after each notebook.
    """
    notebooks = find_notebooks(notebook_dir)
    per: dict[str, dict[str, Any]] = {}
    for nb_path in notebooks:
        log(f"  executing {nb_path.name} ...")
        result = execute_notebook(nb_path)
        log(f"    {result['seconds']:.1f} s, peak {result['peak_rss_mb']} MiB" + ("" if result["ok"] else f", FAILED: {result['error']}"))
        per[nb_path.name] = result
        if on_progress is not None:
            on_progress(_summary(per, len(notebooks)))
    return _summary(per, len(notebooks))
