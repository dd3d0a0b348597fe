"""Data on its way into a network: seeds, devices, tensors and the checks they share.

- :func:`set_seed` and :func:`pick_device`: reproducible runs on CPU or GPU (lesson 05).
- :func:`to_tensors`: uint8 images ``(N, 28, 28)`` to float tensors ``(N, 1, 28, 28)`` (lesson 05).
- ``check_pair``, ``check_positive_int``, ``check_device``, ``check_label_range``,
  ``model_device``: the argument checks that training and evaluation share.

The notebooks import these from :mod:`helpers.training`, which re-exports them.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch
from torch import nn

from helpers.validate import finite_number, positive_int

__all__ = [
    "check_device",
    "check_label_range",
    "check_pair",
    "check_positive_int",
    "model_device",
    "pick_device",
    "set_seed",
    "to_tensors",
]

Pair = tuple[torch.Tensor, torch.Tensor]


# --------------------------------------------------------------------------- #
# Reproducibility and devices
# --------------------------------------------------------------------------- #
def set_seed(seed: int) -> None:
    """Seed Python's ``random``, numpy and torch (CPU and every GPU) with ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds CUDA and MPS generators


def pick_device() -> torch.device:
    """The best device present: CUDA, then Apple MPS, then the CPU.

    The lessons call this once and move the model and data there, so the same
    notebook runs on a laptop CPU and uses a GPU when one is present.
    """
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


# --------------------------------------------------------------------------- #
# Data to tensors
# --------------------------------------------------------------------------- #
def to_tensors(
    images: np.ndarray | torch.Tensor,
    labels: np.ndarray | torch.Tensor,
    *,
    mean: float | None = None,
    std: float | None = None,
    channel_axis: bool = True,
) -> Pair:
    """Turn uint8 images and integer labels into tensors ready for a network.

    images: (N, H, W) uint8 in 0..255. labels: (N,) integers.
    Returns ``x``: float32 (N, 1, H, W) (or (N, H, W) if ``channel_axis=False``)
    scaled to [0, 1], then standardized as ``(x - mean) / std`` if both are given
    (``mean`` and ``std`` are measured on the [0, 1] scale, on the training split);
    and ``y``: int64 (N,).
    """
    x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
    y = torch.as_tensor(np.asarray(labels) if not isinstance(labels, torch.Tensor) else labels)
    if x.dtype != torch.uint8:
        raise TypeError(
            f"images: expected uint8 pixels 0..255, got dtype {x.dtype}; "
            "pass the raw images, to_tensors does the scaling"
        )
    if x.ndim != 3:
        raise ValueError(f"images: expected shape (N, H, W), got {tuple(x.shape)}")
    if y.ndim != 1:
        raise ValueError(f"labels: expected shape (N,), got {tuple(y.shape)}")
    if y.dtype.is_floating_point or y.dtype == torch.bool:
        raise TypeError(f"labels: expected integer class numbers, got dtype {y.dtype}")
    if len(x) != len(y):
        raise ValueError(f"images and labels: lengths differ ({len(x)} images, {len(y)} labels)")
    if (mean is None) != (std is None):
        raise ValueError("mean and std: give both or neither")
    if std is not None:
        mean = finite_number("mean", mean)
        std = finite_number("std", std, positive=True)
    out = x.to(torch.float32) / 255.0
    if mean is not None:
        out = (out - float(mean)) / float(std)
    if channel_axis:
        out = out.unsqueeze(1)
    return out.contiguous(), y.to(torch.int64)


def check_pair(name: str, data: Any) -> Pair:
    """Validate an ``(x, y)`` pair of tensors and return it."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name}: expected an (x, y) pair of tensors, got {type(data).__name__}")
    x, y = data
    if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError(
            f"{name}: expected x and y to be torch tensors, got "
            f"{type(x).__name__} and {type(y).__name__} (helpers.training.to_tensors converts arrays)"
        )
    if not x.dtype.is_floating_point:
        raise TypeError(
            f"{name}: expected float x (scaled pixels), got dtype {x.dtype}; "
            "scale uint8 images first, e.g. with helpers.training.to_tensors"
        )
    if y.dtype != torch.int64:
        raise TypeError(f"{name}: expected int64 class labels y, got dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"{name}: expected labels of shape (N,), got {tuple(y.shape)}")
    if x.ndim < 1 or len(x) != len(y):
        raise ValueError(
            f"{name}: x and y lengths differ ({len(x)} inputs, {len(y)} labels)"
        )
    if len(y) == 0:
        raise ValueError(f"{name}: is empty")
    return x, y


check_positive_int = positive_int  # the one positive-int check, under the name training uses


def check_device(device: Any) -> torch.device:
    """``device`` as a ``torch.device`` that exists on this machine; ``None`` picks one."""
    if device is None:
        return pick_device()
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device: expected 'cpu', 'cuda', 'mps' or a torch.device, got {type(device).__name__}")
    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError):
        parsed = None
    if parsed is None or parsed.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device: expected 'cpu', 'cuda' or 'mps', got {device!r}")
    mps = getattr(torch.backends, "mps", None)
    present = {"cpu": True, "cuda": torch.cuda.is_available(),
               "mps": mps is not None and mps.is_available()}
    if not present[parsed.type]:
        raise ValueError(f"device: expected a device present here ({pick_device()}), got {device!r}")
    return parsed


def check_label_range(name: str, labels: torch.Tensor, logits: torch.Tensor) -> None:
    """Class numbers must be below the model's output width (one score per class)."""
    if logits.ndim != 2:
        raise ValueError(f"model: expected outputs of shape (N, classes), got {tuple(logits.shape)}")
    largest = int(labels.max())
    if largest >= logits.shape[1]:
        raise ValueError(
            f"{name}: labels go up to {largest}, but the model outputs {logits.shape[1]} "
            f"scores per example (classes 0..{logits.shape[1] - 1}); give its last layer "
            f"{largest + 1} outputs or fix the labels"
        )


def model_device(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


