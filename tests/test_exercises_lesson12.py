"""Checker tests for lesson 12: the reference passes, realistic mistakes fail with a pointed message."""

from __future__ import annotations

import torch

from helpers.exercises import lesson12 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, solution_answers


def _solution(exercise):
    return solution_answers(exercise, torch=torch)[0]


def test_q1_reference_passes():
    assert_passed(ex.q1, _solution(ex.q1))
    assert_passed(ex.q1, 38_720)


def test_q1_common_mistakes():
    assert_failed(ex.q1, 36_928, match="second layer alone")
    assert_failed(ex.q1, 1_792, match="first layer alone")
    assert_failed(ex.q1, 38_592, match="biases")
    assert_failed(ex.q1, 73_856, match="both layers as 64 → 64")
    assert_failed(ex.q1, 3_584, match="both layers as 3 → 64")
    assert_failed(ex.q1, 1_280, match="input channels")
    assert_failed(ex.q1, 38_721, match="38720")
    assert_failed(ex.q1, "38720", match="whole number")
    assert_failed(ex.q1, 38_720.5, match="whole number")


def test_q1_template_is_unattempted():
    assert_unattempted(ex.q1, ...)


def test_q3_reference_passes():
    assert_passed(ex.q3, _solution(ex.q3))


def test_q3_common_mistakes():
    assert_failed(ex.q3, 48, match="only the new maps")
    assert_failed(ex.q3, 36, match="one layer")
    assert_failed(ex.q3, 24, match="residual")
    assert_failed(ex.q3, 100)


def test_q3_template_is_unattempted():
    assert_unattempted(ex.q3, ...)


def test_q2_reference_passes():
    assert_passed(ex.q2, _solution(ex.q2))


def test_q2_common_mistakes():
    assert_failed(ex.q2, lambda x: x.mean(dim=(2, 3), keepdim=True), match="size-1")
    assert_failed(ex.q2, lambda x: x.mean(dim=1), match="channels")
    assert_failed(ex.q2, lambda x: x.mean(dim=2), match="one spatial axis")
    assert_failed(ex.q2, lambda x: x.amax(dim=(2, 3)), match="max")
    assert_failed(ex.q2, lambda x: x.sum(dim=(2, 3)), match="sum")
    assert_failed(ex.q2, lambda x: None, match="return")


def test_q2_template_is_unattempted():
    def global_avg_pool(x):
        ...

    assert_unattempted(ex.q2, global_avg_pool)


def test_q1_accepts_the_right_count_as_any_numeric_type():
    import numpy as np

    for answer in (np.int64(38720), np.int32(38720), 38720.0, np.float32(38720), torch.tensor(38720), np.array(38720)):
        assert_passed(ex.q1, answer)
    assert_failed(ex.q1, 38720.5, match="whole number")
