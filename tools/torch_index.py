"""Which package index gives a student the right torch build: ``python tools/torch_index.py``.

On Linux, PyPI's torch wheel is the CUDA build (several GB of GPU libraries). A student
without an NVIDIA GPU never uses them, so ``make setup`` asks this script and, on such
a machine, adds PyTorch's CPU wheel index (``--extra-index-url …/whl/cpu``): the same
version, a fraction of the size. macOS and Windows wheels on PyPI are CPU builds already.

It never hangs set-up: the CPU index is used only if it answers within a few seconds;
a machine that can reach only PyPI (or a local mirror) gets no extra index and installs
what that mirror has. Switches (environment variables):
``CNN_COURSE_TORCH_INDEX=cuda`` keeps PyPI's CUDA build; ``CNN_COURSE_TORCH_INDEX=<url>``
uses another index; ``CNN_COURSE_TORCH_INDEX=cpu`` forces the CPU index.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import urllib.request

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
ENV_VAR = "CNN_COURSE_TORCH_INDEX"


def has_nvidia_gpu() -> bool:
    """An NVIDIA driver is installed (its tool or its device node is there)."""
    return shutil.which("nvidia-smi") is not None or os.path.exists("/dev/nvidiactl")


def reachable(url: str, timeout: float = 4.0) -> bool:
    """The index answers within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/torch/", timeout=timeout):
            return True
    except Exception:  # noqa: BLE001 - any failure means "do not use it"
        return False


def index_args(system: str, nvidia: bool, choice: str | None, is_reachable) -> list[str]:
    """The pip arguments for torch's index. ``is_reachable(url)`` is asked only when needed."""
    choice = (choice or "").strip()
    if choice.lower() == "cuda":
        return []
    if choice and choice.lower() != "cpu":
        return ["--extra-index-url", choice]
    if choice.lower() != "cpu" and (system != "Linux" or nvidia):
        return []
    return ["--extra-index-url", CPU_INDEX] if is_reachable(CPU_INDEX) else []


def main() -> int:
    args = index_args(platform.system(), has_nvidia_gpu(), os.environ.get(ENV_VAR), reachable)
    print(" ".join(args))
    if not args and platform.system() == "Linux" and not has_nvidia_gpu() and not os.environ.get(ENV_VAR):
        print("note: PyTorch's CPU index did not answer; installing torch from the default index",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
