"""Run a notebook in a kernel of this very Python, one cell at a time, within time limits.

One kernel policy for every tool that executes lessons (the site, solved copies,
grading, the cleaner, the course benchmark): the kernel is this interpreter (like
``nbval --nbval-current-env``), so what runs is what is installed here, never some
other "python3" on the PATH. Two ways to run, one client underneath:

- ``execute``: strict, the first error stops the run and raises (publishing tools);
- ``run_notebook``: lenient, errors and time-outs are recorded and the run goes on (grading).

Both accept ``after_cell(index, cell, kernel_pid)``, called after every executed cell
while the kernel is alive (the benchmark reads the kernel's memory there).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ipykernel.kernelspec
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

AfterCell = Callable[[int, nbformat.NotebookNode, "int | None"], None]


def current_env_kernel_manager():
    """A kernel manager that starts a kernel of this very Python.

    It is the asynchronous manager on purpose: with the blocking one, nbclient's wait for
    output blocks its event loop, so a cell's time limit never fires and a cell that loops
    forever hangs the caller.
    """
    class CurrentEnv(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):  # jupyter_client's API
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                          **ipykernel.kernelspec.get_kernel_dict())

    return AsyncKernelManager(kernel_name="current-env", kernel_spec_manager=CurrentEnv())


def kernel_pid(client) -> int | None:
    """The process id of ``client``'s running kernel, or None when there is none (yet)."""
    km = getattr(client, "km", None)
    return getattr(getattr(km, "provisioner", None), "pid", None) if km is not None else None


@contextlib.contextmanager
def environment(env: dict[str, str | None] | None) -> Iterator[None]:
    """Set (or, for None, remove) environment variables for a kernel started inside; restore after."""
    env = env or {}
    saved = {k: os.environ.get(k) for k in env}
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def client_for(nb: nbformat.NotebookNode, cwd: Path | str, *, timeout: float, allow_errors: bool = False,
               store_widget_state: bool = False, after_cell: AfterCell | None = None):
    """The one nbclient set-up every run uses: this Python's kernel, ``cwd`` as working folder."""
    client = NotebookClient(nb, timeout=int(timeout), km=current_env_kernel_manager(), allow_errors=allow_errors,
                            interrupt_on_timeout=allow_errors, store_widget_state=store_widget_state,
                            resources={"metadata": {"path": str(cwd)}})
    if after_cell is not None:
        client.on_cell_executed = lambda cell, cell_index, **_: after_cell(cell_index, cell, kernel_pid(client))
    return client


def execute(nb: nbformat.NotebookNode, cwd: Path | str, *, timeout: float = 900, env: dict[str, str | None] | None = None,
            store_widget_state: bool = False, quiet_kernel: bool = False,
            after_cell: AfterCell | None = None) -> nbformat.NotebookNode:
    """Execute ``nb`` in place, top to bottom; the first error stops it and raises.

    timeout: seconds allowed per cell. env: environment variables for the kernel (None
    removes one). store_widget_state: keep the widgets' state in the notebook's metadata
    (for pages that show widgets without a kernel). quiet_kernel: drop the kernel's own
    stderr (start-up chatter, not cell output). Raises nbclient's CellExecutionError,
    CellTimeoutError or DeadKernelError. Returns ``nb``.
    """
    client = client_for(nb, cwd, timeout=timeout, store_widget_state=store_widget_state, after_cell=after_cell)
    with environment(env):
        client.execute(**({"stderr": subprocess.DEVNULL} if quiet_kernel else {}))
    return nb


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


def _run_cells(client, nb: nbformat.NotebookNode, run: Run, start: float, cell_timeout: float,
               total_timeout: float) -> None:
    """Execute the code cells one by one into ``run`` (the kernel is up), within both limits."""
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


def run_notebook(nb: nbformat.NotebookNode, cwd: Path | str, *, cell_timeout: float = 120,
                 total_timeout: float = 900, env: dict[str, str | None] | None = None,
                 after_cell: AfterCell | None = None) -> Run:
    """Execute ``nb`` in place (outputs are filled in), cell by cell, errors allowed.

    A cell that runs longer than ``cell_timeout`` seconds is interrupted and counted as a
    time-out; once ``total_timeout`` seconds have passed no further cell starts. ``env``
    adds environment variables for the kernel. Never raises for what the notebook does.
    """
    run = Run()
    start = time.perf_counter()
    try:
        with environment(env):
            client = client_for(nb, cwd, timeout=cell_timeout, allow_errors=True, after_cell=after_cell)
            with client.setup_kernel():
                _run_cells(client, nb, run, start, cell_timeout, total_timeout)
    except DeadKernelError as exc:
        run.errors.append(f"the kernel died: {exc}")
        run.timed_out = run.timed_out or "the kernel died"
    except Exception as exc:  # the kernel could not start or talk: report, never crash the caller
        run.errors.append(f"execution stopped: {type(exc).__name__}: {exc}")
    run.seconds = time.perf_counter() - start
    return run
