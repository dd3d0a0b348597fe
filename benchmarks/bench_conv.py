"""How fast is the course's numpy convolution, and is the kernel editor live?

    python -m benchmarks.bench_conv            # prints a markdown table
    python -m benchmarks.bench_conv --quick    # fewer repeats

``run()`` is what ``benchmarks/run.py`` (``make bench``) calls. Measured in one process,
with the same thread settings for numpy and torch, as the median of repeated timings:

- ``conv2d_numpy_ms``: ``helpers.conv.conv2d_batch`` (the vectorized conv2d, taking the
  whole (N, C, H, W) batch at once) on a (64, 1, 28, 28) float32 batch with 32 filters
  of 3×3, no padding. Goal: within 3× of torch.
- ``conv2d_torch_ms``: ``torch.nn.functional.conv2d`` on the same tensors (no autograd), at
  torch's default thread count; the details also give torch at one thread (numpy's
  einsum uses one).
- ``kernel_editor_update_ms``: typing one number into the kernel editor on a 512×512 grey
  photo plus a digit, from setting the box's value until both pictures are re-encoded
  (convolution, grey mapping, JPEG/PNG encoding). Goal: < 50 ms. The time to send the
  bytes to the browser is not included (it depends on the front end).
"""

from __future__ import annotations

import argparse
import time
from statistics import median
from typing import Any, Callable

import matplotlib
import numpy as np
import torch
import torch.nn.functional as F

from helpers.conv import KERNELS, conv2d_batch
from helpers.conv_widgets import kernel_editor, sample_photo
from helpers.data import load_mnist

GOAL_RATIO = 3.0
GOAL_EDITOR_MS = 50.0


def _median_ms(fn: Callable[[], object], repeats: int, number: int) -> tuple[float, list[float]]:
    """Median over ``repeats`` of the mean time of ``number`` calls, in ms (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) * 1000 / number)
    return median(samples), samples


def bench_conv2d(quick: bool = False) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    images = rng.random((64, 1, 28, 28), dtype=np.float32)
    kernels = rng.standard_normal((32, 1, 3, 3), dtype=np.float32)
    t_images, t_kernels = torch.from_numpy(images), torch.from_numpy(kernels)
    repeats, number = (5, 3) if quick else (15, 5)

    ours = conv2d_batch(images, kernels)
    with torch.no_grad():
        theirs = F.conv2d(t_images, t_kernels).numpy()
    max_diff = float(np.abs(ours - theirs).max())

    numpy_ms, numpy_samples = _median_ms(lambda: conv2d_batch(images, kernels), repeats, number)

    def torch_call():
        with torch.no_grad():
            return F.conv2d(t_images, t_kernels)

    torch_ms, torch_samples = _median_ms(torch_call, repeats, number)
    # numpy's einsum runs on one thread; torch at one thread too, for an even comparison
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch_1thread_ms, _ = _median_ms(torch_call, repeats, number)
    finally:
        torch.set_num_threads(threads)
    return {
        "torch_1thread_ms": torch_1thread_ms,
        "torch_threads": threads,
        "numpy_ms": numpy_ms,
        "torch_ms": torch_ms,
        "numpy_samples_ms": numpy_samples,
        "torch_samples_ms": torch_samples,
        "max_abs_diff": max_diff,
        "output_shape": list(ours.shape),
    }


def bench_kernel_editor(quick: bool = False) -> dict[str, Any]:
    photo = sample_photo(512)
    try:
        digit = load_mnist("test")[0][0]
    except Exception:  # noqa: BLE001 - the benchmark still runs without the data set
        digit = np.zeros((28, 28), dtype=np.uint8)
        digit[4:24, 12:16] = 255
    editor = kernel_editor(photo=photo, digit=digit)
    cells, preset = editor.controls["cells"], editor.controls["preset"]
    edits = 10 if quick else 40
    samples, inner = [], []
    for i in range(edits):
        value = float((i % 7) - 3)
        start = time.perf_counter()
        cells[i % 9].value = value if cells[i % 9].value != value else value + 0.5
        samples.append((time.perf_counter() - start) * 1000)
        inner.append(editor.state["last_update_ms"])
    preset_samples = []
    for name in list(KERNELS)[: 3 if quick else 7]:
        start = time.perf_counter()
        preset.value = name
        preset_samples.append((time.perf_counter() - start) * 1000)
    return {
        "typing_ms": median(samples),
        "update_only_ms": median(inner),
        "preset_ms": median(preset_samples),
        "image_shape": list(photo.shape),
        "edits": edits,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Measure the numpy convolution against torch and the kernel editor's update time."""
    conv = bench_conv2d(quick)
    editor = bench_kernel_editor(quick)
    ratio = conv["numpy_ms"] / conv["torch_ms"] if conv["torch_ms"] > 0 else float("inf")
    details = (
        f"(64, 1, 28, 28) float32 batch, 32 filters 3x3, no padding; numpy takes the whole batch at once "
        f"(helpers.conv.conv2d_batch), max |numpy - torch| = {conv['max_abs_diff']:.2e}; "
        f"torch at its default {conv['torch_threads']} threads (at 1 thread, like numpy's einsum: "
        f"{conv['torch_1thread_ms']:.2f} ms, ratio {conv['numpy_ms'] / conv['torch_1thread_ms']:.2f}x); ratio goal <= {GOAL_RATIO:g}x: "
        f"{'met' if ratio <= GOAL_RATIO else 'missed'}. Kernel editor: {editor['image_shape'][0]}x"
        f"{editor['image_shape'][1]} photo + digit, median of {editor['edits']} typed edits "
        f"(update alone {editor['update_only_ms']:.1f} ms, preset change {editor['preset_ms']:.1f} ms); "
        f"goal < {GOAL_EDITOR_MS:g} ms: {'met' if editor['typing_ms'] < GOAL_EDITOR_MS else 'missed'}."
        + (" Quick mode: few repeats." if quick else "")
    )
    return {
        "conv2d_numpy_ms": conv["numpy_ms"],
        "conv2d_torch_ms": conv["torch_ms"],
        "conv2d_ratio": ratio,
        "kernel_editor_update_ms": editor["typing_ms"],
        "details": details,
        "conv2d": conv,
        "kernel_editor": editor,
    }


def table(result: dict[str, Any]) -> str:
    """The headline figures as a markdown table."""
    rows = [
        ("conv2d, numpy (vectorized)", f"{result['conv2d_numpy_ms']:.2f} ms", ""),
        ("conv2d, torch", f"{result['conv2d_torch_ms']:.2f} ms", ""),
        ("numpy / torch", f"{result['conv2d_ratio']:.2f}×", f"≤ {GOAL_RATIO:g}×"),
        ("kernel editor update (512×512)", f"{result['kernel_editor_update_ms']:.1f} ms", f"< {GOAL_EDITOR_MS:g} ms"),
    ]
    lines = ["| measurement | median | goal |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines) + "\n\n" + result["details"]


def main(argv: list[str] | None = None) -> int:
    matplotlib.use("Agg")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    print(table(run(quick=args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
