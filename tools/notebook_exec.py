"""Run a notebook in a kernel of this very Python, one cell at a time, within time limits.

One kernel policy for every tool that executes lessons (solved copies, grading, the
cleaner): the kernel is this interpreter (like ``nbval --nbval-current-env``), so what
runs is what is installed here, never some other "python3" on the PATH.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


def current_env_kernel_manager():
    """A kernel manager that starts a kernel of this very Python.

    It is the asynchronous manager on purpose: with the blocking one, nbclient's wait for
    output blocks its event loop, so a cell's time limit never fires and a cell that loops
    forever hangs the caller.
    """
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class CurrentEnv(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):  # jupyter_client's API
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                          **ipykernel.kernelspec.get_kernel_dict())

    return AsyncKernelManager(kernel_name="current-env", kernel_spec_manager=CurrentEnv())


@dataclass
class Run:
    """What happened when a notebook ran: cells executed, errors, time-outs, seconds."""

    executed: int = 0
    errors: list[str] = field(default_factory=list)      # "cell 7: NameError: ..."
    timed_out: str | None = None                          # why the run stopped early, if it did
    seconds: float = 0.0


def _error_text(cell) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"[:300]
    return None


def run_notebook(nb: nbformat.NotebookNode, cwd: Path | str, *, cell_timeout: float = 120,
                 total_timeout: float = 900, env: dict[str, str] | None = None) -> Run:
    """Execute ``nb`` in place (outputs are filled in), cell by cell, errors allowed.

    A cell that runs longer than ``cell_timeout`` seconds is interrupted and counted as a
    time-out; once ``total_timeout`` seconds have passed no further cell starts. ``env``
    adds environment variables for the kernel. Never raises for what the notebook does.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    run = Run()
    start = time.perf_counter()
    saved = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    client = NotebookClient(nb, timeout=int(cell_timeout), km=current_env_kernel_manager(), allow_errors=True,
                            interrupt_on_timeout=True, resources={"metadata": {"path": str(cwd)}})
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                if time.perf_counter() - start > total_timeout:
                    run.timed_out = f"stopped before cell {index}: the notebook ran over {total_timeout:.0f} s"
                    break
                began = time.perf_counter()
                try:
                    client.execute_cell(cell, index)
                    text = _error_text(cell)
                except CellTimeoutError:
                    text = "KeyboardInterrupt"
                run.executed += 1
                # On time-out the kernel is interrupted: the cell ends in KeyboardInterrupt.
                if text and text.startswith("KeyboardInterrupt") and time.perf_counter() - began >= cell_timeout:
                    run.errors.append(f"cell {index}: ran longer than {cell_timeout:.0f} s and was interrupted")
                    run.timed_out = run.timed_out or f"cell {index} ran longer than {cell_timeout:.0f} s"
                elif text:
                    run.errors.append(f"cell {index}: {text}")
    except DeadKernelError as exc:
        run.errors.append(f"the kernel died: {exc}")
        run.timed_out = run.timed_out or "the kernel died"
    except Exception as exc:  # the kernel could not start or talk: report, never crash the caller
        run.errors.append(f"execution stopped: {type(exc).__name__}: {exc}")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    run.seconds = time.perf_counter() - start
    return run


def write_atomic(path: Path | str, text: str, *, mode: int = 0o644) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename:
    an interrupted write never leaves a half-written file behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
