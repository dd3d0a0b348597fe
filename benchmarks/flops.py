"""Counting a model's floating-point work, and measuring what the machine can do.

:func:`count_macs` runs one forward pass with forward hooks on every convolution and
dense layer and adds up their multiply-adds (MACs):

- ``nn.Conv2d``: output elements × (in_channels / groups) × kernel height × kernel width;
- ``nn.Linear``: output elements × in_features.

Other layers (ReLU, pooling, batch norm, dropout) are ignored: they are a rounding error
next to these. One MAC is two floating-point operations, so a forward pass costs
2 × MACs FLOPs; training (forward + backward, the backward pass being about twice the
forward) is counted as 3 × forward = 6 × MACs per sample.

:func:`matmul_flops_per_second` measures float32 matrix-multiply throughput with a large
``torch.mm`` (median of repeats): the practical peak to compare training against.
"""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn

__all__ = ["count_macs", "forward_flops", "training_flops_per_sample", "matmul_flops_per_second"]


def count_macs(model: nn.Module, input_shape: tuple[int, ...]) -> dict[str, int]:
    """Multiply-adds of one forward pass of ``model`` on a zero batch of ``input_shape``.

    input_shape: (N, C, H, W) or (N, features); the counts are for all N samples.
    Returns {layer name: MACs} for every Conv2d and Linear that ran (a layer that runs
    twice is counted twice), plus "total".
    """
    if len(input_shape) < 2 or any(int(s) <= 0 for s in input_shape):
        raise ValueError(f"input_shape: expected (N, ...) with positive sizes, got {input_shape}")
    counts: dict[str, int] = {}
    handles = []

    def hook_for(name: str):
        def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
            if isinstance(module, nn.Conv2d):
                kh, kw = module.kernel_size
                macs = output.numel() * (module.in_channels // module.groups) * kh * kw
            else:  # nn.Linear
                macs = output.numel() * module.in_features
            counts[name] = counts.get(name, 0) + int(macs)

        return hook

    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            handles.append(module.register_forward_hook(hook_for(name or type(module).__name__)))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(tuple(int(s) for s in input_shape)))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    counts["total"] = sum(counts.values())
    return counts


def forward_flops(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """FLOPs of one forward pass over the batch: 2 × MACs."""
    return 2 * count_macs(model, input_shape)["total"]


def training_flops_per_sample(model: nn.Module, sample_shape: tuple[int, ...]) -> int:
    """FLOPs to train on one sample of ``sample_shape`` (e.g. (1, 28, 28)): 3 × forward."""
    return 3 * forward_flops(model, (1, *sample_shape))


def matmul_flops_per_second(n: int = 2048, repeats: int = 7) -> dict[str, float]:
    """float32 throughput of torch.mm on two (n, n) matrices: 2·n³ FLOPs per product.

    Returns {"n", "repeats", "median_seconds", "flops_per_second"} (median of repeats,
    after one warm-up product).
    """
    if n <= 0 or repeats <= 0:
        raise ValueError(f"n and repeats: expected positive integers, got n={n}, repeats={repeats}")
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=gen)
    b = torch.randn(n, n, generator=gen)
    out = torch.empty(n, n)
    torch.mm(a, b, out=out)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b, out=out)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {"n": n, "repeats": repeats, "median_seconds": median, "flops_per_second": 2 * n**3 / median}
