"""Exercises for lesson 06 (Convolution, by hand and animated).

Every expected answer is computed here from the same formula or from
``helpers.conv`` (tested against PyTorch), never typed in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.conv import conv2d, output_size
from helpers.exercises.core import (
    Case,
    Exercise,
    Result,
    as_number,
    check_function,
    check_scalar,
    failed,
    passed,
)

# q1: the output-size formula ----------------------------------------------------------

Q1_N, Q1_K, Q1_S, Q1_P = 28, 5, 2, 1


def _check_q1(answer: Any) -> Result:
    expected = output_size(Q1_N, Q1_K, Q1_S, Q1_P)  # floor((28 + 2 - 5) / 2) + 1 = 13
    value = as_number(answer)
    if isinstance(value, (int, float)) and value != expected:
        total = Q1_N + 2 * Q1_P - Q1_K
        hints = [
            ((Q1_N - Q1_K) // Q1_S + 1, "that ignores the padding: add 2 × padding to the input size first."),
            (total // Q1_S, "you forgot the + 1: the first window sits at position 0."),
            (total / Q1_S + 1, "the division must round down: a window that would hang over the edge is not used."),
            (-(-total // Q1_S) + 1, "that rounds up; the formula rounds down (⌊…⌋)."),
            (total + 1, "that is the stride-1 size; divide by the stride."),
            (Q1_N // Q1_S, "the kernel size and padding matter too: ⌊(n + 2p − k) / s⌋ + 1."),
        ]
        reasons = [why for wrong, why in hints if value == wrong]
        if reasons:
            return failed(f"`out_size` should be {expected}, got {value:g}: " + " Or: ".join(reasons))
    return check_scalar(answer, expected, name="out_size")


q1 = Exercise(
    name="q1",
    title=f"Output size: n={Q1_N}, kernel {Q1_K}, stride {Q1_S}, padding {Q1_P}",
    checker=_check_q1,
    hints=[
        "Pad first: the padded input is n + 2p wide. Then count how many window positions fit, "
        "moving s pixels at a time.",
        f"⌊(n + 2p − k) / s⌋ + 1 with n={Q1_N}, p={Q1_P}, k={Q1_K}, s={Q1_S}; `//` rounds down in Python.",
    ],
    solution=f"out_size = ({Q1_N} + 2 * {Q1_P} - {Q1_K}) // {Q1_S} + 1",
    answer_names=["out_size"],
    kind="prediction",
)


# q2: convolution with stride and padding, written by hand ---------------------------


def _q2_cases() -> list[Case]:
    rng = np.random.default_rng(6)
    cases = []
    for shape, k, stride, padding in [((5, 5), 3, 1, 0), ((6, 7), 3, 1, 1), ((7, 7), 3, 2, 0),
                                      ((6, 6), 2, 2, 1), ((8, 5), 3, 3, 2)]:
        image = rng.integers(-3, 4, shape).astype(float)
        kernel = rng.integers(-2, 3, (k, k)).astype(float)
        cases.append(Case((image, kernel), conv2d(image, kernel, stride, padding),
                          kwargs={"stride": stride, "padding": padding},
                          label=f"my_conv2d(image {shape}, kernel ({k}, {k}), stride={stride}, padding={padding})"))
    return cases


def _check_q2(answer: Any) -> Result:
    result = check_function(answer, _q2_cases(), name="my_conv2d")
    if result.status != "failed":
        return result
    case = _q2_cases()[2]  # stride 2, no padding
    image, kernel = case.args
    try:
        got = np.asarray(answer(image.copy(), kernel.copy(), **case.kwargs), dtype=float)
    except Exception:  # noqa: BLE001 - the message of check_function says what went wrong
        return result
    if got.shape == case.expected.shape and np.allclose(got, conv2d(image, kernel[::-1, ::-1], stride=2)):
        return failed("`my_conv2d` flips the kernel (the textbook convolution). Deep learning slides the kernel "
                      "as it is: multiply each window by `kernel` directly.")
    if got.shape == conv2d(image, kernel).shape:
        return failed(f"{result.message} With stride 2 a 7×7 input gives a 3×3 output, yours is "
                      f"{got.shape[0]}×{got.shape[1]}: move the window `stride` pixels at a time "
                      "(row i·stride, column j·stride).", result.details)
    return result


q2 = Exercise(
    name="q2",
    title="Write my_conv2d(image, kernel, stride, padding) with loops",
    checker=_check_q2,
    hints=[
        "Pad with `np.pad(image, padding)`. The output has ⌊(H + 2p − kh) / s⌋ + 1 rows "
        "(and the same for columns). Output cell (i, j) takes the window starting at row "
        "i·stride, column j·stride.",
        "`window = padded[i*stride : i*stride + kh, j*stride : j*stride + kw]`, then "
        "`out[i, j] = (window * kernel).sum()`. No flipping of the kernel.",
    ],
    solution='''
def my_conv2d(image, kernel, stride=1, padding=0):
    padded = np.pad(image.astype(float), padding)
    kh, kw = kernel.shape
    out_h = (padded.shape[0] - kh) // stride + 1
    out_w = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[i, j] = (window * kernel).sum()
    return out
''',
    answer_names=["my_conv2d"],
)


# q3: parameters of a convolutional layer ---------------------------------------------

Q3_IN, Q3_OUT, Q3_K = 3, 16, 5


def _check_q3(answer: Any) -> Result:
    weights = Q3_OUT * Q3_IN * Q3_K * Q3_K
    expected = weights + Q3_OUT
    value = as_number(answer)
    if value == weights:
        return failed(f"`n_params` should be {expected}, got {value}: that counts the weights only. "
                      f"Each of the {Q3_OUT} filters also has one bias.")
    if value == Q3_OUT * Q3_K * Q3_K + Q3_OUT:
        return failed(f"`n_params` should be {expected}, got {value}: each filter has one {Q3_K}×{Q3_K} slice "
                      f"per input channel ({Q3_IN} of them), not just one.")
    if value == Q3_IN * Q3_K * Q3_K + 1:
        return failed(f"`n_params` should be {expected}, got {value}: that is one filter. The layer has {Q3_OUT}.")
    if value == Q3_OUT * Q3_IN * Q3_K * Q3_K + Q3_OUT * Q3_IN:
        return failed(f"`n_params` should be {expected}, got {value}: there is one bias per filter "
                      "(per output channel), not one per input channel.")
    result = check_scalar(answer, expected, name="n_params")
    return passed(f"`n_params` = {expected}: {Q3_OUT} filters × ({Q3_IN} × {Q3_K} × {Q3_K} weights + 1 bias).") \
        if result.ok else result


q3 = Exercise(
    name="q3",
    title=f"Parameters of nn.Conv2d({Q3_IN}, {Q3_OUT}, kernel_size={Q3_K})",
    checker=_check_q3,
    hints=[
        "The weight tensor has shape (out_channels, in_channels, kh, kw); there is one bias per output channel.",
        f"{Q3_OUT} × {Q3_IN} × {Q3_K} × {Q3_K} weights, plus {Q3_OUT} biases.",
    ],
    solution=f"n_params = {Q3_OUT} * {Q3_IN} * {Q3_K} * {Q3_K} + {Q3_OUT}",
    answer_names=["n_params"],
    kind="prediction",
)


def _check_q4(answer: Any) -> Result:
    rng = np.random.default_rng(61)
    image = rng.integers(0, 10, (6, 6)).astype(float)
    kernel = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [3.0, 0.0, 1.0]])
    cases = [Case((image, kernel), conv2d(image, kernel[::-1, ::-1]), label="true_convolution(image (6, 6), kernel (3, 3))"),
             Case((image[:4], kernel), conv2d(image[:4], kernel[::-1, ::-1]), label="true_convolution(image (4, 6), kernel (3, 3))")]
    result = check_function(answer, cases, name="true_convolution")
    if not result.ok and result.status == "failed":
        try:
            same = np.allclose(answer(image.copy(), kernel.copy()), conv2d(image, kernel))
        except Exception:  # noqa: BLE001 - the message above already says what went wrong
            same = False
        if same:
            return failed("`true_convolution` gives the deep-learning cross-correlation: flip the kernel "
                          "upside down and left to right first (`kernel[::-1, ::-1]`).")
    return result


q4 = Exercise(
    name="q4",
    title="The textbook convolution: flip the kernel, then slide",
    checker=_check_q4,
    hints=[
        "The textbook convolution is the deep-learning one with the kernel turned by 180°.",
        "`return conv2d(image, kernel[::-1, ::-1])`",
    ],
    solution='''
def true_convolution(image, kernel):
    return conv2d(image, kernel[::-1, ::-1])
''',
    answer_names=["true_convolution"],
)
