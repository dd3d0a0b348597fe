"""Convolution and pooling in numpy.

Everything here follows the deep-learning convention: "convolution" slides the
kernel over the input *without flipping it* (mathematicians call this
cross-correlation), and padding adds zeros around the border. Flip the kernel
(``kernel[..., ::-1, ::-1]``) to get the textbook convolution.

Two versions of the convolution live side by side:

- :func:`conv2d_loops` walks over every output position with Python loops. It is
  slow and meant to be read.
- :func:`conv2d` builds a view of every window at once
  (``numpy.lib.stride_tricks.sliding_window_view``, no copy) and, for each of the
  kh × kw kernel weights, multiplies that weight with every window at once
  (``einsum``) and adds up. It is what the lessons use.

Both give the same numbers as ``torch.nn.functional.conv2d`` (the tests check it).

The argument checks and the vectorized core that both use are in
:mod:`helpers.conv_core`; lesson 08's backward passes are in :mod:`helpers.conv_backward`.

Shapes: an image is (H, W) or (C, H, W); a kernel is (kh, kw), (C, kh, kw) or
(F, C, kh, kw) for F filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from helpers.conv_core import (
    REDUCERS,
    Padding,
    PoolMode,
    as_numeric_array,
    conv_plan,
    correlate,
    float_dtype,
    image_3d,
    int_pair,
    padding_amounts,
    pool_args,
    sliding_windows,
)

__all__ = [
    "KERNELS",
    "ConvStep",
    "PoolStep",
    "conv2d",
    "conv2d_batch",
    "conv2d_loops",
    "conv2d_steps",
    "conv_as_matrix",
    "im2col",
    "output_size",
    "pad2d",
    "pool2d",
    "pool2d_steps",
]


def _kernel(rows: list[list[float]]) -> np.ndarray:
    """A read-only float64 (3, 3) array, so nobody edits the shared table by accident."""
    k = np.array(rows, dtype=np.float64)
    k.setflags(write=False)
    return k


#: Named 3×3 kernels, each a read-only float64 array of shape (3, 3).
KERNELS: dict[str, np.ndarray] = {
    "identity": _kernel([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box blur": _kernel([[1 / 9] * 3] * 3),
    "gaussian blur": _kernel([[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]]),
    "sharpen": _kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "outline": _kernel([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
    "sobel x": _kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "sobel y": _kernel([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
}


def pad2d(x: np.ndarray, padding: Padding = 0, kernel_size: tuple[int, int] = (1, 1)) -> np.ndarray:
    """Zero-pad the last two axes.

    x: (H, W) or (C, H, W) -> (H + top + bottom, W + left + right) with the same leading axes.
    ``padding`` is an int, a pair (rows, cols), "valid" or "same" (which needs ``kernel_size``).
    """
    arr = as_numeric_array(x, "x")
    if arr.ndim not in (2, 3):
        raise ValueError(f"x must have shape (H, W) or (C, H, W), got shape {arr.shape}")
    (top, bottom), (left, right) = padding_amounts(padding, kernel_size[0], kernel_size[1], (1, 1))
    widths = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
    return np.pad(arr, widths)


def output_size(n: int, kernel: int, stride: int = 1, padding: int | Literal["valid", "same"] = 0) -> int:
    """Length of a convolution or pooling output along one axis.

    ``floor((n + 2 * padding - kernel) / stride) + 1`` for an input of length ``n``.
    "valid" means padding 0; "same" (stride 1) gives ``n``. One axis only: ``padding`` is
    an int (or "valid"/"same"), never a (rows, cols) pair. This is the formula alone, so it
    does not apply :func:`conv2d`'s limit of kernel - 1 padding per side. (Lesson 06.)
    """
    if isinstance(padding, (tuple, list)):
        raise TypeError(
            f'padding: output_size works along one axis, so it expects an int, "valid" or "same", got {padding!r}; '
            "call it once per axis with that axis's padding"
        )
    for name, value, minimum in (("n", n, 1), ("kernel", kernel, 1), ("stride", stride, 1)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {value!r}")
        if value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    (top, bottom), _ = padding_amounts(padding, kernel, kernel, (stride, stride))
    if kernel > n + top + bottom:
        raise ValueError(f"kernel={kernel} is larger than the padded input (n={n} + padding {top}+{bottom})")
    return (n + top + bottom - kernel) // stride + 1


# --------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------


def conv2d_loops(
    image: np.ndarray,
    kernel: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
    bias: float | np.ndarray | None = None,
) -> np.ndarray:
    """Convolution written with loops, to be read rather than used.

    image: (H, W) or (C, H, W); kernel: (kh, kw), (C, kh, kw) or (F, C, kh, kw).
    Returns (H', W'), or (F, H', W') for an (F, C, kh, kw) kernel, where
    H' = floor((H + 2 * padding - kh) / stride) + 1 (same for W').
    """
    plan = conv_plan(image, kernel, stride, padding, bias)
    x, weights = plan.x, plan.weights  # x: (C, Hp, Wp), weights: (F, C, kh, kw)
    filters, _, kh, kw = weights.shape
    sh, sw = plan.stride
    out_h, out_w = plan.out_shape
    out = np.zeros((filters, out_h, out_w), dtype=x.dtype)
    for f in range(filters):  # one feature map per filter
        for i in range(out_h):  # output row
            for j in range(out_w):  # output column
                top, left = i * sh, j * sw  # where the window starts on the padded input
                window = x[:, top : top + kh, left : left + kw]  # (C, kh, kw)
                products = window * weights[f]  # element by element, no flip
                out[f, i, j] = products.sum() + plan.bias[f]
    return out if plan.many_filters else out[0]


def conv2d(
    image: np.ndarray,
    kernel: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
    bias: float | np.ndarray | None = None,
) -> np.ndarray:
    """Vectorized convolution (cross-correlation, no kernel flip) with zero padding.

    image: (H, W) or (C, H, W) numbers; kernel: (kh, kw) for a one-channel image,
    (C, kh, kw) for one filter over C channels, or (F, C, kh, kw) for F filters.
    stride: int or (rows, cols), each >= 1. padding: int, (rows, cols), "valid"
    (no padding) or "same" (output as large as the input; stride 1 only); at most
    kh - 1 rows and kw - 1 columns per side (the "full" correlation, where the corner
    windows still overlap one pixel), since more padding only adds outputs that see zeros.
    bias: None, a scalar, or shape (F,) for F filters.

    Returns floats: (H', W'), or (F, H', W') for an (F, C, kh, kw) kernel, with
    H' = floor((H + 2 * padding - kh) / stride) + 1 (same for W'). float32 inputs
    give float32; anything wider gives float64.
    """
    plan = conv_plan(image, kernel, stride, padding, bias)
    _, _, kh, kw = plan.weights.shape
    out = correlate(plan.x[None], plan.weights, plan.stride)[0] + plan.bias[:, None, None]
    return out if plan.many_filters else out[0]


def conv2d_batch(
    images: np.ndarray,
    kernels: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
    bias: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`conv2d` over a whole batch at once, like ``torch.nn.functional.conv2d``.

    images: (N, C, H, W); kernels: (F, C, kh, kw); bias: None or (F,).
    Returns (N, F, H', W') floats.
    """
    batch = as_numeric_array(images, "images")
    if batch.ndim != 4:
        raise ValueError(f"images must have shape (N, C, H, W), got shape {batch.shape}")
    k = as_numeric_array(kernels, "kernels")
    if k.ndim != 4:
        raise ValueError(f"kernels must have shape (F, C, kh, kw), got shape {k.shape}")
    if batch.shape[0] == 0:
        raise ValueError("images must hold at least one image, got N=0")
    # Check everything (shapes, stride, padding) on the first image; the rest share its shape.
    plan = conv_plan(batch[0], k, stride, padding, bias)
    (top, bottom), (left, right) = padding_amounts(padding, k.shape[2], k.shape[3], plan.stride)
    x = np.pad(batch.astype(plan.x.dtype, copy=False), [(0, 0), (0, 0), (top, bottom), (left, right)])
    return correlate(x, plan.weights, plan.stride) + plan.bias[None, :, None, None]


