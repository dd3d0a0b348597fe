"""Exercises for lesson 01 (Pixels as arrays).

The notebook calls the MNIST training images ``images`` and their labels ``labels``
(from ``helpers.data.load_mnist("train")``); the expected answers are computed from
the same data, never typed in.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from helpers.data import load_mnist
from helpers.exercises.core import (
    Case,
    Exercise,
    Failed,
    Result,
    as_number,
    check_array,
    check_function,
    check_scalar,
    check_shape,
    failed,
    passed,
)


@lru_cache(maxsize=1)
def _mnist_train() -> tuple[np.ndarray, np.ndarray]:
    return load_mnist("train")


def _as_int(answer: Any, name: str) -> int:
    """A whole number from an int, numpy integer or one-element array; raise Failed otherwise."""
    r = check_scalar(answer, 0, name=name, atol=float("inf"))
    if r.status != "passed":
        raise Failed(r.message)
    return int(as_number(answer))


# q1: the brightest pixel ---------------------------------------------------------


def _check_q1(answer: Any) -> Result:
    digit = _mnist_train()[0][0]
    expected = int(digit.max())
    value = as_number(answer)
    if isinstance(value, float) and 0 < value <= 1:
        return failed(f"`brightest` should be {expected}, got {value:g}: the stored pixels are whole "
                      "numbers from 0 to 255 (uint8), not fractions between 0 and 1.")
    if value == 0:
        return failed("0 is the background (no ink). The brightest pixel is the one with the most ink: "
                      "its value is the maximum.")
    return check_scalar(answer, expected, name="brightest")


q1 = Exercise(
    name="q1",
    title="The value of the brightest pixel in the first digit",
    checker=_check_q1,
    hints=[
        "MNIST stores ink as large numbers and background as 0. What is the largest value a uint8 can hold?",
        "Look it up in the array: `images[0].max()`.",
    ],
    solution="brightest = int(images[0].max())",
    answer_names=["brightest"],
    kind="prediction",
)


# q2: counting ink pixels ------------------------------------------------------------


def _check_q2(answer: Any) -> Result:
    if isinstance(answer, np.ndarray) and answer.dtype == np.bool_:
        return failed(f"`ink_pixels` is a boolean mask of shape {answer.shape}; count its True values with `.sum()`.")
    got = _as_int(answer, "ink_pixels")
    digit = _mnist_train()[0][0]
    expected = int((digit > 0).sum())
    n = digit.size
    if got == n - expected:
        return failed(f"`ink_pixels` should be {expected}, got {got}: that is the number of background pixels "
                      "(value 0). Count the pixels with value > 0.")
    if got == n:
        return failed(f"`ink_pixels` should be {expected}, got {got}: that is every pixel of the 28 × 28 image. "
                      "Count only the pixels with value > 0.")
    for threshold in (127, 128, 254, 255):
        if got == int((digit > threshold).sum()) or got == int((digit >= threshold).sum()):
            return failed(f"`ink_pixels` should be {expected}, got {got}: that counts only the bright pixels. "
                          "Any value above 0 is ink, however faint.")
    if got == int(digit.sum()):
        return failed(f"`ink_pixels` should be {expected}, got {got}: that adds up the pixel values. "
                      "Count the pixels instead: `(images[0] > 0).sum()`.")
    return check_scalar(got, expected, name="ink_pixels")


q2 = Exercise(
    name="q2",
    title="How many ink pixels (value > 0) does the first digit have?",
    checker=_check_q2,
    hints=[
        "`images[0] > 0` is an array of True/False values, one per pixel.",
        "True counts as 1 when summed: `int((images[0] > 0).sum())`.",
    ],
    solution="ink_pixels = int((images[0] > 0).sum())",
    answer_names=["ink_pixels"],
)


# q3: a batch for PyTorch ------------------------------------------------------------


def _check_q3(answer: Any) -> Result:
    if isinstance(answer, (tuple, list)) and tuple(answer) == (64, 28, 28, 1):
        return failed("`batch_shape` should be (64, 1, 28, 28), got (64, 28, 28, 1): that is the "
                      "height × width × channels order. PyTorch puts the channel axis before height and width.")
    return check_shape(answer, (64, 1, 28, 28), name="batch_shape")


q3 = Exercise(
    name="q3",
    title="The shape of a PyTorch batch of 64 grey digits",
    checker=_check_q3,
    hints=[
        "PyTorch wants (batch, channels, height, width). How many channels does a grey image have?",
        "A grey digit has one channel, so the answer has four numbers: 64, 1, 28 and 28 (in some order).",
    ],
    solution="batch_shape = (64, 1, 28, 28)",
    answer_names=["batch_shape"],
    kind="prediction",
)


# q4: HWC to CHW -------------------------------------------------------------------


def _check_q4(answer: Any) -> Result:
    rng = np.random.default_rng(1)
    cases = []
    for h, w in ((4, 5), (2, 2), (600, 512)):
        img = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        cases.append(Case((img,), np.ascontiguousarray(img.transpose(2, 0, 1)),
                          label=f"to_chw(image of shape {(h, w, 3)})", compare=_compare_chw))
    return check_function(answer, cases, name="to_chw")


def _compare_chw(got: Any, expected: np.ndarray) -> Result:
    """Like check_array, but names the `reshape` mistake: right shape, scrambled picture."""
    if isinstance(got, np.ndarray) and got.shape == expected.shape and not np.array_equal(got, expected):
        original = expected.transpose(1, 2, 0)
        if np.array_equal(got, original.reshape(expected.shape)):
            return failed("the shape is right but the picture is scrambled: `reshape` keeps the numbers in "
                          "their memory order. Move the axis instead with `transpose(2, 0, 1)`.")
    return check_array(got, expected, name="to_chw(image)", check_dtype=True)


q4 = Exercise(
    name="q4",
    title="Convert a colour image from (H, W, 3) to PyTorch's (3, H, W)",
    checker=_check_q4,
    hints=[
        "The pixel values must not change, only the order of the axes: axis 2 (channels) goes first.",
        "`reshape` would keep the numbers in memory order and scramble the picture; use "
        "`image.transpose(2, 0, 1)` (or `np.moveaxis(image, -1, 0)`).",
    ],
    solution='''def to_chw(image):
    """(H, W, C) -> (C, H, W), the same pixels with the channel axis first."""
    return image.transpose(2, 0, 1)''',
    answer_names=["to_chw"],
    signature="to_chw(image)",
)


# q5: which digit uses the most ink (predict, then compute) -------------------------


def _ink_per_digit() -> np.ndarray:
    """(10,) mean number of inked pixels (value > 0) per training image of each digit."""
    images, labels = _mnist_train()
    ink = (images > 0).sum(axis=(1, 2))
    return np.array([ink[labels == d].mean() for d in range(10)])


def _check_q5(answer: Any) -> Result:
    ink = _ink_per_digit()
    if isinstance(answer, str):
        return failed(f"`inkiest_digit` should be a number from 0 to 9, got the text {answer!r}.")
    got = _as_int(answer, "inkiest_digit")
    if not 0 <= got <= 9:
        if abs(got - ink.max()) < 1:
            return failed(f"{got} is how many pixels the inkiest digit uses on average. Give the digit itself "
                          "(the position of the largest average).")
        return failed(f"`inkiest_digit` should be a digit from 0 to 9, got {got}.")
    expected = int(ink.argmax())
    if got == int(ink.argmin()):
        return failed(f"{got} is the digit with the *least* ink ({ink[got]:.0f} pixels on average): "
                      "you may have taken the smallest average instead of the largest.")
    if got != expected:
        return failed(f"Digit {got} uses {ink[got]:.0f} inked pixels on average; another digit uses more. "
                      "Average the ink of each digit's images separately, then take the largest.")
    return passed(f"Digit {expected} uses the most ink: {ink[expected]:.0f} pixels on average, against "
                  f"{ink.min():.0f} for digit {int(ink.argmin())}. Was your guess right? A closed loop drawn "
                  "wide covers more pixels than a single stroke.")


q5 = Exercise(
    name="q5",
    title="Which digit uses the most ink?",
    checker=_check_q5,
    hints=[
        "For every image count its inked pixels (`images > 0`, summed over rows and columns), then average "
        "those counts separately for each label.",
        "`ink = (images > 0).sum(axis=(1, 2))`, then `[ink[labels == d].mean() for d in range(10)]` and "
        "`np.argmax` of that list.",
    ],
    solution='''ink = (images > 0).sum(axis=(1, 2))
inkiest_digit = int(np.argmax([ink[labels == d].mean() for d in range(10)]))''',
    answer_names=["inkiest_digit"],
    kind="prediction",
)
