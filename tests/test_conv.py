"""helpers.conv against torch.nn.functional, plus small cases worked by hand and the error messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.conv import (
    KERNELS,
    conv2d,
    conv2d_batch,
    conv2d_loops,
    conv2d_steps,
    conv_as_matrix,
    im2col,
    output_size,
    pad2d,
    pool2d,
    pool2d_steps,
)

FAST = settings(max_examples=100, deadline=None)


@st.composite
def conv_cases(draw):
    """A random (C, H, W) image, (F, C, kh, kw) kernel, bias, stride and padding that fit together."""
    channels = draw(st.integers(1, 3))
    filters = draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    ph, pw = draw(st.integers(0, min(3, kh - 1))), draw(st.integers(0, min(3, kw - 1)))  # conv2d allows kernel - 1
    h = draw(st.integers(max(1, kh - 2 * ph), 12))
    w = draw(st.integers(max(1, kw - 2 * pw), 12))
    sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    image = rng.normal(size=(channels, h, w))
    kernel = rng.normal(size=(filters, channels, kh, kw))
    bias = rng.normal(size=filters)
    return image, kernel, bias, (sh, sw), (ph, pw)


def torch_conv(image, kernel, bias, stride, padding):
    out = F.conv2d(
        torch.from_numpy(image[None]), torch.from_numpy(kernel), torch.from_numpy(bias), stride=stride, padding=padding
    )
    return out[0].numpy()


@FAST
@given(conv_cases())
def test_conv2d_matches_torch(case):
    image, kernel, bias, stride, padding = case
    expected = torch_conv(image, kernel, bias, stride, padding)
    got = conv2d(image, kernel, stride=stride, padding=padding, bias=bias)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_loops_and_vectorized_agree(case):
    image, kernel, bias, stride, padding = case
    np.testing.assert_allclose(
        conv2d_loops(image, kernel, stride, padding, bias), conv2d(image, kernel, stride, padding, bias), rtol=1e-10, atol=1e-10
    )


@settings(max_examples=40, deadline=None)
@given(conv_cases(), st.integers(1, 3))
def test_conv2d_batch_matches_torch(case, n):
    image, kernel, bias, stride, padding = case
    images = np.stack([image * (i + 1) for i in range(n)])
    expected = F.conv2d(
        torch.from_numpy(images), torch.from_numpy(kernel), torch.from_numpy(bias), stride=stride, padding=padding
    ).numpy()
    np.testing.assert_allclose(conv2d_batch(images, kernel, stride, padding, bias), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_same_padding_keeps_size_and_matches_torch(kh, kw, h, w, seed):
    rng = np.random.default_rng(seed)
    image, kernel = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    got = conv2d(image, kernel, padding="same")
    assert got.shape == (h, w)
    expected = F.conv2d(torch.from_numpy(image[None, None]), torch.from_numpy(kernel[None, None]), padding="same")
    np.testing.assert_allclose(got, expected[0, 0].numpy(), rtol=1e-10, atol=1e-10)


@st.composite
def pool_cases(draw):
    channels = draw(st.integers(1, 3))
    size = draw(st.integers(1, 4))
    stride = draw(st.one_of(st.none(), st.integers(1, 4)))
    h, w = draw(st.integers(size, 13)), draw(st.integers(size, 13))
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).normal(size=(channels, h, w)), size, stride


@settings(max_examples=80, deadline=None)
@given(pool_cases())
def test_max_and_avg_pool_match_torch(case):
    x, size, stride = case
    tx = torch.from_numpy(x[None])
    np.testing.assert_allclose(pool2d(x, size, stride, "max"), F.max_pool2d(tx, size, stride)[0].numpy())
    np.testing.assert_allclose(pool2d(x, size, stride, "avg"), F.avg_pool2d(tx, size, stride)[0].numpy(),
                               rtol=1e-12, atol=1e-12)  # an average near 0 has no relative precision
    # min pooling is max pooling of the negated input; sum pooling is average times window area
    np.testing.assert_allclose(pool2d(x, size, stride, "min"), -F.max_pool2d(-tx, size, stride)[0].numpy())
    np.testing.assert_allclose(
        pool2d(x, size, stride, "sum"), F.avg_pool2d(tx, size, stride)[0].numpy() * size * size, rtol=1e-12, atol=1e-12
    )


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(1, 9), st.integers(1, 5), st.integers(0, 4))
def test_output_size_matches_torch(n, k, s, p):
    if k > n + 2 * p:
        with pytest.raises(ValueError, match="kernel"):
            output_size(n, k, s, p)
        return
    out = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p)
    assert output_size(n, k, s, p) == out.shape[-1]


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_im2col_matches_torch_unfold_and_gives_conv2d(case):
    image, kernel, _, stride, padding = case
    cols = im2col(image, kernel.shape[2:], stride, padding)
    unfold = F.unfold(torch.from_numpy(image[None]), kernel.shape[2:], padding=padding, stride=stride)[0].numpy()
    np.testing.assert_allclose(cols, unfold)
    out = conv2d(image, kernel, stride, padding)
    np.testing.assert_allclose((kernel.reshape(len(kernel), -1) @ cols).reshape(out.shape), out, rtol=1e-10, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_conv_as_matrix_times_image_is_conv2d(case):
    image, kernel, _, stride, padding = case
    image, kernel = image[0], kernel[0, 0]
    matrix = conv_as_matrix(kernel, image.shape, stride, padding)
    expected = torch_conv(image[None], kernel[None, None], np.zeros(1), stride, padding)[0]
    assert matrix.shape == (expected.size, image.size)
    np.testing.assert_allclose(matrix @ image.ravel(), expected.ravel(), rtol=1e-10, atol=1e-10)


def test_conv_as_matrix_is_banded_and_tied():
    labels = np.arange(1, 10).reshape(3, 3)
    matrix = conv_as_matrix(labels, (5, 5))
    assert matrix.shape == (9, 25)
    # every row holds each of the nine weights exactly once: shared, and 25 - 9 = 16 zeros per row
    for row in matrix:
        assert sorted(row[row != 0]) == list(range(1, 10))
    assert (matrix == 0).sum() == 9 * 16
    # output (0, 0) sees pixels (0..2, 0..2): weight 1 on pixel 0, weight 9 on pixel 2 * 5 + 2
    assert matrix[0, 0] == 1 and matrix[0, 12] == 9 and matrix[0, 3] == 0
    with pytest.raises(ValueError, match="kernel must have shape"):
        conv_as_matrix(np.ones((1, 3, 3)), (5, 5))
    with pytest.raises(ValueError, match="image_shape"):
        conv_as_matrix(np.ones((3, 3)), 5)


# ----------------------------------------------------------------------------- by hand


def test_hand_worked_cross_correlation_no_flip():
    image = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    kernel = np.array([[1, 0], [0, -1]])
    # window [[1,2],[4,5]] -> 1*1 + 5*(-1) = -4, and so on: every window gives -4
    np.testing.assert_array_equal(conv2d(image, kernel), [[-4, -4], [-4, -4]])
    # a flipped kernel (true convolution) gives +4
    np.testing.assert_array_equal(conv2d(image, kernel[::-1, ::-1]), [[4, 4], [4, 4]])


def test_hand_worked_padding_and_stride():
    image = np.ones((4, 4))
    out = conv2d(image, np.ones((3, 3)), stride=2, padding=1)
    # windows start at (0,0), (0,2), (2,0), (2,2) on the 6x6 padded input
    np.testing.assert_array_equal(out, [[4, 6], [6, 9]])
    assert pad2d(image, 1).shape == (6, 6)


def test_bias_and_dtype():
    image = np.arange(9, dtype=np.uint8).reshape(3, 3)
    out = conv2d(image, np.ones((3, 3), dtype=np.float32), bias=0.5)
    assert out.dtype == np.float32 and out.shape == (1, 1) and out[0, 0] == 36.5
    assert conv2d(image, np.ones((3, 3), dtype=int)).dtype == np.float64
    # bool images (binary pictures) are numbers too
    assert conv2d(np.eye(3, dtype=bool), np.ones((3, 3)))[0, 0] == 3


def test_colour_kernel_sums_over_channels():
    image = np.stack([np.full((4, 4), 1.0), np.full((4, 4), 2.0), np.full((4, 4), 3.0)])
    kernel = np.stack([np.ones((3, 3)), np.zeros((3, 3)), -np.ones((3, 3))])  # (C, kh, kw)
    np.testing.assert_array_equal(conv2d(image, kernel), np.full((2, 2), 9 * 1 - 9 * 3))
    assert conv2d(image, kernel[None].repeat(5, axis=0)).shape == (5, 2, 2)


def test_hand_worked_pooling():
    x = np.array([[1, 3, 2, 0], [4, 2, 1, 1], [0, 0, 5, 6], [1, 7, 8, 2]])
    np.testing.assert_array_equal(pool2d(x), [[4, 2], [7, 8]])
    np.testing.assert_array_equal(pool2d(x, mode="min"), [[1, 0], [0, 2]])
    np.testing.assert_array_equal(pool2d(x, mode="sum"), [[10, 4], [8, 21]])
    np.testing.assert_array_equal(pool2d(x, mode="avg"), [[2.5, 1], [2, 5.25]])
    np.testing.assert_array_equal(pool2d(x, size=3, stride=1), [[5, 6], [8, 8]])


def test_padding_limit_is_kernel_minus_one():
    # kernel - 1 per side is the "full" correlation: the corner output cells see one pixel each
    image, kernel = np.arange(1.0, 10).reshape(3, 3), np.ones((2, 2))
    full = conv2d(image, kernel, padding=1)
    expected = F.conv2d(torch.from_numpy(image[None, None]), torch.from_numpy(kernel[None, None]), padding=1)[0, 0]
    np.testing.assert_allclose(full, expected.numpy())
    assert full[0, 0] == image[0, 0] and full[-1, -1] == image[-1, -1]
    # output_size is the bare formula: one axis, and no limit (the lesson 06 explorer shows any padding)
    assert output_size(5, 1, 1, 3) == 11


def test_kernels_table():
    assert set(KERNELS) == {"identity", "box blur", "gaussian blur", "sharpen", "outline", "sobel x", "sobel y"}
    for name, kernel in KERNELS.items():
        assert kernel.shape == (3, 3), name
        assert not kernel.flags.writeable, name
    image = np.random.default_rng(0).normal(size=(6, 6))
    np.testing.assert_allclose(conv2d(image, KERNELS["identity"], padding=1), image)
    assert np.isclose(KERNELS["box blur"].sum(), 1) and np.isclose(KERNELS["gaussian blur"].sum(), 1)
    # Sobel x responds to a left-to-right brightness step, Sobel y does not
    step = np.tile(np.array([0, 0, 0, 1, 1, 1.0]), (6, 1))
    assert conv2d(step, KERNELS["sobel x"]).max() == 4 and np.all(conv2d(step, KERNELS["sobel y"]) == 0)


def test_steps_agree_with_conv_and_pool():
    rng = np.random.default_rng(1)
    image, kernel = rng.integers(0, 2, (6, 6)), rng.integers(-1, 2, (3, 3))
    padded, steps = conv2d_steps(image, kernel, stride=1, padding=1)
    assert padded.shape == (8, 8) and len(steps) == 36
    out = conv2d(image, kernel, padding=1)
    for step in steps:
        assert step.total == out[step.row, step.col]
        np.testing.assert_array_equal(step.products, step.window * kernel)
    pool_steps = pool2d_steps(out, 2, mode="max")
    assert [s.value for s in pool_steps] == list(pool2d(out).ravel())


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: conv2d(np.ones((3, 3)), np.ones((5, 5))), ValueError, ["kernel", "(5, 5)", "(3, 3)"]),
        (lambda: conv2d(np.ones((3, 3)), np.ones((6, 6)), padding=1), ValueError, ["larger than the padded input", "(6, 6)", "(5, 5)"]),
        (lambda: conv2d(np.ones((4, 4)), np.ones((3, 3)), stride=0), ValueError, ["stride", ">= 1", "0"]),
        (lambda: conv2d(np.ones((4, 4)), np.ones((3, 3)), stride=1.5), TypeError, ["stride", "1.5"]),
        (lambda: conv2d(np.ones((4, 4)), np.ones((3, 3)), padding=-1), ValueError, ["padding", ">= 0", "-1"]),
        (lambda: conv2d(np.ones((4, 4)), np.ones((3, 3)), padding="full"), ValueError, ["padding", "'full'"]),
        (lambda: conv2d(np.ones((4, 4)), np.ones((3, 3)), stride=2, padding="same"), ValueError, ["same", "stride"]),
        (lambda: conv2d(np.ones(4), np.ones((3, 3))), ValueError, ["image", "(H, W)", "(4,)"]),
        (lambda: conv2d(np.ones((1, 1, 4, 4)), np.ones((3, 3))), ValueError, ["image", "(1, 1, 4, 4)"]),
        (lambda: conv2d(np.ones((4, 4)), np.ones(3)), ValueError, ["kernel", "(3,)"]),
        (lambda: conv2d(np.ones((3, 4, 4)), np.ones((2, 3, 3))), ValueError, ["2 input channels", "3"]),
        (lambda: conv2d(np.ones((3, 4, 4)), np.ones((3, 3))), ValueError, ["one-channel", "3 channels"]),
        (lambda: conv2d(np.ones((3, 4, 4)), np.ones((8, 2, 3, 3))), ValueError, ["(8, 2, 3, 3)", "3"]),
        (lambda: conv2d(np.array([["a", "b"], ["c", "d"]]), np.ones((1, 1))), TypeError, ["image", "dtype", "<U1"]),
        (lambda: conv2d(np.ones((4, 4)), np.ones((2, 2), dtype=complex)), TypeError, ["kernel", "complex"]),
        (lambda: conv2d(np.ones((4, 4)), np.ones((1, 1, 3, 3)), bias=[1, 2]), ValueError, ["bias", "(1,)", "(2,)"]),
        (lambda: pool2d(np.ones((4, 4)), mode="median"), ValueError, ["mode", "median"]),
        (lambda: pool2d(np.ones((4, 4)), size=5), ValueError, ["size", "(5, 5)", "(4, 4)"]),
        (lambda: pool2d(np.ones((4, 4)), stride=0), ValueError, ["stride", "0"]),
        (lambda: pool2d(np.ones(4)), ValueError, ["x", "(4,)"]),
        (lambda: pool2d(np.array(["x"] * 4).reshape(2, 2)), TypeError, ["x", "dtype"]),
        (lambda: output_size(5, 7), ValueError, ["kernel=7", "n=5"]),
        (lambda: output_size(5, 3, stride=0), ValueError, ["stride", "0"]),
        (lambda: output_size(5, 3, padding=-2), ValueError, ["padding", "-2"]),
        (lambda: output_size(5.0, 3), TypeError, ["n", "5.0"]),
        (lambda: output_size(5, 3, padding=(1, 2)), TypeError, ["padding", "one axis", "(1, 2)"]),
        (lambda: conv2d(np.ones((5, 5)), np.ones((3, 3)), padding=20000), ValueError, ["padding", "at most", "2 rows", "20000"]),
        (lambda: conv2d(np.ones((5, 5)), np.ones((3, 1)), padding=(1, 1)), ValueError, ["padding", "0 columns", "(1, 1)"]),
    ],
)
def test_errors_name_the_argument_and_shapes(call, error, words):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
