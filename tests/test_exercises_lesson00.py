"""Checkers of lesson 00: the reference solution passes, realistic mistakes fail, templates are not attempted."""

from __future__ import annotations

import pytest

from helpers.exercises import lesson00 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, list_exercises


def solved(exercise) -> dict:
    """Run an exercise's reference solution and return the names it defines."""
    ns: dict = {}
    exec(exercise.solution_code, ns)
    return ns


def test_q1_pixels_per_digit():
    assert_passed(ex.q1, solved(ex.q1)["pixels_per_digit"])
    assert_passed(ex.q1, 784.0)
    assert_failed(ex.q1, 56, match="added")
    assert_failed(ex.q1, 28, match="one side")
    assert_failed(ex.q1, 785, match="Off by one")
    assert_failed(ex.q1, "784", match="without quotes")
    assert_unattempted(ex.q1, ...)


def test_q2_pixel_count():
    assert_passed(ex.q2, solved(ex.q2)["pixel_count"])

    def ignores_channels(height, width, channels=1):
        return height * width

    def no_channels(height, width):
        return height * width

    def adds(height, width, channels=1):
        return height + width + channels

    def template(height, width, channels=1):
        ...

    assert_failed(ex.q2, ignores_channels, match="channels=3.*921600, got 307200")
    # The check calls pixel_count(600, 512, channels=3): a function without `channels` cannot work.
    assert_failed(ex.q2, no_channels, match=r"callable as `pixel_count\(height, width, channels=1\)`, with 2 arguments, and `channels=` by name too; yours is `pixel_count\(height, width\)`")
    assert_failed(ex.q2, adds, match="Case 1")
    assert_failed(ex.q2, 784, match="should be a function")
    assert_unattempted(ex.q2, template)
    assert_unattempted(ex.q2, ...)


@pytest.mark.parametrize("exercise", list_exercises(ex), ids=lambda e: e.name)
def test_every_solution_defines_its_names(exercise):
    ns = solved(exercise)
    assert all(name in ns for name in exercise.answer_names)
