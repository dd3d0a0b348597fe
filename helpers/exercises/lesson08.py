"""Exercises for lesson 08 (Learning the filters).

q1 writes the kernel gradient of one 3 × 3 convolution with loops; q2 predicts where max
pooling sends its gradient; q3 learns another kernel (Sobel-y) by gradient descent; q4
predicts the receptive field of a stack and checks it with the helper.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.conv import KERNELS
from helpers.conv_backward import conv2d_backward, pool2d_backward
from helpers.exercises.compare import as_number
from helpers.exercises.core import Case, Exercise, Result, check_function, check_scalar, failed, passed
from helpers.receptive_field import receptive_field

# q1: the kernel gradient, written with loops ------------------------------------------


def _q1_cases() -> list[Case]:
    rng = np.random.default_rng(8)
    cases = []
    for shape in [(5, 5), (4, 6), (7, 5), (3, 3)]:
        image = rng.normal(size=shape)
        grad_output = rng.normal(size=(shape[0] - 2, shape[1] - 2))
        expected = conv2d_backward(image, np.zeros((3, 3)), grad_output)[1]
        cases.append(Case((image, grad_output), expected, label=f"conv_grad_kernel(image of shape {shape}, grad_output)"))
    return cases


def _q1_diagnose(answer: Any) -> Result | None:
    """Name a known mistake on the second case, or None."""
    case = _q1_cases()[1]
    image, grad_output = case.args
    try:
        got = np.asarray(answer(image.copy(), grad_output.copy()), dtype=float)
    except Exception:  # noqa: BLE001 - check_function's message says what went wrong
        return None
    expected = case.expected
    if got.shape != (3, 3):
        return None
    if np.allclose(got, expected[::-1, ::-1]):
        return failed("`conv_grad_kernel` is flipped upside down and left to right: weight (u, v) met pixel "
                      "(i + u, j + v) at output cell (i, j), so add grad_output[i, j] * image[i + u, j + v] — no flip.")
    if np.allclose(got, expected.T):
        return failed("`conv_grad_kernel` is transposed: its first index is the row offset u, its second the column offset v.")
    if np.allclose(got, expected / grad_output.size):
        return failed("`conv_grad_kernel` is the mean over output cells; the gradient is their sum "
                      "(every cell's loss share adds up).")
    if np.allclose(got, grad_output[0, 0] * image[:3, :3]):
        return failed("`conv_grad_kernel` holds only the first output cell's share: add up "
                      "grad_output[i, j] * window over every output cell (i, j).")
    return None


def _check_q1(answer: Any) -> Result:
    result = check_function(answer, _q1_cases(), name="conv_grad_kernel")
    if result.status != "failed":
        return result
    return _q1_diagnose(answer) or result


q1 = Exercise(
    name="q1",
    title="Write conv_grad_kernel(image, grad_output) for one 3×3 valid convolution",
    checker=_check_q1,
    hints=[
        "Output cell (i, j) was sum(image[i:i+3, j:j+3] * kernel). Its gradient g = grad_output[i, j] "
        "reaches weight (u, v) times the pixel that weight multiplied: image[i + u, j + v].",
        "Start from `grad = np.zeros((3, 3))`; loop over every output cell (i, j) and add "
        "`grad_output[i, j] * image[i:i+3, j:j+3]`.",
    ],
    solution='''
def conv_grad_kernel(image, grad_output):
    grad = np.zeros((3, 3))
    for i in range(grad_output.shape[0]):
        for j in range(grad_output.shape[1]):
            grad += grad_output[i, j] * image[i : i + 3, j : j + 3]
    return grad
''',
    answer_names=["conv_grad_kernel"],
    signature="conv_grad_kernel(image, grad_output)",
)


# q2: where does max pooling's gradient go? (predict, then run) -------------------------

# 2×2 max pooling with stride 1 (overlapping windows) on this map, upstream gradient all ones.
Q2_X = np.array([[1, 2, 0, 3],
                 [4, 9, 1, 2],
                 [0, 5, 8, 1],
                 [2, 1, 7, 10]], dtype=float)


def q2_expected() -> tuple[int, float]:
    """(pixels with a non-zero gradient, the gradient of the pixel holding 9) for Q2_X."""
    grad = pool2d_backward(Q2_X, np.ones((3, 3)), size=2, stride=1, mode="max")
    return int((grad != 0).sum()), float(grad[Q2_X == 9][0])


def _check_q2(answer: Any) -> Result:
    nonzero, at_nine = q2_expected()
    if not isinstance(answer, tuple) or len(answer) != 2:
        return failed("Check two numbers: `ex.q2.check(nonzero, grad_at_9)`.")
    got_nonzero, got_nine = as_number(answer[0]), as_number(answer[1])
    if got_nonzero == 9:
        return failed("`nonzero` = 9 counts one pixel per window; but one pixel can win several overlapping "
                      "windows. Which pixels win at least one?")
    if got_nonzero == 16:
        return failed("`nonzero` = 16 is what average pooling would do (every pixel of every window gets a "
                      "share); max pooling passes each window's gradient to its winner only.")
    result = check_scalar(answer[0], nonzero, name="nonzero")
    if not result.ok:
        return result
    if got_nine in (1, 0.25):
        return failed(f"`grad_at_9` = {answer[1]}: the 9 is the largest value of several windows, and it "
                      "collects a full 1 from each window it wins.")
    result = check_scalar(answer[1], at_nine, name="grad_at_9")
    if not result.ok:
        return result
    return passed(f"{nonzero} pixels get a gradient; the 9 wins {int(at_nine)} windows and collects "
                  f"{int(at_nine)}. The gradients add up to 9, one per window.")


q2 = Exercise(
    name="q2",
    title="Predict where max pooling sends its gradient",
    checker=_check_q2,
    hints=[
        "List the nine 2×2 windows (stride 1) and circle the largest value of each; only the circled "
        "pixels get a gradient, 1 per window they win.",
        "The 9 is the largest in all four windows around it; 8 wins two windows; 3, 5 and 10 win one each.",
    ],
    solution="nonzero = 5\ngrad_at_9 = 4",
    answer_names=["nonzero", "grad_at_9"],
    kind="prediction",
)


# q3: learn another kernel ----------------------------------------------------------------

Q3_TOLERANCE = 5e-2


def _check_q3(answer: Any) -> Result:
    target, sobel_x = KERNELS["sobel y"], KERNELS["sobel x"]
    if not isinstance(answer, np.ndarray) or answer.shape != (3, 3):
        return failed(f"`learned` should be the 3×3 numpy array `history_y.kernel`, got {type(answer).__name__}"
                      + (f" of shape {answer.shape}" if isinstance(answer, np.ndarray) else "") + ".")
    learned = answer.astype(float)
    if np.array_equal(learned, target):
        return failed("`learned` is the target kernel itself, typed in: let gradient descent find it "
                      "(`learn_kernel(...)`, then `.kernel`).")
    error = float(np.abs(learned - target).max())
    if np.abs(learned - sobel_x).max() < Q3_TOLERANCE:
        return failed("`learned` is Sobel-x again: the targets must come from Sobel-y, "
                      "`sobel_pairs(digits, kernel=KERNELS['sobel y'])`.")
    if np.abs(learned + target).max() < Q3_TOLERANCE:
        return failed("`learned` is Sobel-y with the sign flipped: were the targets negated?")
    if error < Q3_TOLERANCE:
        return passed(f"Learned Sobel-y: largest weight error ≈ {error:.3g}. Only the targets changed; "
                      "the descent is the same.")
    if error < 1.0:
        return failed(f"`learned` is on its way to Sobel-y but not there (largest error ≈ {error:.2g}): "
                      "is it the last kernel (`history_y.kernel`), with the default steps and learning rate?")
    return failed(f"`learned` is far from Sobel-y (largest error ≈ {error:.2g}): is it the learned kernel "
                  "(`history_y.kernel`), not the random start (`history_y.kernels[0]`)?")


q3 = Exercise(
    name="q3",
    title="Learn the Sobel-y kernel from (digit, Sobel-y(digit)) pairs",
    checker=_check_q3,
    hints=[
        "Only the targets change: make them with `sobel_pairs(digits, kernel=KERNELS['sobel y'])`, "
        "then run `learn_kernel(digits, targets_y)`.",
        "`history_y = learn_kernel(digits, sobel_pairs(digits, kernel=KERNELS['sobel y']))`, then "
        "`learned = history_y.kernel`.",
    ],
    solution='''
targets_y = sobel_pairs(digits, kernel=KERNELS["sobel y"])
history_y = learn_kernel(digits, targets_y)
learned = history_y.kernel
''',
    answer_names=["learned"],
)


# q4: the receptive field of a stack (predict, then check) ------------------------------

# conv 3×3 (padding 1) → conv 3×3 (padding 1) → max pool 2×2, stride 2 → conv 3×3 (padding 1)
Q4_STACK = [("conv", 3, 1, 1), ("conv", 3, 1, 1), ("pool", 2, 2, 0), ("conv", 3, 1, 1)]


def q4_expected() -> int:
    """The receptive-field size (per side) of one cell after the last layer of Q4_STACK."""
    return receptive_field(Q4_STACK)[-1].size


def _check_q4(answer: Any) -> Result:
    expected = q4_expected()
    value = as_number(answer)
    if value == 8:
        return failed("`rf_size` = 8 adds k − 1 for every layer as if each stepped one pixel; after the "
                      "stride-2 pooling, neighbouring cells are 2 input pixels apart, so the last 3×3 "
                      "convolution adds (3 − 1) · 2.")
    if value == 11:
        return failed("`rf_size` = 11 adds up the kernel sizes; each layer adds (k − 1) · jump, "
                      "starting from 1 pixel.")
    if value == 6:
        return failed("`rf_size` = 6 is the receptive field after the pooling; the last convolution widens it again.")
    result = check_scalar(answer, expected, name="rf_size")
    if result.ok:
        return passed(f"`rf_size` = {expected}: 1 → 3 → 5 → 6 (jump becomes 2) → 6 + 2·2 = {expected}.")
    return result


q4 = Exercise(
    name="q4",
    title="Predict the receptive field of a four-layer stack",
    checker=_check_q4,
    hints=[
        "Start with size 1 and jump 1. Each layer: size += (k − 1) · jump, then jump *= stride. "
        "Padding moves the start, not the size.",
        "3 × 3: 1 → 3, then 5; 2 × 2 pool: 5 + 1 = 6, jump 2; last 3 × 3: 6 + 2 · 2.",
    ],
    solution="rf_size = 10",
    answer_names=["rf_size"],
    kind="prediction",
)
