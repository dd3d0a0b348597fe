"""What conv2d and pool2d share (lessons 06-08): their argument checks, the plan of one
convolution, and the vectorized core.

An image is (H, W) or (C, H, W); a kernel (kh, kw), (C, kh, kw) or (F, C, kh, kw) for F
filters. :func:`conv_plan` checks them once (shapes, dtypes, stride, padding) and pads the
input; :func:`correlate` is the vectorized cross-correlation every version shares;
:func:`sliding_windows` views every window without a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Padding = Union[int, tuple[int, int], Literal["valid", "same"]]
PoolMode = Literal["max", "avg", "min", "sum"]

POOL_MODES: tuple[str, ...] = ("max", "avg", "min", "sum")
REDUCERS = {"max": np.max, "avg": np.mean, "min": np.min, "sum": np.sum}


def as_numeric_array(x: object, name: str) -> np.ndarray:
    """``x`` as an ndarray of numbers (bool, int or float); TypeError otherwise."""
    arr = np.asarray(x)
    if arr.dtype == np.bool_ or np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating):
        return arr
    raise TypeError(f"{name} must hold real numbers (bool, int or float), got dtype {arr.dtype}")


def float_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 when every input fits in float32 (float32, float16, small ints, bool); else float64."""
    dtype = np.result_type(*arrays, np.float32)
    return np.dtype(np.float64) if dtype.kind != "f" or dtype.itemsize > 8 else dtype


