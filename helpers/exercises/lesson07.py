"""Exercises for lesson 07 (ReLU and pooling).

The notebook builds ``feature_map`` as the Sobel-x response of the first MNIST test
digit (``conv2d(digit, KERNELS["sobel x"])``); :func:`lesson_feature_map` builds the
same array here so the checks compare against it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from helpers.conv import KERNELS, conv2d, output_size, pool2d
from helpers.data import load_mnist
from helpers.exercises.core import (
    Case,
    Exercise,
    Result,
    check_array,
    check_function,
    check_shape,
    failed,
    passed,
)


@lru_cache(maxsize=1)
def lesson_feature_map() -> np.ndarray:
    """(26, 26) float64: the first MNIST test digit filtered with the Sobel-x kernel."""
    digit = load_mnist("test")[0][0].astype(np.float64) / 255.0
    return conv2d(digit, KERNELS["sobel x"])


# q1: the rectified feature map ---------------------------------------------------------


def _check_q1(answer: Any) -> Result:
    fmap = lesson_feature_map()
    expected = np.maximum(fmap, 0)
    if isinstance(answer, np.ndarray) and answer.shape == fmap.shape:
        if np.allclose(answer, np.abs(fmap)):
            return failed("`rectified` holds absolute values: ReLU sets negative values to 0, it does not flip their sign.")
        if np.allclose(answer, np.minimum(fmap, 0)):
            return failed("`rectified` keeps the negative values and zeroes the positive ones: it is the other way round.")
        if answer.dtype == np.bool_:
            return failed("`rectified` is a True/False mask; ReLU keeps the positive *values*: `np.maximum(feature_map, 0)`.")
    return check_array(answer, expected, name="rectified")


q1 = Exercise(
    name="q1",
    title="Apply ReLU to the feature map",
    checker=_check_q1,
    hints=["ReLU(x) = max(x, 0), applied to every value on its own.", "`np.maximum(feature_map, 0)`"],
    solution="rectified = np.maximum(feature_map, 0)",
    answer_names=["rectified"],
)


# q2: max pooling written by the student ----------------------------------------------


def _q2_cases() -> list[Case]:
    rng = np.random.default_rng(7)
    cases = []
    for shape in [(4, 4), (6, 8), (5, 7), (2, 2)]:
        x = rng.integers(-9, 10, shape).astype(float)
        cases.append(Case((x,), pool2d(x, 2, mode="max"), label=f"max_pool_2x2(x of shape {shape})"))
    return cases


def _check_q2(answer: Any) -> Result:
    result = check_function(answer, _q2_cases(), name="max_pool_2x2")
    if result.status != "failed":
        return result
    x = _q2_cases()[1].args[0]
    try:
        got = np.asarray(answer(x.copy()))
    except Exception:  # noqa: BLE001 - the message of check_function says what went wrong
        return result
    if got.shape == (5, 7) and np.allclose(got, pool2d(x, 2, stride=1)):
        return failed("`max_pool_2x2` moves the window one pixel at a time. Use stride 2: "
                      "windows side by side, so a 6×8 input gives 3×4.")
    if got.shape == (3, 4) and np.allclose(got, pool2d(x, 2, mode="avg")):
        return failed("`max_pool_2x2` averages each window; max pooling keeps the largest value.")
    if got.shape == (3, 4) and np.allclose(got, pool2d(x, 2, mode="min")):
        return failed("`max_pool_2x2` keeps the smallest value of each window; it should keep the largest.")
    return result


q2 = Exercise(
    name="q2",
    title="Write max_pool_2x2(x): 2×2 windows, stride 2",
    checker=_check_q2,
    hints=[
        "The output has H // 2 rows and W // 2 columns; cell (i, j) is the max of x[2i:2i+2, 2j:2j+2]. "
        "An odd last row or column is dropped.",
        "Two loops over i and j, or without loops: crop to an even size, reshape to "
        "(H//2, 2, W//2, 2) and take `.max(axis=(1, 3))`.",
    ],
    solution='''
def max_pool_2x2(x):
    h, w = x.shape[0] // 2, x.shape[1] // 2
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            out[i, j] = x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2].max()
    return out
''',
    answer_names=["max_pool_2x2"],
    signature="max_pool_2x2(x)",
)


# q3: what shape comes out of a conv -> ReLU -> pool stack? ------------------------------

# Block 1: 16 filters of 3×3 with padding 1 ("same"), ReLU, 2×2 max pooling;
# block 2: 24 filters of 3×3 without padding, ReLU, 2×2 max pooling. Not the stack the
# lesson prints, so the answer has to be worked out.
Q3_BLOCKS = ((16, 3, 1), (24, 3, 0))  # (filters, kernel size, padding)
Q3_POOL = 2


def q3_expected() -> tuple[int, int, int]:
    """(F, H, W) after the two blocks of ``Q3_BLOCKS`` on a (1, 28, 28) digit: (24, 6, 6)."""
    side = 28
    for _, k, pad in Q3_BLOCKS:
        side = output_size(side, k, 1, pad)
        side = output_size(side, Q3_POOL, Q3_POOL)
    return (Q3_BLOCKS[-1][0], side, side)


def _check_q3(answer: Any) -> Result:
    expected = q3_expected()
    if isinstance(answer, (tuple, list)) and len(answer) == 3:
        got = tuple(answer)
        if got == (24, 5, 5):
            return failed(f"`shape_after` should be {expected}, got {got}: the first convolution has padding 1, "
                          "so it keeps 28 × 28 (it does not trim the border).")
        if got == (24, 12, 12):
            return failed(f"`shape_after` should be {expected}, got {got}: that is after the second convolution; "
                          "its pooling halves height and width once more.")
        if got == (16, 6, 6) or got == (40, 6, 6):
            return failed(f"`shape_after` should be {expected}, got {got}: the channels are the number of filters "
                          "of the last convolution only (24); earlier channels are its input, not its output.")
        if got == (24, 7, 7):
            return failed(f"`shape_after` should be {expected}, got {got}: without padding the second 3×3 "
                          "convolution trims one pixel on each side (14 → 12) before pooling.")
    result = check_shape(answer, expected, name="shape_after")
    return passed(f"`shape_after` = {expected}: 28 → 28 (3×3, padding 1) → 14 (pool) → 12 (3×3, no padding) "
                  "→ 6 (pool), with 24 channels from the last convolution.") if result.ok else result


q3 = Exercise(
    name="q3",
    title="Shape after two conv → ReLU → pool blocks on a (1, 28, 28) digit",
    checker=_check_q3,
    hints=[
        "Go one layer at a time: output = (input + 2·padding − kernel) // stride + 1 for each convolution; "
        "ReLU changes no shape; each 2×2 pooling halves height and width (rounding down).",
        "28 + 2 − 3 + 1 = 28, then 14; 14 − 3 + 1 = 12, then 6; the last convolution has 24 filters.",
    ],
    solution="shape_after = (24, 6, 6)",
    answer_names=["shape_after"],
    kind="prediction",
)
