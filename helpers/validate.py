"""Shared checks for the arguments of public helpers.

Each check raises a ``TypeError`` (wrong kind of value) or a ``ValueError`` (right
kind, wrong value) whose message starts with the argument's name, in the course's
style ``"name: expected …, got …"``, and returns the value in a clean form.
Used by helpers.training, helpers.plots, helpers.features, helpers.architectures
and helpers.drawing (all lessons); not meant for students to call.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["array_of_ndim", "finite_number", "label_array", "module", "positive_int"]


def _is_int(value: Any) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, np.integer))


def positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (default 1); bools and floats are refused."""
    wanted = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    if not _is_int(value):
        raise TypeError(f"{name}: expected {wanted}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected {wanted}, got {value}")
    return int(value)


def finite_number(name: str, value: Any, *, positive: bool = False) -> float:
    """``value`` as a finite float (and > 0 if ``positive``); bools and strings are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        if isinstance(value, torch.Tensor) and value.numel() == 1 and value.dtype.is_floating_point:
            value = float(value)
        else:
            raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name}: expected a positive number, got {value}")
    return value


def array_of_ndim(name: str, value: Any, ndim: int | tuple[int, ...], *, allow_empty: bool = False) -> np.ndarray:
    """``value`` as a numeric numpy array with ``ndim`` dimensions (one of them, if a tuple).

    Tensors are detached and copied to the CPU. Empty arrays are refused unless
    ``allow_empty``; NaN is allowed (callers that cannot draw it check it themselves).
    """
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name}: expected an array of numbers, got {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "uifb":
        raise TypeError(f"{name}: expected an array of numbers, got dtype {arr.dtype}")
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{name}: expected a {want} array, got shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name}: expected a non-empty array, got shape {arr.shape}")
    return arr


def label_array(name: str, value: Any, num_classes: int | None = None) -> np.ndarray:
    """``value`` as int64 class numbers (N,): whole numbers >= 0 and < ``num_classes``.

    Floats are accepted only if every value is a whole number (``[0.0, 2.0]``);
    ``[0.5, 1.7]`` is refused rather than truncated.
    """
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name}: expected class numbers, got {type(value).__name__}")
    arr = np.asarray(value).reshape(-1) if np.ndim(value) <= 1 else np.asarray(value)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected shape (N,), got {arr.shape}")
    if arr.dtype.kind == "b" or arr.dtype.kind not in "uif":
        raise TypeError(f"{name}: expected integer class numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            bad = arr[~np.isfinite(arr) | (arr != np.round(arr))][0]
            raise ValueError(f"{name}: expected whole class numbers, got {bad}")
    labels = arr.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"{name}: expected class numbers >= 0, got {labels.min()}")
    if num_classes is not None and labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"{name}: expected class numbers below {num_classes} (num_classes), got {labels.max()}"
        )
    return labels


def module(name: str, value: Any) -> nn.Module:
    """``value`` itself if it is a ``torch.nn.Module``; otherwise a TypeError."""
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name}: expected a torch.nn.Module, got {type(value).__name__}")
    return value
