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
    from helpers.data import load_mnist

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
)


# q3: what shape comes out of a conv -> ReLU -> pool stack? ------------------------------

Q3_FILTERS, Q3_K, Q3_POOL = 32, 3, 2


def q3_expected() -> tuple[int, int, int]:
    """(F, H, W) after conv (32 filters, 3×3, no padding) → ReLU → 2×2 max pooling on (1, 28, 28)."""
    side = output_size(28, Q3_K)  # 26
    side = output_size(side, Q3_POOL, Q3_POOL)  # 13
    return (Q3_FILTERS, side, side)


def _check_q3(answer: Any) -> Result:
    expected = q3_expected()
    if isinstance(answer, (tuple, list)) and len(answer) == 3:
        got = tuple(answer)
        if got == (Q3_FILTERS, 26, 26):
            return failed(f"`shape_after` should be {expected}, got {got}: that is after the convolution; "
                          "pooling then halves the height and width.")
        if got == (1, 13, 13):
            return failed(f"`shape_after` should be {expected}, got {got}: each of the {Q3_FILTERS} filters "
                          "gives its own feature map, so there are 32 channels.")
        if got == (Q3_FILTERS, 14, 14):
            return failed(f"`shape_after` should be {expected}, got {got}: without padding a 3×3 kernel "
                          "trims one pixel on each side (28 → 26) before pooling.")
    result = check_shape(answer, expected, name="shape_after")
    return passed(f"`shape_after` = {expected}: 28 → 26 (3×3 conv, no padding) → 13 (2×2 pooling); "
                  f"ReLU keeps the shape.") if result.ok else result


q3 = Exercise(
    name="q3",
    title="Shape after conv (32 filters, 3×3) → ReLU → 2×2 max pooling on a (1, 28, 28) digit",
    checker=_check_q3,
    hints=[
        "Go one layer at a time: the convolution sets the number of channels and trims the border; "
        "ReLU changes no shape; pooling divides height and width by 2.",
        "28 − 3 + 1 = 26, then 26 // 2 = 13, with 32 channels.",
    ],
    solution="shape_after = (32, 13, 13)",
    answer_names=["shape_after"],
    kind="prediction",
)
