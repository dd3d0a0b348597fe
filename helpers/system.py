"""What this machine offers the course: versions, processor, threads, accelerator, data.

Lesson 00 prints this report so a student (or the person helping them) sees at a
glance whether everything the course needs is in place.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, field

import ipywidgets
import matplotlib
import numpy
import torch

from helpers import data, training


@dataclass
class Check:
    """One line of the report: what was checked, whether it is fine, and what was seen."""

    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def __str__(self) -> str:
        width = max(len(c.name) for c in self.checks)
        lines = [f"{'ok ' if c.ok else 'NO '} {c.name:<{width}}  {c.detail}" for c in self.checks]
        verdict = "Everything the course needs is in place." if self.ok else (
            "Something is missing: see the lines marked NO, and the README's troubleshooting section.")
        return "\n".join(lines + ["", verdict])

    def _repr_pretty_(self, p, cycle):  # IPython shows the report as plain text
        p.text(str(self))


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment_report(check_data: bool = True) -> Report:
    """Check Python, the key packages, the processor and accelerator, and the data sets.

    Args:
        check_data: also verify every data file against its pinned sha256 (about a second).
    """
    report = Report()
    py = sys.version_info
    report.checks.append(Check("Python", py[:2] == (3, 11), platform.python_version()))
    for mod, want in ((torch, "2.13."), (numpy, "2."), (matplotlib, "3."), (ipywidgets, "8.")):
        report.checks.append(Check(mod.__name__, mod.__version__.startswith(want), mod.__version__))
    report.checks.append(Check("processor", True, f"{_cpu_model()}, {os.cpu_count()} logical cores"))
    report.checks.append(Check("torch threads", True, str(torch.get_num_threads())))
    device = training.pick_device()
    report.checks.append(Check("device", True, f"{device} (the course runs fine on a CPU)"))
    if check_data:
        results = data.verify()
        bad = [name for name, good in results.items() if not good]
        detail = (f"all {len(results)} files present and verified (sha256) in {data.data_dir()}" if not bad
                  else f"missing or corrupted: {', '.join(bad)} — run `make setup`")
        report.checks.append(Check("data", not bad, detail))
    return report
