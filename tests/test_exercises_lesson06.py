"""Checkers of lesson 06: the reference solution passes, realistic mistakes fail with a useful message."""

from __future__ import annotations

import numpy as np

from helpers.conv import conv2d
from helpers.exercises import lesson06 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, solution_answers


def solution(exercise):
    return solution_answers(exercise, np=np, conv2d=conv2d)[0]


def test_q2_output_size():
    assert_passed(ex.q2, solution(ex.q2))
    assert_passed(ex.q2, 13)
    assert_failed(ex.q2, 12, match="padding")
    assert_failed(ex.q2, 13.5, match="round down")
    assert_failed(ex.q2, 14, match="rounds up")
    assert_failed(ex.q2, 26, match="stride")
    assert_failed(ex.q2, "13", match="number")
    assert_unattempted(ex.q2, ...)


def test_q3_my_conv2d():
    assert_passed(ex.q3, solution(ex.q3))
    assert_passed(ex.q3, lambda image, kernel, stride=1, padding=0: conv2d(image, kernel, stride, padding))

    def flipped(image, kernel, stride=1, padding=0):
        return conv2d(image, kernel[::-1, ::-1], stride, padding)

    def ignores_stride(image, kernel, stride=1, padding=0):
        return conv2d(image, kernel, 1, padding)

    def ignores_padding(image, kernel, stride=1, padding=0):
        return conv2d(image, kernel, stride, 0)

    def no_return(image, kernel, stride=1, padding=0):
        conv2d(image, kernel, stride, padding)

    assert_failed(ex.q3, flipped, match="flips the kernel")
    assert_failed(ex.q3, ignores_stride, match="shape")
    assert_failed(ex.q3, ignores_padding, match="shape")
    assert_failed(ex.q3, no_return, match="return")
    assert_failed(ex.q3, np.zeros((3, 3)), match="function")

    def template(image, kernel, stride=1, padding=0):
        ...  # your code here

    assert_unattempted(ex.q3, template)


def test_q4_parameter_count():
    assert_passed(ex.q4, solution(ex.q4))
    assert_failed(ex.q4, 16 * 3 * 25, match="bias")
    assert_failed(ex.q4, 16 * 25 + 16, match="input channel")
    assert_failed(ex.q4, 3 * 25 + 1, match="one filter")
    assert_failed(ex.q4, 16 * 3 * 25 + 48, match="one bias per filter")
    assert_unattempted(ex.q4, ...)


def test_q1_true_convolution():
    assert_passed(ex.q1, solution(ex.q1))
    assert_failed(ex.q1, lambda image, kernel: conv2d(image, kernel), match="flip the kernel")
    assert_failed(ex.q1, lambda image, kernel: conv2d(image, kernel[::-1]), match="differ")

    def template(image, kernel):
        ...

    assert_unattempted(ex.q1, template)


def test_q5_dense_layer_of_a_convolution():
    assert_passed(ex.q5, *solution_answers(ex.q5))
    assert_passed(ex.q5, 576, 432)  # 16 outputs × 36 inputs; 16 rows × (36 − 9) zeros
    assert_failed(ex.q5, 1296, 432, match="output is only 4 × 4")
    assert_failed(ex.q5, 9, 432, match="shared weights")
    assert_failed(ex.q5, 144, 432, match="under a window")
    assert_failed(ex.q5, 576, 567, match="not 9")
    assert_failed(ex.q5, 576, 144, match="non-zero entries")
    assert_failed(ex.q5, 576, 27, match="one row per output cell")
    assert_failed(ex.q5, "576", 432, match="number")
    assert_failed(ex.q5, 576, match="two numbers")
    assert_unattempted(ex.q5, ..., ...)
    assert_unattempted(ex.q5, 576, ...)
