"""Checkers of lesson 06: the reference solution passes, realistic mistakes fail with a useful message."""

from __future__ import annotations

import numpy as np

from helpers.conv import conv2d
from helpers.exercises import lesson06 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, solution_answers


def solution(exercise):
    return solution_answers(exercise, np=np, conv2d=conv2d)[0]


def test_q1_output_size():
    assert_passed(ex.q1, solution(ex.q1))
    assert_passed(ex.q1, 13)
    assert_failed(ex.q1, 12, match="padding")
    assert_failed(ex.q1, 13.5, match="round down")
    assert_failed(ex.q1, 14, match="rounds up")
    assert_failed(ex.q1, 26, match="stride")
    assert_failed(ex.q1, "13", match="number")
    assert_unattempted(ex.q1, ...)


def test_q2_my_conv2d():
    assert_passed(ex.q2, solution(ex.q2))
    assert_passed(ex.q2, lambda image, kernel, stride=1, padding=0: conv2d(image, kernel, stride, padding))

    def flipped(image, kernel, stride=1, padding=0):
        return conv2d(image, kernel[::-1, ::-1], stride, padding)

    def ignores_stride(image, kernel, stride=1, padding=0):
        return conv2d(image, kernel, 1, padding)

    def ignores_padding(image, kernel, stride=1, padding=0):
        return conv2d(image, kernel, stride, 0)

    def no_return(image, kernel, stride=1, padding=0):
        conv2d(image, kernel, stride, padding)

    assert_failed(ex.q2, flipped, match="flips the kernel")
    assert_failed(ex.q2, ignores_stride, match="shape")
    assert_failed(ex.q2, ignores_padding, match="shape")
    assert_failed(ex.q2, no_return, match="return")
    assert_failed(ex.q2, np.zeros((3, 3)), match="function")

    def template(image, kernel, stride=1, padding=0):
        ...  # your code here

    assert_unattempted(ex.q2, template)


def test_q3_parameter_count():
    assert_passed(ex.q3, solution(ex.q3))
    assert_failed(ex.q3, 16 * 3 * 25, match="bias")
    assert_failed(ex.q3, 16 * 25 + 16, match="input channel")
    assert_failed(ex.q3, 3 * 25 + 1, match="one filter")
    assert_failed(ex.q3, 16 * 3 * 25 + 48, match="one bias per filter")
    assert_unattempted(ex.q3, ...)


def test_q4_true_convolution():
    assert_passed(ex.q4, solution(ex.q4))
    assert_failed(ex.q4, lambda image, kernel: conv2d(image, kernel), match="flip the kernel")
    assert_failed(ex.q4, lambda image, kernel: conv2d(image, kernel[::-1]), match="differ")

    def template(image, kernel):
        ...

    assert_unattempted(ex.q4, template)
