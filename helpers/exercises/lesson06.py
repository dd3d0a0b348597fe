"""Exercises for lesson 06 (Convolution, by hand and animated).

Every expected answer is computed here from the same formula or from
``helpers.conv`` (tested against PyTorch), never typed in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.conv import conv2d, conv_as_matrix, output_size
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

# q2: the output-size formula ----------------------------------------------------------

Q2_N, Q2_K, Q2_S, Q2_P = 28, 5, 2, 1


def _check_q2(answer: Any) -> Result:
    expected = output_size(Q2_N, Q2_K, Q2_S, Q2_P)  # floor((28 + 2 - 5) / 2) + 1 = 13
    value = as_number(answer)
    if isinstance(value, (int, float)) and value != expected:
        total = Q2_N + 2 * Q2_P - Q2_K
        hints = [
            ((Q2_N - Q2_K) // Q2_S + 1, "that ignores the padding: add 2 × padding to the input size first."),
            (total // Q2_S, "you forgot the + 1: the first window sits at position 0."),
            (total / Q2_S + 1, "the division must round down: a window that would hang over the edge is not used."),
            (-(-total // Q2_S) + 1, "that rounds up; the formula rounds down (⌊…⌋)."),
            (total + 1, "that is the stride-1 size; divide by the stride."),
            (Q2_N // Q2_S, "the kernel size and padding matter too: ⌊(n + 2p − k) / s⌋ + 1."),
        ]
        reasons = [why for wrong, why in hints if value == wrong]
        if reasons:
            return failed(f"`out_size` should be {expected}, got {value:g}: " + " Or: ".join(reasons))
    return check_scalar(answer, expected, name="out_size")


q2 = Exercise(
    name="q2",
    title=f"Output size: n={Q2_N}, kernel {Q2_K}, stride {Q2_S}, padding {Q2_P}",
    checker=_check_q2,
    hints=[
        "Pad first: the padded input is n + 2p wide. Then count how many window positions fit, "
        "moving s pixels at a time.",
        f"⌊(n + 2p − k) / s⌋ + 1 with n={Q2_N}, p={Q2_P}, k={Q2_K}, s={Q2_S}; `//` rounds down in Python.",
    ],
    solution=f"out_size = ({Q2_N} + 2 * {Q2_P} - {Q2_K}) // {Q2_S} + 1",
    answer_names=["out_size"],
    kind="prediction",
)


# q3: convolution with stride and padding, written by hand ---------------------------


def _q3_cases() -> list[Case]:
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


def _check_q3(answer: Any) -> Result:
    result = check_function(answer, _q3_cases(), name="my_conv2d")
    if result.status != "failed":
        return result
    case = _q3_cases()[2]  # stride 2, no padding
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


q3 = Exercise(
    name="q3",
    title="Write my_conv2d(image, kernel, stride, padding) with loops",
    checker=_check_q3,
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
    signature="my_conv2d(image, kernel, stride=1, padding=0)",
)


# q4: parameters of a convolutional layer ---------------------------------------------

Q4_IN, Q4_OUT, Q4_K = 3, 16, 5


def _check_q4(answer: Any) -> Result:
    weights = Q4_OUT * Q4_IN * Q4_K * Q4_K
    expected = weights + Q4_OUT
    value = as_number(answer)
    if value == weights:
        return failed(f"`n_params` should be {expected}, got {value}: that counts the weights only. "
                      f"Each of the {Q4_OUT} filters also has one bias.")
    if value == Q4_OUT * Q4_K * Q4_K + Q4_OUT:
        return failed(f"`n_params` should be {expected}, got {value}: each filter has one {Q4_K}×{Q4_K} slice "
                      f"per input channel ({Q4_IN} of them), not just one.")
    if value == Q4_IN * Q4_K * Q4_K + 1:
        return failed(f"`n_params` should be {expected}, got {value}: that is one filter. The layer has {Q4_OUT}.")
    if value == Q4_OUT * Q4_IN * Q4_K * Q4_K + Q4_OUT * Q4_IN:
        return failed(f"`n_params` should be {expected}, got {value}: there is one bias per filter "
                      "(per output channel), not one per input channel.")
    result = check_scalar(answer, expected, name="n_params")
    return passed(f"`n_params` = {expected}: {Q4_OUT} filters × ({Q4_IN} × {Q4_K} × {Q4_K} weights + 1 bias).") \
        if result.ok else result


q4 = Exercise(
    name="q4",
    title=f"Parameters of nn.Conv2d({Q4_IN}, {Q4_OUT}, kernel_size={Q4_K})",
    checker=_check_q4,
    hints=[
        "The weight tensor has shape (out_channels, in_channels, kh, kw); there is one bias per output channel.",
        f"{Q4_OUT} × {Q4_IN} × {Q4_K} × {Q4_K} weights, plus {Q4_OUT} biases.",
    ],
    solution=f"n_params = {Q4_OUT} * {Q4_IN} * {Q4_K} * {Q4_K} + {Q4_OUT}",
    answer_names=["n_params"],
    kind="prediction",
)


def _check_q1(answer: Any) -> Result:
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


q1 = Exercise(
    name="q1",
    title="The textbook convolution: flip the kernel, then slide",
    checker=_check_q1,
    hints=[
        "The textbook convolution is the deep-learning one with the kernel turned by 180°.",
        "`return conv2d(image, kernel[::-1, ::-1])`",
    ],
    solution='''
def true_convolution(image, kernel):
    return conv2d(image, kernel[::-1, ::-1])
''',
    answer_names=["true_convolution"],
    signature="true_convolution(image, kernel)",
)


# q5: the dense layer a convolution is ------------------------------------------------

Q5_N, Q5_K = 6, 3  # a 3 × 3 convolution (no padding, stride 1) of a 6 × 6 image


def _q5_matrix() -> np.ndarray:
    return conv_as_matrix(np.arange(1, Q5_K * Q5_K + 1).reshape(Q5_K, Q5_K), (Q5_N, Q5_N))


def _check_q5(answer: Any) -> Result:
    if not (isinstance(answer, tuple) and len(answer) == 2):
        return failed("Give two numbers: `ex.q5.check(dense_free, zero_entries)`.")
    matrix = _q5_matrix()
    out_cells, in_pixels = matrix.shape  # 16 outputs, 36 inputs
    dense, zeros = matrix.size, int((matrix == 0).sum())
    got_dense, got_zeros = as_number(answer[0]), as_number(answer[1])
    for name, got in (("dense_free", got_dense), ("zero_entries", got_zeros)):
        if not isinstance(got, (int, float)):
            return failed(f"`{name}` should be a number, got {answer[0 if name == 'dense_free' else 1]!r}.")
    if got_dense != dense:
        why = {
            in_pixels * in_pixels: f"that is a {in_pixels} → {in_pixels} layer; without padding the output is "
                                   f"only {Q5_N - Q5_K + 1} × {Q5_N - Q5_K + 1} = {out_cells} cells.",
            Q5_K * Q5_K: "that is the convolution's count (its shared weights); a dense layer has one free number per entry.",
            out_cells * Q5_K * Q5_K: "that counts only the entries under a window; a dense layer may use every entry, "
                                     "also the ones the convolution keeps at zero.",
        }.get(got_dense, f"one free number per entry: (outputs) × (inputs), with {in_pixels} inputs.")
        return failed(f"`dense_free` should be {dense}, got {got_dense:g}: {why}")
    if got_zeros != zeros:
        why = {
            dense - Q5_K * Q5_K: "every row holds all nine weights (one window each), so there are "
                                 f"{out_cells} × 9 non-zero entries, not 9.",
            out_cells * Q5_K * Q5_K: "that is the number of non-zero entries; the question asks for the zeros.",
            in_pixels - Q5_K * Q5_K: "that is the zeros in one row; there is one row per output cell.",
        }.get(got_zeros, f"each of the {out_cells} rows has 9 weights and zeros for the other input pixels.")
        return failed(f"`zero_entries` should be {zeros}, got {got_zeros:g}: {why}")
    return passed(f"{dense} entries, {zeros} of them zero: only {dense - zeros} are weights, and they are nine "
                  f"numbers repeated {out_cells} times. The dense layer has {dense} free numbers, the convolution 9.")


q5 = Exercise(
    name="q5",
    title="The dense layer a 3×3 convolution of a 6×6 image is",
    checker=_check_q5,
    hints=[
        "First the output size without padding: ⌊(6 − 3) / 1⌋ + 1 per axis. The matrix has one row per "
        "output cell and one column per input pixel.",
        "A dense layer may set every entry: rows × columns free numbers. In the convolution's matrix each "
        "row holds the 9 kernel weights; the rest of the row is zero.",
    ],
    solution=f"dense_free = ({Q5_N} - {Q5_K} + 1) ** 2 * {Q5_N} ** 2\n"
             f"zero_entries = ({Q5_N} - {Q5_K} + 1) ** 2 * ({Q5_N} ** 2 - {Q5_K} ** 2)",
    answer_names=["dense_free", "zero_entries"],
    kind="prediction",
)