def int_pair(value: object, name: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints as (rows, cols), each at least ``minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        pair = tuple(value)
    else:
        pair = (value, value)
    for v in pair:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
        if v < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def padding_amounts(padding: Padding, kh: int, kw: int, stride: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """Padding as ((top, bottom), (left, right)).

    "valid" is no padding. "same" keeps the output the size of the input (stride 1
    only); for an even kernel the extra row/column goes at the bottom/right, as in PyTorch.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f'padding="same" needs stride 1, got stride={stride}')
            return ((kh - 1) // 2, kh - 1 - (kh - 1) // 2), ((kw - 1) // 2, kw - 1 - (kw - 1) // 2)
        raise ValueError(f'padding must be an int, a pair of ints, "valid" or "same", got {padding!r}')
    ph, pw = int_pair(padding, "padding", 0)
    return (ph, ph), (pw, pw)


def image_3d(image: object, name: str = "image") -> tuple[np.ndarray, bool]:
    """(C, H, W) view of an (H, W) or (C, H, W) image, and whether it was 2-D."""
    arr = as_numeric_array(image, name)
    if arr.ndim == 2:
        return arr[None], True
    if arr.ndim == 3:
        return arr, False
    raise ValueError(f"{name} must have shape (H, W) or (C, H, W), got shape {arr.shape}")


def kernel_4d(kernel: object, channels: int) -> tuple[np.ndarray, bool]:
    """(F, C, kh, kw) view of a (kh, kw), (C, kh, kw) or (F, C, kh, kw) kernel, and whether it held F filters."""
    k = as_numeric_array(kernel, "kernel")
    if k.ndim == 2:
        if channels != 1:
            raise ValueError(
                f"kernel of shape {k.shape} (kh, kw) needs a one-channel image, but the image has "
                f"{channels} channels; give the kernel shape ({channels}, kh, kw) or (F, {channels}, kh, kw)"
            )
        k4 = k[None, None]
    elif k.ndim == 3:
        k4 = k[None]
    elif k.ndim == 4:
        k4 = k
    else:
        raise ValueError(f"kernel must have shape (kh, kw), (C, kh, kw) or (F, C, kh, kw), got shape {k.shape}")
    if k4.shape[1] != channels:
        raise ValueError(f"kernel has {k4.shape[1]} input channels (shape {k.shape}) but the image has {channels}")
    if k4.shape[2] < 1 or k4.shape[3] < 1 or k4.shape[0] < 1:
        raise ValueError(f"kernel must not be empty, got shape {k.shape}")
    return k4, k.ndim == 4


def bias_vector(bias: object, filters: int) -> np.ndarray:
    """Bias as a float array of shape (F,); accepts None, a scalar or shape (F,)."""
    if bias is None:
        return np.zeros(filters)
    b = as_numeric_array(bias, "bias")
    if b.ndim == 0:
        return np.full(filters, float(b))
    if b.shape != (filters,):
        raise ValueError(f"bias must be a scalar or have shape ({filters},) (one per filter), got shape {b.shape}")
    return b.astype(np.float64)


@dataclass(frozen=True)
class ConvPlan:
    """Everything the convolution needs, checked once and shared by both versions."""

    x: np.ndarray  # (C, Hp, Wp) padded input, float
    weights: np.ndarray  # (F, C, kh, kw), float
    bias: np.ndarray  # (F,)
    stride: tuple[int, int]
    out_shape: tuple[int, int]
    many_filters: bool  # True: output (F, H', W'); False: (H', W')


def conv_plan(image: object, kernel: object, stride: int | tuple[int, int], padding: Padding, bias: object) -> ConvPlan:
    x3, _ = image_3d(image)
    k4, many = kernel_4d(kernel, x3.shape[0])
    sh, sw = int_pair(stride, "stride", 1)
    kh, kw = k4.shape[2], k4.shape[3]
    (top, bottom), (left, right) = padding_amounts(padding, kh, kw, (sh, sw))
    if max(top, bottom) > kh - 1 or max(left, right) > kw - 1:
        raise ValueError(
            f"padding must be at most kernel size - 1 per side, here {kh - 1} rows and {kw - 1} columns "
            f"for a kernel of size ({kh}, {kw}); got padding={padding!r}. More padding only adds output "
            "cells whose window sees nothing but zeros."
        )
    hp, wp = x3.shape[1] + top + bottom, x3.shape[2] + left + right
    if kh > hp or kw > wp:
        raise ValueError(
            f"kernel of size ({kh}, {kw}) is larger than the padded input of size ({hp}, {wp}) "
            f"(image shape {np.shape(image)}, padding {padding!r})"
        )
    dtype = float_dtype(x3, k4)
    x = np.pad(x3.astype(dtype, copy=False), [(0, 0), (top, bottom), (left, right)])
    b = bias_vector(bias, k4.shape[0]).astype(dtype)
    out_shape = ((hp - kh) // sh + 1, (wp - kw) // sw + 1)
    return ConvPlan(x, k4.astype(dtype, copy=False), b, (sh, sw), out_shape, many)


def sliding_windows(x: np.ndarray, kh: int, kw: int, sh: int, sw: int) -> np.ndarray:
    """Every (kh, kw) window of x at the given stride, as a view (no copy).

    x: (..., Hp, Wp) -> (..., H', W', kh, kw)
    """
    views = sliding_window_view(x, (kh, kw), axis=(-2, -1))
    return views[..., ::sh, ::sw, :, :]


def correlate(x: np.ndarray, weights: np.ndarray, stride: tuple[int, int]) -> np.ndarray:
    """The vectorized core. x: (N, C, Hp, Wp) padded; weights: (F, C, kh, kw) -> (N, F, H', W').

    ``windows[..., u, v]`` is, for every output position at once, the input value that
    kernel weight (u, v) multiplies. So the whole convolution is kh * kw multiply-adds
    of whole arrays, each summing over the channels, with no Python loop over positions
    and no copy of the windows (9 steps for a 3×3 kernel).
    """
    filters, _, kh, kw = weights.shape
    windows = sliding_windows(x, kh, kw, *stride)  # (N, C, H', W', kh, kw), a view
    out = np.zeros((x.shape[0], filters, *windows.shape[2:4]), dtype=np.result_type(x, weights))
    for u in range(kh):
        for v in range(kw):
            out += np.einsum("fc,nchw->nfhw", weights[:, :, u, v], windows[..., u, v])
    return out


def pool_args(x: object, size: int | tuple[int, int], stride: int | tuple[int, int] | None, mode: str):
    arr, two_d = image_3d(x, "x")
    if not isinstance(mode, str) or mode not in REDUCERS:
        raise ValueError(f"mode must be one of {POOL_MODES}, got {mode!r}")
    ph, pw = int_pair(size, "size", 1)
    sh, sw = (ph, pw) if stride is None else int_pair(stride, "stride", 1)
    if ph > arr.shape[1] or pw > arr.shape[2]:
        raise ValueError(f"size ({ph}, {pw}) is larger than the input of size {arr.shape[1:]} (x shape {arr.shape})")
    dtype = float_dtype(arr)
    return arr.astype(dtype, copy=False), two_d, (ph, pw), (sh, sw)