@dataclass(frozen=True)
class ConvStep:
    """One output position of a one-filter convolution, for animations and steppers.

    row, col: output position; top, left: where the window starts on the padded input;
    window, products: (C, kh, kw) (or (kh, kw) for a 2-D image); total: the output value.
    """

    index: int
    row: int
    col: int
    top: int
    left: int
    window: np.ndarray
    products: np.ndarray
    total: float


def conv2d_steps(
    image: np.ndarray,
    kernel: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
    bias: float | None = None,
) -> tuple[np.ndarray, list[ConvStep]]:
    """The padded input and every step of a one-filter convolution, in reading order.

    image: (H, W) or (C, H, W); kernel: (kh, kw) or (C, kh, kw).
    Returns (padded (Hp, Wp) or (C, Hp, Wp), list of H' * W' :class:`ConvStep`).
    """
    if np.ndim(kernel) == 4:
        raise ValueError(f"conv2d_steps shows one filter: kernel must be (kh, kw) or (C, kh, kw), got shape {np.shape(kernel)}")
    plan = conv_plan(image, kernel, stride, padding, bias)
    two_d = np.ndim(image) == 2
    weights = plan.weights[0]  # (C, kh, kw)
    _, kh, kw = weights.shape
    steps = []
    for index in range(plan.out_shape[0] * plan.out_shape[1]):
        i, j = divmod(index, plan.out_shape[1])
        top, left = i * plan.stride[0], j * plan.stride[1]
        window = plan.x[:, top : top + kh, left : left + kw]
        products = window * weights
        total = float(products.sum() + plan.bias[0])
        if two_d:
            window, products = window[0], products[0]
        steps.append(ConvStep(index, i, j, top, left, window, products, total))
    return (plan.x[0] if two_d else plan.x), steps


# --------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------


