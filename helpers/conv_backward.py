"""Backward passes of convolution and pooling, in numpy (lesson 08).

Given the gradient of a loss with respect to a layer's output (the "upstream" gradient,
``grad_output``), these return the gradient with respect to the layer's inputs. Each comes
twice: a loop version to read (:func:`conv2d_backward_loops`, :func:`pool2d_backward_loops`)
and a vectorized one to use (:func:`conv2d_backward`, :func:`pool2d_backward`); the tests
check both against torch.autograd in every layout :func:`helpers.conv.conv2d` accepts.
"""

from __future__ import annotations

import numpy as np

from helpers.conv_core import (
    ConvPlan,
    Padding,
    PoolMode,
    as_numeric_array,
    conv_plan,
    correlate,
    float_dtype,
    padding_amounts,
    pool_args,
    sliding_windows,
)

__all__ = ["conv2d_backward", "conv2d_backward_loops", "pool2d_backward", "pool2d_backward_loops"]


def _conv_grad_output(plan: ConvPlan, grad_output: object) -> np.ndarray:
    """grad_output checked against the shape conv2d returns for this plan, as (F, H', W')."""
    g = as_numeric_array(grad_output, "grad_output")
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
    image: object, kernel: object, plan: ConvPlan, padding: Padding, grad_x: np.ndarray, grad_w: np.ndarray, grad_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float | np.ndarray]:
    """Crop the padding off grad_x (C, Hp, Wp) and give each gradient the layout of its input."""
    kh, kw = plan.weights.shape[2:]
    (top, _), (left, _) = padding_amounts(padding, kh, kw, plan.stride)
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
    plan = conv_plan(image, kernel, stride, padding, None)
    g = _conv_grad_output(plan, grad_output)  # (F, H', W')
    x, weights = plan.x, plan.weights  # x: (C, Hp, Wp) padded, weights: (F, C, kh, kw)
    filters, _, kh, kw = weights.shape
    sh, sw = plan.stride
    out_h, out_w = plan.out_shape
    dtype = float_dtype(x, weights, g)
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
    plan = conv_plan(image, kernel, stride, padding, None)
    g = _conv_grad_output(plan, grad_output)  # (F, H', W')
    x, weights = plan.x, plan.weights  # (C, Hp, Wp), (F, C, kh, kw)
    _, channels, kh, kw = weights.shape
    sh, sw = plan.stride
    out_h, out_w = plan.out_shape
    dtype = float_dtype(x, weights, g)
    g = g.astype(dtype, copy=False)
    grad_b = g.sum(axis=(1, 2))
    # kernel: every window (C, H', W', kh, kw) weighted by the gradient of its output cell
    windows = sliding_windows(x, kh, kw, sh, sw)
    grad_w = np.einsum("fhw,chwuv->fcuv", g, windows).astype(dtype, copy=False)
    # input: dilate by the stride, pad by kernel - 1, correlate with the flipped kernel
    dilated = np.zeros((g.shape[0], (out_h - 1) * sh + 1, (out_w - 1) * sw + 1), dtype=dtype)
    dilated[:, ::sh, ::sw] = g
    full = np.pad(dilated, [(0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)])
    flipped = weights[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).astype(dtype, copy=False)  # (C, F, kh, kw)
    reached = correlate(full[None], flipped, (1, 1))[0]  # (C, (H'-1)*s + kh, (W'-1)*s + kw)
    grad_x = np.zeros((channels, *x.shape[1:]), dtype=dtype)
    grad_x[:, : reached.shape[1], : reached.shape[2]] = reached
    return _conv_grads_out(image, kernel, plan, padding, grad_x, grad_w, grad_b)


def _pool_grad_output(grad_output: object, arr: np.ndarray, two_d: bool, out_shape: tuple[int, int]) -> np.ndarray:
    """grad_output checked against the shape pool2d returns, as (C, H', W')."""
    g = as_numeric_array(grad_output, "grad_output")
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
    arr, two_d, (ph, pw), (sh, sw) = pool_args(x, size, stride, mode)
    out_shape = ((arr.shape[1] - ph) // sh + 1, (arr.shape[2] - pw) // sw + 1)
    g = _pool_grad_output(grad_output, arr, two_d, out_shape)
    grad = np.zeros(arr.shape, dtype=float_dtype(arr, g))
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
    arr, two_d, (ph, pw), (sh, sw) = pool_args(x, size, stride, mode)
    out_h, out_w = (arr.shape[1] - ph) // sh + 1, (arr.shape[2] - pw) // sw + 1
    g = _pool_grad_output(grad_output, arr, two_d, (out_h, out_w))
    dtype = float_dtype(arr, g)
    g = g.astype(dtype, copy=False)
    grad = np.zeros(arr.shape, dtype=dtype)
    if mode in ("max", "min"):
        flat = sliding_windows(arr, ph, pw, sh, sw).reshape(*g.shape, ph * pw)  # (C, H', W', ph * pw)
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
