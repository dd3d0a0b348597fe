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

Lesson 08 adds the backward passes, again as a loop version to read and a vectorized
one: :func:`conv2d_backward_loops` / :func:`conv2d_backward` and
:func:`pool2d_backward_loops` / :func:`pool2d_backward`, checked against torch.autograd.

Shapes: an image is (H, W) or (C, H, W); a kernel is (kh, kw), (C, kh, kw) or
(F, C, kh, kw) for F filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "KERNELS",
    "ConvStep",
    "PoolStep",
    "conv2d",
    "conv2d_backward",
    "conv2d_backward_loops",
    "conv2d_batch",
    "conv2d_loops",
    "conv2d_steps",
    "conv_as_matrix",
    "im2col",
    "output_size",
    "pad2d",
    "pool2d",
    "pool2d_backward",
    "pool2d_backward_loops",
    "pool2d_steps",
]

Padding = Union[int, tuple[int, int], Literal["valid", "same"]]
PoolMode = Literal["max", "avg", "min", "sum"]

POOL_MODES: tuple[str, ...] = ("max", "avg", "min", "sum")


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


# --------------------------------------------------------------------------------------
# Checking arguments
# --------------------------------------------------------------------------------------


def _as_numeric_array(x: object, name: str) -> np.ndarray:
    """``x`` as an ndarray of numbers (bool, int or float); TypeError otherwise."""
    arr = np.asarray(x)
    if arr.dtype == np.bool_ or np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating):
        return arr
    raise TypeError(f"{name} must hold real numbers (bool, int or float), got dtype {arr.dtype}")


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 when every input fits in float32 (float32, float16, small ints, bool); else float64."""
    dtype = np.result_type(*arrays, np.float32)
    return np.dtype(np.float64) if dtype.kind != "f" or dtype.itemsize > 8 else dtype


def _pair(value: object, name: str, minimum: int) -> tuple[int, int]:
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


def _padding(padding: Padding, kh: int, kw: int, stride: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
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
    ph, pw = _pair(padding, "padding", 0)
    return (ph, ph), (pw, pw)


def _image_3d(image: object, name: str = "image") -> tuple[np.ndarray, bool]:
    """(C, H, W) view of an (H, W) or (C, H, W) image, and whether it was 2-D."""
    arr = _as_numeric_array(image, name)
    if arr.ndim == 2:
        return arr[None], True
    if arr.ndim == 3:
        return arr, False
    raise ValueError(f"{name} must have shape (H, W) or (C, H, W), got shape {arr.shape}")


def _kernel_4d(kernel: object, channels: int) -> tuple[np.ndarray, bool]:
    """(F, C, kh, kw) view of a (kh, kw), (C, kh, kw) or (F, C, kh, kw) kernel, and whether it held F filters."""
    k = _as_numeric_array(kernel, "kernel")
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


def _bias(bias: object, filters: int) -> np.ndarray:
    """Bias as a float array of shape (F,); accepts None, a scalar or shape (F,)."""
    if bias is None:
        return np.zeros(filters)
    b = _as_numeric_array(bias, "bias")
    if b.ndim == 0:
        return np.full(filters, float(b))
    if b.shape != (filters,):
        raise ValueError(f"bias must be a scalar or have shape ({filters},) (one per filter), got shape {b.shape}")
    return b.astype(np.float64)


def pad2d(x: np.ndarray, padding: Padding = 0, kernel_size: tuple[int, int] = (1, 1)) -> np.ndarray:
    """Zero-pad the last two axes.

    x: (H, W) or (C, H, W) -> (H + top + bottom, W + left + right) with the same leading axes.
    ``padding`` is an int, a pair (rows, cols), "valid" or "same" (which needs ``kernel_size``).
    """
    arr = _as_numeric_array(x, "x")
    if arr.ndim not in (2, 3):
        raise ValueError(f"x must have shape (H, W) or (C, H, W), got shape {arr.shape}")
    (top, bottom), (left, right) = _padding(padding, kernel_size[0], kernel_size[1], (1, 1))
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
    (top, bottom), _ = _padding(padding, kernel, kernel, (stride, stride))
    if kernel > n + top + bottom:
        raise ValueError(f"kernel={kernel} is larger than the padded input (n={n} + padding {top}+{bottom})")
    return (n + top + bottom - kernel) // stride + 1


@dataclass(frozen=True)
class _Plan:
    """Everything the convolution needs, checked once and shared by both versions."""

    x: np.ndarray  # (C, Hp, Wp) padded input, float
    weights: np.ndarray  # (F, C, kh, kw), float
    bias: np.ndarray  # (F,)
    stride: tuple[int, int]
    out_shape: tuple[int, int]
    many_filters: bool  # True: output (F, H', W'); False: (H', W')


def _plan(image: object, kernel: object, stride: int | tuple[int, int], padding: Padding, bias: object) -> _Plan:
    x3, _ = _image_3d(image)
    k4, many = _kernel_4d(kernel, x3.shape[0])
    sh, sw = _pair(stride, "stride", 1)
    kh, kw = k4.shape[2], k4.shape[3]
    (top, bottom), (left, right) = _padding(padding, kh, kw, (sh, sw))
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
    dtype = _float_dtype(x3, k4)
    x = np.pad(x3.astype(dtype, copy=False), [(0, 0), (top, bottom), (left, right)])
    b = _bias(bias, k4.shape[0]).astype(dtype)
    out_shape = ((hp - kh) // sh + 1, (wp - kw) // sw + 1)
    return _Plan(x, k4.astype(dtype, copy=False), b, (sh, sw), out_shape, many)


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
    plan = _plan(image, kernel, stride, padding, bias)
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


def _windows(x: np.ndarray, kh: int, kw: int, sh: int, sw: int) -> np.ndarray:
    """Every (kh, kw) window of x at the given stride, as a view (no copy).

    x: (..., Hp, Wp) -> (..., H', W', kh, kw)
    """
    views = sliding_window_view(x, (kh, kw), axis=(-2, -1))
    return views[..., ::sh, ::sw, :, :]


def _correlate(x: np.ndarray, weights: np.ndarray, stride: tuple[int, int]) -> np.ndarray:
    """The vectorized core. x: (N, C, Hp, Wp) padded; weights: (F, C, kh, kw) -> (N, F, H', W').

    ``windows[..., u, v]`` is, for every output position at once, the input value that
    kernel weight (u, v) multiplies. So the whole convolution is kh * kw multiply-adds
    of whole arrays, each summing over the channels, with no Python loop over positions
    and no copy of the windows (9 steps for a 3×3 kernel).
    """
    filters, _, kh, kw = weights.shape
    windows = _windows(x, kh, kw, *stride)  # (N, C, H', W', kh, kw), a view
    out = np.zeros((x.shape[0], filters, *windows.shape[2:4]), dtype=np.result_type(x, weights))
    for u in range(kh):
        for v in range(kw):
            out += np.einsum("fc,nchw->nfhw", weights[:, :, u, v], windows[..., u, v])
    return out


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
    plan = _plan(image, kernel, stride, padding, bias)
    _, _, kh, kw = plan.weights.shape
    out = _correlate(plan.x[None], plan.weights, plan.stride)[0] + plan.bias[:, None, None]
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
    batch = _as_numeric_array(images, "images")
    if batch.ndim != 4:
        raise ValueError(f"images must have shape (N, C, H, W), got shape {batch.shape}")
    k = _as_numeric_array(kernels, "kernels")
    if k.ndim != 4:
        raise ValueError(f"kernels must have shape (F, C, kh, kw), got shape {k.shape}")
    if batch.shape[0] == 0:
        raise ValueError("images must hold at least one image, got N=0")
    # Check everything (shapes, stride, padding) on the first image; the rest share its shape.
    plan = _plan(batch[0], k, stride, padding, bias)
    (top, bottom), (left, right) = _padding(padding, k.shape[2], k.shape[3], plan.stride)
    x = np.pad(batch.astype(plan.x.dtype, copy=False), [(0, 0), (0, 0), (top, bottom), (left, right)])
    return _correlate(x, plan.weights, plan.stride) + plan.bias[None, :, None, None]


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
    plan = _plan(image, kernel, stride, padding, bias)
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


_REDUCERS = {"max": np.max, "avg": np.mean, "min": np.min, "sum": np.sum}


def _pool_args(x: object, size: int | tuple[int, int], stride: int | tuple[int, int] | None, mode: str):
    arr, two_d = _image_3d(x, "x")
    if not isinstance(mode, str) or mode not in _REDUCERS:
        raise ValueError(f"mode must be one of {POOL_MODES}, got {mode!r}")
    ph, pw = _pair(size, "size", 1)
    sh, sw = (ph, pw) if stride is None else _pair(stride, "stride", 1)
    if ph > arr.shape[1] or pw > arr.shape[2]:
        raise ValueError(f"size ({ph}, {pw}) is larger than the input of size {arr.shape[1:]} (x shape {arr.shape})")
    dtype = _float_dtype(arr)
    return arr.astype(dtype, copy=False), two_d, (ph, pw), (sh, sw)


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
    arr, two_d, (ph, pw), (sh, sw) = _pool_args(x, size, stride, mode)
    windows = _windows(arr, ph, pw, sh, sw)  # (C, H', W', ph, pw)
    out = _REDUCERS[mode](windows, axis=(-2, -1))
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
    arr, _, (ph, pw), (sh, sw) = _pool_args(x, size, stride, mode)
    out_h, out_w = (arr.shape[1] - ph) // sh + 1, (arr.shape[2] - pw) // sw + 1
    steps = []
    for index in range(out_h * out_w):
        i, j = divmod(index, out_w)
        window = arr[0, i * sh : i * sh + ph, j * sw : j * sw + pw]
        steps.append(PoolStep(index, i, j, i * sh, j * sw, window, float(_REDUCERS[mode](window))))
    return steps


# --------------------------------------------------------------------------------------
# Backward passes (lesson 08)
# --------------------------------------------------------------------------------------
#
# Given the gradient of a loss with respect to a layer's output (the "upstream"
# gradient, grad_output), these return the gradient with respect to the layer's
# inputs. Each comes twice: a loop version to read, and a vectorized one to use.


def _conv_grad_output(plan: _Plan, grad_output: object) -> np.ndarray:
    """grad_output checked against the shape conv2d returns for this plan, as (F, H', W')."""
    g = _as_numeric_array(grad_output, "grad_output")
    filters = plan.weights.shape[0]
    expected = (filters, *plan.out_shape) if plan.many_filters else plan.out_shape
    if g.shape != expected:
        layout = "(F, H', W')" if plan.many_filters else "(H', W')"
        raise ValueError(
            f"grad_output must have the shape conv2d returns for this image, kernel, stride and padding, "
            f"{layout} = {expected}, got shape {g.shape}"
        )
    return g if plan.many_filters else g[None]


def _conv_grads_out(
    image: object, kernel: object, plan: _Plan, padding: Padding, grad_x: np.ndarray, grad_w: np.ndarray, grad_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float | np.ndarray]:
    """Crop the padding off grad_x (C, Hp, Wp) and give each gradient the layout of its input."""
    kh, kw = plan.weights.shape[2:]
    (top, _), (left, _) = _padding(padding, kh, kw, plan.stride)
    h, w = np.shape(image)[-2:]
    grad_image = grad_x[:, top : top + h, left : left + w].reshape(np.shape(image))
    grad_kernel = grad_w.reshape(np.shape(kernel))
    grad_bias = grad_b if plan.many_filters else float(grad_b[0])
    return grad_image, grad_kernel, grad_bias


def conv2d_backward_loops(
    image: np.ndarray,
    kernel: np.ndarray,
    grad_output: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
) -> tuple[np.ndarray, np.ndarray, float | np.ndarray]:
    """Backpropagation through :func:`conv2d`, written with loops to be read. (Lesson 08.)

    image, kernel, stride, padding: as for :func:`conv2d`. grad_output: the gradient of the
    loss with respect to conv2d's output, with the shape conv2d returns: (H', W'), or
    (F, H', W') for an (F, C, kh, kw) kernel.
    Returns (grad_image, grad_kernel, grad_bias): grad_image has the shape of ``image``,
    grad_kernel that of ``kernel``; grad_bias is (F,) for an (F, C, kh, kw) kernel and a
    float for a single filter.

    The forward pass computed, for every output cell (i, j) of filter f,
    ``out[f, i, j] = sum(window * kernel[f]) + bias[f]``. That cell's gradient g = grad_output[f, i, j]
    flows back along each product: to every kernel weight it adds g times the input pixel that
    weight multiplied, to every input pixel of the window g times the weight that multiplied it,
    and to the bias g itself. Adding this up over all cells is the whole backward pass.
    """
    plan = _plan(image, kernel, stride, padding, None)
    g = _conv_grad_output(plan, grad_output)  # (F, H', W')
    x, weights = plan.x, plan.weights  # x: (C, Hp, Wp) padded, weights: (F, C, kh, kw)
    filters, _, kh, kw = weights.shape
    sh, sw = plan.stride
    out_h, out_w = plan.out_shape
    dtype = _float_dtype(x, weights, g)
    grad_x = np.zeros(x.shape, dtype=dtype)  # gradient on the padded input
    grad_w = np.zeros(weights.shape, dtype=dtype)
    grad_b = np.zeros(filters, dtype=dtype)
    for f in range(filters):
        for i in range(out_h):
            for j in range(out_w):
                top, left = i * sh, j * sw  # the window this output cell saw
                window = x[:, top : top + kh, left : left + kw]  # (C, kh, kw)
                grad_w[f] += g[f, i, j] * window  # each weight: times the pixel it multiplied
                grad_x[:, top : top + kh, left : left + kw] += g[f, i, j] * weights[f]  # each pixel: times its weight
                grad_b[f] += g[f, i, j]
    return _conv_grads_out(image, kernel, plan, padding, grad_x, grad_w, grad_b)


def conv2d_backward(
    image: np.ndarray,
    kernel: np.ndarray,
    grad_output: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
) -> tuple[np.ndarray, np.ndarray, float | np.ndarray]:
    """Vectorized backpropagation through :func:`conv2d`. (Lesson 08.)

    image: (H, W) or (C, H, W); kernel: (kh, kw), (C, kh, kw) or (F, C, kh, kw); stride and
    padding as for :func:`conv2d`. grad_output: the upstream gradient, shaped like conv2d's
    output, (H', W') or (F, H', W') for an (F, C, kh, kw) kernel; another shape is an error.
    Returns (grad_image, grad_kernel, grad_bias) shaped like image, kernel and the bias
    ((F,) for an (F, C, kh, kw) kernel, a float for a single filter). Same numbers as
    :func:`conv2d_backward_loops` and as PyTorch's autograd through ``F.conv2d``.

    - grad wrt bias: the sum of the upstream gradient over each feature map.
    - grad wrt kernel: a correlation of the padded input with the upstream gradient.
      Weight (u, v) multiplied, at output cell (i, j), the pixel at (i*s + u, j*s + v); so its
      gradient is ``sum_ij grad_output[i, j] * x[i*s + u, j*s + v]``: slide grad_output
      (spread out by the stride) over the padded input like a kernel. The result is kh × kw.
    - grad wrt input: a full convolution of the upstream gradient, dilated by the stride
      (s - 1 zeros between its cells), with the flipped kernel. Every pixel collects
      weight × gradient from each window it sat in; turning the sum around so it runs over the
      pixel's neighbours gives exactly that: pad the dilated gradient with kh - 1 (kw - 1) zeros
      all round and correlate it with the kernel flipped in both axes, its filter and channel
      axes swapped. Rows/columns no window reached get gradient 0; the padding is cut off.
    """
    plan = _plan(image, kernel, stride, padding, None)
    g = _conv_grad_output(plan, grad_output)  # (F, H', W')
    x, weights = plan.x, plan.weights  # (C, Hp, Wp), (F, C, kh, kw)
    _, channels, kh, kw = weights.shape
    sh, sw = plan.stride
    out_h, out_w = plan.out_shape
    dtype = _float_dtype(x, weights, g)
    g = g.astype(dtype, copy=False)
    grad_b = g.sum(axis=(1, 2))
    # kernel: every window (C, H', W', kh, kw) weighted by the gradient of its output cell
    windows = _windows(x, kh, kw, sh, sw)
    grad_w = np.einsum("fhw,chwuv->fcuv", g, windows).astype(dtype, copy=False)
    # input: dilate by the stride, pad by kernel - 1, correlate with the flipped kernel
    dilated = np.zeros((g.shape[0], (out_h - 1) * sh + 1, (out_w - 1) * sw + 1), dtype=dtype)
    dilated[:, ::sh, ::sw] = g
    full = np.pad(dilated, [(0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)])
    flipped = weights[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).astype(dtype, copy=False)  # (C, F, kh, kw)
    reached = _correlate(full[None], flipped, (1, 1))[0]  # (C, (H'-1)*s + kh, (W'-1)*s + kw)
    grad_x = np.zeros((channels, *x.shape[1:]), dtype=dtype)
    grad_x[:, : reached.shape[1], : reached.shape[2]] = reached
    return _conv_grads_out(image, kernel, plan, padding, grad_x, grad_w, grad_b)


def _pool_grad_output(grad_output: object, arr: np.ndarray, two_d: bool, out_shape: tuple[int, int]) -> np.ndarray:
    """grad_output checked against the shape pool2d returns, as (C, H', W')."""
    g = _as_numeric_array(grad_output, "grad_output")
    expected = out_shape if two_d else (arr.shape[0], *out_shape)
    if g.shape != expected:
        layout = "(H', W')" if two_d else "(C, H', W')"
        raise ValueError(f"grad_output must have the shape pool2d returns for this x, size and stride, {layout} = {expected}, got shape {g.shape}")
    return g[None] if two_d else g


def pool2d_backward_loops(
    x: np.ndarray,
    grad_output: np.ndarray,
    size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
    mode: PoolMode = "max",
) -> np.ndarray:
    """Backpropagation through :func:`pool2d`, written with loops to be read. (Lesson 08.)

    x: (H, W) or (C, H, W), the input pool2d saw; grad_output: shaped like pool2d's output,
    (H', W') or (C, H', W'); size, stride, mode as for :func:`pool2d`.
    Returns the gradient with respect to x, shape of x.

    Each window passes its output cell's gradient g back to its own pixels:
    "max" and "min" give all of g to the window's winner (the one pixel that came out) and 0
    to the rest; on a tie the first winner in reading order (top row first, left to right)
    takes it, as PyTorch's max pooling does. "avg" gives every pixel g / (window area), "sum"
    gives every pixel g. Where windows overlap (stride < size), a pixel adds up what it gets
    from each window it is in.
    """
    arr, two_d, (ph, pw), (sh, sw) = _pool_args(x, size, stride, mode)
    out_shape = ((arr.shape[1] - ph) // sh + 1, (arr.shape[2] - pw) // sw + 1)
    g = _pool_grad_output(grad_output, arr, two_d, out_shape)
    grad = np.zeros(arr.shape, dtype=_float_dtype(arr, g))
    for c in range(arr.shape[0]):
        for i in range(out_shape[0]):
            for j in range(out_shape[1]):
                top, left = i * sh, j * sw
                window = arr[c, top : top + ph, left : left + pw]
                if mode in ("max", "min"):
                    first = np.argmax(window) if mode == "max" else np.argmin(window)  # first in reading order
                    u, v = divmod(int(first), pw)
                    grad[c, top + u, left + v] += g[c, i, j]
                elif mode == "avg":
                    grad[c, top : top + ph, left : left + pw] += g[c, i, j] / (ph * pw)
                else:  # "sum"
                    grad[c, top : top + ph, left : left + pw] += g[c, i, j]
    return grad[0] if two_d else grad


def pool2d_backward(
    x: np.ndarray,
    grad_output: np.ndarray,
    size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
    mode: PoolMode = "max",
) -> np.ndarray:
    """Vectorized backpropagation through :func:`pool2d`. (Lesson 08.)

    x: (H, W) or (C, H, W); grad_output: (H', W') or (C, H', W'), the shape pool2d returns
    (another shape is an error); size, stride, mode: as for :func:`pool2d`.
    Returns the gradient with respect to x, shape of x; same numbers as
    :func:`pool2d_backward_loops` and as PyTorch's autograd through max/avg pooling.

    "max"/"min": each window's gradient goes to its winner; on a tie, to the first winner
    in reading order (as PyTorch's max pooling). "avg": spread evenly, g / (window area)
    each. "sum": g to every pixel of the window. Overlapping windows add up.
    """
    arr, two_d, (ph, pw), (sh, sw) = _pool_args(x, size, stride, mode)
    out_h, out_w = (arr.shape[1] - ph) // sh + 1, (arr.shape[2] - pw) // sw + 1
    g = _pool_grad_output(grad_output, arr, two_d, (out_h, out_w))
    dtype = _float_dtype(arr, g)
    g = g.astype(dtype, copy=False)
    grad = np.zeros(arr.shape, dtype=dtype)
    if mode in ("max", "min"):
        flat = _windows(arr, ph, pw, sh, sw).reshape(*g.shape, ph * pw)  # (C, H', W', ph * pw)
        first = flat.argmax(axis=-1) if mode == "max" else flat.argmin(axis=-1)  # first winner
        u, v = np.divmod(first, pw)
        c, i, j = np.indices(g.shape)
        np.add.at(grad, (c, i * sh + u, j * sw + v), g)  # add.at: a pixel may win several windows
    else:
        share = g / (ph * pw) if mode == "avg" else g
        for u in range(ph):  # the pixel at offset (u, v) of every window at once
            for v in range(pw):
                grad[:, u : u + (out_h - 1) * sh + 1 : sh, v : v + (out_w - 1) * sw + 1 : sw] += share
    return grad[0] if two_d else grad


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
    kh, kw = _pair(kernel_size, "kernel_size", 1)
    x3, _ = _image_3d(image)
    plan = _plan(x3, np.zeros((x3.shape[0], kh, kw)), stride, padding, None)
    windows = _windows(plan.x, kh, kw, *plan.stride)  # (C, H', W', kh, kw)
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
    k = _as_numeric_array(kernel, "kernel")
    if k.ndim != 2:
        raise ValueError(f"kernel must have shape (kh, kw), got shape {k.shape}")
    if not (isinstance(image_shape, (tuple, list)) and len(image_shape) == 2):
        raise ValueError(f"image_shape must be a pair (H, W), got {image_shape!r}")
    h, w = _pair(tuple(image_shape), "image_shape", 1)
    plan = _plan(np.zeros((h, w)), k, stride, padding, None)
    kh, kw = k.shape
    (top, _), (left, _) = _padding(padding, kh, kw, plan.stride)
    out_h, out_w = plan.out_shape
    matrix = np.zeros((out_h * out_w, h * w), dtype=_float_dtype(k))
    for i in range(out_h):
        for j in range(out_w):
            for u in range(kh):
                for v in range(kw):
                    r, c = i * plan.stride[0] + u - top, j * plan.stride[1] + v - left  # pixel under weight (u, v)
                    if 0 <= r < h and 0 <= c < w:  # on the padding the weight meets a zero: no entry
                        matrix[i * out_w + j, r * w + c] = k[u, v]
    return matrix