def pool2d(
    x: np.ndarray,
    size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
    mode: PoolMode = "max",
) -> np.ndarray:
    """Pooling over (size × size) windows, each channel on its own, no padding.

    x: (H, W) or (C, H, W). size, stride: int or (rows, cols); stride defaults to size
    (windows side by side, not overlapping). mode: "max", "avg", "min" or "sum".
    Returns floats of shape (H', W') or (C, H', W'), H' = floor((H - size) / stride) + 1.
    """
    arr, two_d, (ph, pw), (sh, sw) = pool_args(x, size, stride, mode)
    windows = sliding_windows(arr, ph, pw, sh, sw)  # (C, H', W', ph, pw)
    out = REDUCERS[mode](windows, axis=(-2, -1))
    return out[0] if two_d else out


@dataclass(frozen=True)
class PoolStep:
    """One output position of pooling a 2-D input: window (size, size) and its result."""

    index: int
    row: int
    col: int
    top: int
    left: int
    window: np.ndarray
    value: float


def pool2d_steps(
    x: np.ndarray, size: int = 2, stride: int | None = None, mode: PoolMode = "max"
) -> list[PoolStep]:
    """Every step of pooling a 2-D input x: (H, W), in reading order (H' * W' steps)."""
    if np.ndim(x) != 2:
        raise ValueError(f"pool2d_steps shows a 2-D input: x must have shape (H, W), got shape {np.shape(x)}")
    arr, _, (ph, pw), (sh, sw) = pool_args(x, size, stride, mode)
    out_h, out_w = (arr.shape[1] - ph) // sh + 1, (arr.shape[2] - pw) // sw + 1
    steps = []
    for index in range(out_h * out_w):
        i, j = divmod(index, out_w)
        window = arr[0, i * sh : i * sh + ph, j * sw : j * sw + pw]
        steps.append(PoolStep(index, i, j, i * sh, j * sw, window, float(REDUCERS[mode](window))))
    return steps


# --------------------------------------------------------------------------------------
# Convolution as a matrix (lesson 06)
# --------------------------------------------------------------------------------------


def im2col(
    image: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] = 1, padding: Padding = 0
) -> np.ndarray:
    """Every window of the image as one column of a matrix ("image to columns"). (Lesson 06.)

    image: (H, W) or (C, H, W); kernel_size: int or (kh, kw); stride, padding as for :func:`conv2d`.
    Returns (C * kh * kw, H' * W'): column number i * W' + j holds the window of output cell
    (i, j), channel by channel, each read row by row (the order of ``torch.nn.functional.unfold``).
    Then a whole convolution is one matrix product:
    ``kernel.reshape(F, -1) @ im2col(image, (kh, kw))`` is conv2d's output as (F, H' * W').
    Libraries run convolutions this way because one big matrix product is very fast.
    """
    kh, kw = int_pair(kernel_size, "kernel_size", 1)
    x3, _ = image_3d(image)
    plan = conv_plan(x3, np.zeros((x3.shape[0], kh, kw)), stride, padding, None)
    windows = sliding_windows(plan.x, kh, kw, *plan.stride)  # (C, H', W', kh, kw)
    return windows.transpose(0, 3, 4, 1, 2).reshape(x3.shape[0] * kh * kw, -1)


def conv_as_matrix(
    kernel: np.ndarray, image_shape: tuple[int, int], stride: int | tuple[int, int] = 1, padding: Padding = 0
) -> np.ndarray:
    """The dense weight matrix that a 2-D convolution is. (Lesson 06.)

    kernel: (kh, kw); image_shape: (H, W); stride, padding as for :func:`conv2d`.
    Returns M of shape (H' * W', H * W) with ``M @ image.ravel() == conv2d(image, kernel,
    stride, padding).ravel()``: row i * W' + j is output cell (i, j), column r * W + c is input
    pixel (r, c). Each row holds the kh * kw kernel weights at the pixels of its window and
    zeros elsewhere (local connectivity), and every row holds the same weights (weight sharing).
    Pass ``np.arange(1, kh * kw + 1).reshape(kh, kw)`` as the kernel to see which weight sits where.
    """
    k = as_numeric_array(kernel, "kernel")
    if k.ndim != 2:
        raise ValueError(f"kernel must have shape (kh, kw), got shape {k.shape}")
    if not (isinstance(image_shape, (tuple, list)) and len(image_shape) == 2):
        raise ValueError(f"image_shape must be a pair (H, W), got {image_shape!r}")
    h, w = int_pair(tuple(image_shape), "image_shape", 1)
    plan = conv_plan(np.zeros((h, w)), k, stride, padding, None)
    kh, kw = k.shape
    (top, _), (left, _) = padding_amounts(padding, kh, kw, plan.stride)
    out_h, out_w = plan.out_shape
    matrix = np.zeros((out_h * out_w, h * w), dtype=float_dtype(k))
    for i in range(out_h):
        for j in range(out_w):
            for u in range(kh):
                for v in range(kw):
                    r, c = i * plan.stride[0] + u - top, j * plan.stride[1] + v - left  # pixel under weight (u, v)
                    if 0 <= r < h and 0 <= c < w:  # on the padding the weight meets a zero: no entry
                        matrix[i * out_w + j, r * w + c] = k[u, v]
    return matrix
