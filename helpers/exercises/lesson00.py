"""Exercises for lesson 00 (Start here): two small demos of how checks, hints and solutions work."""

from __future__ import annotations

from typing import Any

from helpers.exercises.core import Case, Exercise, Result, as_number, check_function, check_scalar, failed


def _check_q1(answer: Any) -> Result:
    value = as_number(answer)
    if value == 56:
        return failed("56 is 28 + 28: the sides were added. A grid has rows × columns cells.")
    if value == 28:
        return failed("28 is one side of the square. How many cells does the whole grid have?")
    return check_scalar(answer, 28 * 28, name="pixels_per_digit")


q1 = Exercise(
    name="q1",
    title="How many pixels does one 28 × 28 digit have?",
    checker=_check_q1,
    hints=[
        "The image is a square grid: 28 rows, each with 28 pixels.",
        "Multiply the number of rows by the number of columns: `28 * 28`.",
    ],
    solution="pixels_per_digit = 28 * 28",
    answer_names=["pixels_per_digit"],
    kind="prediction",
)


def _check_q2(answer: Any) -> Result:
    cases = [
        Case((28, 28), 784),
        Case((2, 3), 6, label="pixel_count(2, 3)"),
        Case((600, 512), 600 * 512),
        Case((600, 512), 600 * 512 * 3, kwargs={"channels": 3}, label="pixel_count(600, 512, channels=3)"),
    ]
    return check_function(answer, cases, name="pixel_count")


q2 = Exercise(
    name="q2",
    title="Write a function that counts the numbers in an image",
    checker=_check_q2,
    hints=[
        "A grey image has one number per pixel; a colour image has one per pixel and per channel.",
        "Return `height * width * channels`; `channels` already defaults to 1.",
    ],
    solution='''def pixel_count(height, width, channels=1):
    """How many numbers an image of this size holds."""
    return height * width * channels''',
    answer_names=["pixel_count"],
    signature="pixel_count(height, width, channels=1)",
)
