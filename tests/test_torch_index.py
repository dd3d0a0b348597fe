"""Set-up picks PyTorch's CPU wheels on Linux without an NVIDIA GPU, and never hangs on a closed network."""

import subprocess
import sys
import time
from pathlib import Path

from tools.torch_index import CPU_INDEX, index_args

ROOT = Path(__file__).resolve().parent.parent


def _never(url):
    raise AssertionError("the index should not be probed")


def test_linux_without_a_gpu_gets_the_cpu_index_when_it_answers():
    assert index_args("Linux", False, None, lambda url: True) == ["--extra-index-url", CPU_INDEX]


def test_a_closed_network_falls_back_to_the_default_index():
    assert index_args("Linux", False, None, lambda url: False) == []


def test_gpus_macos_and_windows_keep_the_default_wheels():
    assert index_args("Linux", True, None, _never) == []
    assert index_args("Darwin", False, None, _never) == []
    assert index_args("Windows", False, "", _never) == []


def test_the_switches():
    assert index_args("Linux", False, "cuda", _never) == []
    assert index_args("Linux", False, "https://mirror.example/torch", _never) == ["--extra-index-url", "https://mirror.example/torch"]
    assert index_args("Darwin", False, "cpu", lambda url: True) == ["--extra-index-url", CPU_INDEX]
    assert index_args("Linux", True, "CPU", lambda url: False) == []


def test_the_script_answers_quickly_here():
    start = time.monotonic()
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "torch_index.py")], capture_output=True, text=True,
                         timeout=60, check=True)
    assert time.monotonic() - start < 30
    assert out.stdout.strip() in ("", f"--extra-index-url {CPU_INDEX}")


def test_make_setup_uses_it():
    assert "tools/torch_index.py" in (ROOT / "Makefile").read_text()
