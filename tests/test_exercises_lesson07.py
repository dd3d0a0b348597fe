"""Checkers of lesson 07: the reference solution passes, realistic mistakes fail with a useful message."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from helpers.conv import KERNELS, conv2d, pool2d
from helpers.data import load_mnist
from helpers.exercises import lesson07 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, solution_answers


def solution(exercise, **names):
    return solution_answers(exercise, np=np, **names)[0]


def test_feature_map_is_what_the_notebook_builds():
    digit = load_mnist("test")[0][0] / 255.0
    np.testing.assert_allclose(ex.lesson_feature_map(), conv2d(digit, KERNELS["sobel x"]))
    assert (ex.lesson_feature_map() < 0).any() and (ex.lesson_feature_map() > 0).any()


def test_q1_relu():
    fmap = ex.lesson_feature_map()
    assert_passed(ex.q1, solution(ex.q1, feature_map=fmap))
    assert_passed(ex.q1, F.relu(torch.from_numpy(fmap)).numpy())
    assert_failed(ex.q1, np.abs(fmap), match="absolute")
    assert_failed(ex.q1, np.minimum(fmap, 0), match="other way round")
    assert_failed(ex.q1, fmap > 0, match="mask")
    assert_failed(ex.q1, fmap, match="differ")
    assert_unattempted(ex.q1, ...)


def test_q2_max_pool():
    assert_passed(ex.q2, solution(ex.q2))
    assert_passed(ex.q2, lambda x: F.max_pool2d(torch.from_numpy(x)[None], 2)[0].numpy())
    assert_failed(ex.q2, lambda x: pool2d(x, 2, stride=1), match="stride 2")
    assert_failed(ex.q2, lambda x: pool2d(x, 2, mode="avg"), match="averages")
    assert_failed(ex.q2, lambda x: pool2d(x, 2, mode="min"), match="smallest")

    def template(x):
        ...  # your code here

    assert_unattempted(ex.q2, template)


def test_q3_shape_through_the_stack():
    assert_passed(ex.q3, solution(ex.q3))
    # the same answer computed by torch layers
    stack = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                torch.nn.Conv2d(16, 24, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
    out = stack(torch.zeros(1, 1, 28, 28))
    assert_passed(ex.q3, tuple(out.shape[1:]))
    assert_passed(ex.q3, list(out.shape[1:]))
    assert_failed(ex.q3, (24, 5, 5), match="padding 1")
    assert_failed(ex.q3, (24, 12, 12), match="after the second convolution")
    assert_failed(ex.q3, (16, 6, 6), match="last convolution only")
    assert_failed(ex.q3, (24, 7, 7), match="trims")
    assert_failed(ex.q3, (6, 6, 24), match="order|shape")
    assert_unattempted(ex.q3, ...)
