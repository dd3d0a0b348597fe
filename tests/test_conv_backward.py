"""Backward passes of helpers.conv (lesson 08) against torch.autograd, loops against vectorized, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.conv import conv2d, pool2d
from helpers.conv_backward import conv2d_backward, conv2d_backward_loops, pool2d_backward, pool2d_backward_loops

# Every layout conv2d accepts: (image shape kind, kernel shape kind)
LAYOUTS = ("2d image, 2d kernel", "1-channel 3d image, 2d kernel", "3d image, 3d kernel", "3d image, 4d kernel",
           "2d image, 4d kernel")


@st.composite
def conv_backward_cases(draw):
    """image, kernel, grad_output, stride, padding in one of conv2d's layouts, and the (C, F) sizes."""
    layout = draw(st.sampled_from(LAYOUTS))
    channels = draw(st.integers(2, 3)) if layout in ("3d image, 3d kernel", "3d image, 4d kernel") else 1
    filters = draw(st.integers(1, 3)) if "4d kernel" in layout else 1
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kind = draw(st.sampled_from(("int", "pair", "valid", "same")))
    stride = (1, 1) if kind == "same" else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    if kind == "int":
        p = draw(st.integers(0, min(kh, kw) - 1))
        padding, (ph, pw) = p, (p, p)
    elif kind == "pair":
        ph, pw = draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1))
        padding = (ph, pw)
    else:
        padding, ph, pw = kind, 0, 0  # "same" fits any size
    h = draw(st.integers(max(1, kh - 2 * ph), 9))
    w = draw(st.integers(max(1, kw - 2 * pw), 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    image = rng.normal(size=(channels, h, w))
    kernel = rng.normal(size=(filters, channels, kh, kw))
    image_in = image[0] if layout.startswith("2d image") else image
    kernel_in = {"2d kernel": kernel[0, 0], "3d kernel": kernel[0], "4d kernel": kernel}[layout.split(", ")[1]]
    out = conv2d(image_in, kernel_in, stride, padding)
    grad_output = rng.normal(size=out.shape)
    return image_in, kernel_in, grad_output, stride, padding


def torch_conv_grads(image, kernel, grad_output, stride, padding):
    """Gradients of sum(conv2d(...) * grad_output) by torch.autograd, in the layouts of the inputs."""
    c = 1 if image.ndim == 2 else image.shape[0]
    k4 = kernel.reshape(-1, c, *kernel.shape[-2:])
    x = torch.tensor(image.reshape(1, c, *image.shape[-2:]), requires_grad=True)
    k = torch.tensor(k4, requires_grad=True)
    b = torch.zeros(k4.shape[0], dtype=torch.float64, requires_grad=True)
    out = F.conv2d(x, k, b, stride=stride, padding=padding)
    (out * torch.from_numpy(grad_output.reshape(out.shape))).sum().backward()
    return x.grad.numpy().reshape(image.shape), k.grad.numpy().reshape(kernel.shape), b.grad.numpy()


def check_bias(grad_bias, kernel, expected):
    if kernel.ndim == 4:
        assert isinstance(grad_bias, np.ndarray) and grad_bias.shape == (kernel.shape[0],)
        np.testing.assert_allclose(grad_bias, expected, rtol=1e-10, atol=1e-10)
    else:  # one filter: a float, like the scalar bias conv2d accepts
        assert isinstance(grad_bias, float)
        assert grad_bias == pytest.approx(float(expected[0]), rel=1e-10, abs=1e-10)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@settings(max_examples=300, deadline=None)
@given(conv_backward_cases())
def test_conv2d_backward_matches_autograd(case):
    image, kernel, grad_output, stride, padding = case
    want_image, want_kernel, want_bias = torch_conv_grads(image, kernel, grad_output, stride, padding)
    grad_image, grad_kernel, grad_bias = conv2d_backward(image, kernel, grad_output, stride, padding)
    assert grad_image.shape == image.shape and grad_kernel.shape == kernel.shape
    np.testing.assert_allclose(grad_image, want_image, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad_kernel, want_kernel, rtol=1e-10, atol=1e-10)
    check_bias(grad_bias, kernel, want_bias)


@settings(max_examples=100, deadline=None)
@given(conv_backward_cases())
def test_conv2d_backward_loops_and_vectorized_agree(case):
    image, kernel, grad_output, stride, padding = case
    loops = conv2d_backward_loops(image, kernel, grad_output, stride, padding)
    fast = conv2d_backward(image, kernel, grad_output, stride, padding)
    for a, b in zip(loops, fast):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_conv2d_backward_by_hand_and_float32():
    # out = sum(window * kernel): a one-hot upstream gradient at output (0, 1) gives
    # grad_kernel = the window at (0, 1), and grad_image = the kernel placed on that window
    image = np.arange(16.0).reshape(4, 4)
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = np.zeros((3, 3))
    g[0, 1] = 1
    grad_image, grad_kernel, grad_bias = conv2d_backward(image, kernel, g)
    np.testing.assert_array_equal(grad_kernel, image[0:2, 1:3])
    expected = np.zeros((4, 4))
    expected[0:2, 1:3] = kernel
    np.testing.assert_array_equal(grad_image, expected)
    assert grad_bias == 1.0
    grads = conv2d_backward(image.astype(np.float32), kernel.astype(np.float32), g.astype(np.float32))
    assert grads[0].dtype == np.float32 and grads[1].dtype == np.float32


def test_conv2d_backward_pixels_no_window_reaches_get_zero():
    # 6 columns, kernel 2, stride 3: windows cover columns 0-1 and 3-4; columns 2 and 5 are never used
    image, kernel = np.ones((2, 6)), np.ones((2, 2))
    grad_image, _, _ = conv2d_backward(image, kernel, np.ones((1, 2)), stride=(1, 3))
    np.testing.assert_array_equal(grad_image, [[1, 1, 0, 1, 1, 0], [1, 1, 0, 1, 1, 0]])


# ----------------------------------------------------------------------------- pooling


@st.composite
def pool_backward_cases(draw):
    """x (2-D or 3-D, sometimes small integers so windows tie), grad_output, size, stride, mode."""
    mode = draw(st.sampled_from(("max", "avg", "min", "sum")))
    size = draw(st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))))
    stride = draw(st.one_of(st.none(), st.integers(1, 4), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    ph, pw = size if isinstance(size, tuple) else (size, size)
    channels = draw(st.sampled_from((None, 1, 2, 3)))
    h, w = draw(st.integers(ph, 10)), draw(st.integers(pw, 10))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (h, w) if channels is None else (channels, h, w)
    ties = draw(st.booleans())
    x = rng.integers(0, 3, size=shape).astype(np.float64) if ties else rng.normal(size=shape)
    grad_output = rng.normal(size=pool2d(x, size, stride, mode).shape)
    return x, grad_output, size, stride, mode


def torch_pool_grad(x, grad_output, size, stride, mode):
    """Gradient by torch.autograd: min pooling as -max_pool(-x), sum pooling as avg_pool * area."""
    t = torch.tensor(x.reshape(-1, *x.shape[-2:])[None], requires_grad=True)
    ph, pw = size if isinstance(size, tuple) else (size, size)
    kw = {"kernel_size": size, "stride": stride}
    out = {
        "max": lambda: F.max_pool2d(t, **kw),
        "min": lambda: -F.max_pool2d(-t, **kw),
        "avg": lambda: F.avg_pool2d(t, **kw),
        "sum": lambda: F.avg_pool2d(t, **kw) * (ph * pw),
    }[mode]()
    (out * torch.from_numpy(grad_output.reshape(out.shape))).sum().backward()
    return t.grad.numpy().reshape(x.shape)


@settings(max_examples=300, deadline=None)
@given(pool_backward_cases())
def test_pool2d_backward_matches_autograd(case):
    x, grad_output, size, stride, mode = case
    got = pool2d_backward(x, grad_output, size, stride, mode)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, torch_pool_grad(x, grad_output, size, stride, mode), rtol=1e-12, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(pool_backward_cases())
def test_pool2d_backward_loops_and_vectorized_agree(case):
    x, grad_output, size, stride, mode = case
    np.testing.assert_allclose(
        pool2d_backward_loops(x, grad_output, size, stride, mode),
        pool2d_backward(x, grad_output, size, stride, mode),
        rtol=1e-12, atol=1e-12,
    )


def test_pool2d_backward_tie_rule_and_overlap_by_hand():
    # a tie in one window: the first winner in reading order (top row, left to right) takes the gradient
    x = np.array([[1.0, 3.0], [3.0, 0.0]])
    for backward in (pool2d_backward, pool2d_backward_loops):
        np.testing.assert_array_equal(backward(x, np.array([[5.0]]), 2, mode="max"), [[0, 5], [0, 0]])
        np.testing.assert_array_equal(backward(np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[5.0]]), 2, mode="min"),
                                      [[0, 5], [0, 0]])
    # overlapping 2x2 windows at stride 1: the centre pixel wins all four windows and collects 1+2+3+4
    x = np.zeros((3, 3))
    x[1, 1] = 9
    got = pool2d_backward(x, np.array([[1.0, 2.0], [3.0, 4.0]]), 2, 1, "max")
    assert got[1, 1] == 10 and got.sum() == 10
    # average pooling spreads evenly: every pixel of a 2x2 window gets a quarter
    np.testing.assert_array_equal(pool2d_backward(np.ones((2, 4)), np.array([[4.0, 8.0]]), 2, mode="avg"),
                                  [[1, 1, 2, 2], [1, 1, 2, 2]])


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("backward", [conv2d_backward, conv2d_backward_loops])
@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        ((np.ones((5, 5)), np.ones((3, 3)), np.ones((2, 2))), {}, ValueError, ["grad_output", "(3, 3)", "(2, 2)"]),
        ((np.ones((2, 5, 5)), np.ones((4, 2, 3, 3)), np.ones((3, 3))), {}, ValueError,
         ["grad_output", "(F, H', W')", "(4, 3, 3)", "(3, 3)"]),
        ((np.ones((5, 5)), np.ones((3, 3)), np.ones((3, 3))), {"stride": 2}, ValueError, ["grad_output", "(2, 2)", "(3, 3)"]),
        ((np.ones((5, 5)), np.ones((3, 3)), np.array([["a"] * 3] * 3)), {}, TypeError, ["grad_output", "dtype"]),
        ((np.ones((5, 5)), np.ones((3, 3)), np.ones((3, 3))), {"stride": 0}, ValueError, ["stride", ">= 1", "0"]),
        ((np.ones((5, 5)), np.ones((3, 3)), np.ones((3, 3))), {"stride": 1.5}, TypeError, ["stride", "1.5"]),
        ((np.ones((5, 5)), np.ones((3, 3)), np.ones((3, 3))), {"padding": "full"}, ValueError, ["padding", "'full'"]),
        ((np.ones((5, 5)), np.ones((3, 3)), np.ones((3, 3))), {"padding": 9}, ValueError, ["padding", "at most"]),
        ((np.ones(5), np.ones((3, 3)), np.ones(3)), {}, ValueError, ["image", "(5,)"]),
        ((np.ones((3, 5, 5)), np.ones((3, 3)), np.ones((3, 3))), {}, ValueError, ["kernel", "one-channel"]),
    ],
)
def test_conv2d_backward_rejects_bad_input(backward, args, kwargs, error, words):
    with pytest.raises(error) as info:
        backward(*args, **kwargs)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"


@pytest.mark.parametrize("backward", [pool2d_backward, pool2d_backward_loops])
@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        ((np.ones((4, 4)), np.ones((3, 3))), {}, ValueError, ["grad_output", "(2, 2)", "(3, 3)"]),
        ((np.ones((2, 4, 4)), np.ones((2, 2))), {}, ValueError, ["grad_output", "(C, H', W')", "(2, 2, 2)"]),
        ((np.ones((4, 4)), np.ones((2, 2))), {"mode": "median"}, ValueError, ["mode", "median"]),
        ((np.ones((4, 4)), np.ones((2, 2))), {"stride": 0}, ValueError, ["stride", "0"]),
        ((np.ones((4, 4)), np.ones((2, 2))), {"size": 5}, ValueError, ["size", "(5, 5)"]),
        ((np.array([["a"] * 4] * 4), np.ones((2, 2))), {}, TypeError, ["x", "dtype"]),
        ((np.ones((4, 4)), [[None, None], [None, None]]), {}, TypeError, ["grad_output", "dtype"]),
    ],
)
def test_pool2d_backward_rejects_bad_input(backward, args, kwargs, error, words):
    with pytest.raises(error) as info:
        backward(*args, **kwargs)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"
