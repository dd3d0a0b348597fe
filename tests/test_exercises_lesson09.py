"""Checkers of lesson 09: the reference solution passes, realistic mistakes fail, templates are not attempted."""

from __future__ import annotations

import torch

from helpers.exercises import lesson09 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, list_exercises
from helpers.models import CourseCNN, TutorialCNN, count_parameters


def solved(exercise) -> dict:
    ns: dict = {}
    exec(exercise.solution_code, ns)
    return ns


def test_q3_conv_params():
    answer = solved(ex.q3)["conv_params"]
    assert answer == count_parameters(CourseCNN().features[4])  # the layer the question names
    assert_passed(ex.q3, answer)
    assert_failed(ex.q3, 32 * 16 * 25, match="forgot the biases")
    assert_failed(ex.q3, 32 * 26, match="EVERY one of the 16 input channels")
    assert_failed(ex.q3, 16 * (16 * 25 + 1), match="32 filters")
    assert_failed(ex.q3, answer + 1)
    assert_unattempted(ex.q3, ...)


def test_q2_shape():
    answer = solved(ex.q2)["shape"]
    with torch.no_grad():
        assert answer == tuple(CourseCNN().features(torch.zeros(64, 1, 28, 28)).shape)
    assert_passed(ex.q2, answer)
    assert_passed(ex.q2, torch.Size(answer))
    assert_failed(ex.q2, (64, 32, 7, 7), match="no padding")
    assert_failed(ex.q2, (64, 16, 4, 4), match="32")
    assert_failed(ex.q2, (32, 4, 4), match="batch axis")
    assert_failed(ex.q2, (64, 4, 4, 32), match="wrong order")
    assert_unattempted(ex.q2, ...)


def test_q1_dense_params():
    answer = solved(ex.q1)["dense_params"]
    assert answer == count_parameters(TutorialCNN().classifier[1])
    assert_passed(ex.q1, answer)
    assert_failed(ex.q1, 32 * 13 * 13 * 100, match="biases")
    assert_failed(ex.q1, (32 * 26 * 26 + 1) * 100, match="pooling")
    assert_failed(ex.q1, (32 * 14 * 14 + 1) * 100, match="13×13")
    assert_unattempted(ex.q1, ...)


def test_every_exercise_is_tested():
    assert [e.name for e in list_exercises(ex)] == ["q3", "q2", "q1"]
