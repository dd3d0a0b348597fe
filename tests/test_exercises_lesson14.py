"""Checker tests for lesson 14: the reference passes, realistic mistakes fail with a pointed message."""

from __future__ import annotations

import numpy as np

from helpers.exercises import lesson14 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, solution_answers


def _solution(exercise):
    return solution_answers(exercise, np=np)[0]


def test_q1_reference_passes():
    assert_passed(ex.q1, _solution(ex.q1))


def test_q1_common_mistakes():
    assert_failed(ex.q1, 191, match="off by one")
    assert_failed(ex.q1, 200, match="shorter")
    assert_failed(ex.q1, 208, match="full")
    assert_failed(ex.q1, 192.5, match="whole number")  # 192.0 is the right count and passes (see below)


def test_q1_template_is_unattempted():
    assert_unattempted(ex.q1, ...)


def test_q2_reference_passes():
    assert_passed(ex.q2, _solution(ex.q2))


def test_q2_numpy_convolve_is_flipped():
    assert_failed(ex.q2, lambda s, k: np.convolve(s, k, mode="valid"), match="flipped")


def test_q2_correlate_valid_passes():
    # numpy's correlate is the same sliding dot product: a different correct answer
    assert_passed(ex.q2, lambda s, k: np.correlate(s, k, mode="valid"))


def test_q2_one_window_short():
    def short(signal, kernel):
        k = len(kernel)
        return np.array([np.dot(signal[i:i + k], kernel) for i in range(len(signal) - k)])

    assert_failed(ex.q2, short, match="one too few")


def test_q2_same_mode_has_wrong_length():
    assert_failed(ex.q2, lambda s, k: np.correlate(s, k, mode="same"), match="window must fit")


def test_q2_wrong_values():
    def no_multiply(signal, kernel):
        k = len(kernel)
        return np.array([signal[i:i + k].sum() for i in range(len(signal) - k + 1)])

    assert_failed(ex.q2, no_multiply, match="dot product")


def test_q2_template_is_unattempted():
    def sliding_dot(signal, kernel):
        ...

    assert_unattempted(ex.q2, sliding_dot)


def test_q1_accepts_the_right_length_as_any_numeric_type():
    import torch

    for answer in (192.0, np.int64(192), np.float32(192), np.array(192), torch.tensor(192)):
        assert_passed(ex.q1, answer)
    assert_failed(ex.q1, 191.0, match="off by one")
    assert_failed(ex.q1, 192.5, match="whole number")
