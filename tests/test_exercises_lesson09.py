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


def test_q4_init_factor():
    answer = solved(ex.q4)["factor"]
    # the reference: ReLU outputs through a conv 3x3 from 16 channels drawn with std 0.01, then a ReLU;
    # many filters (4096) so the measured ratio of root-mean-squares averages over random weights
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(16, 4096, 3)
    torch.nn.init.normal_(conv.weight, std=0.01)
    torch.nn.init.zeros_(conv.bias)
    x = torch.relu(torch.randn(32, 16, 10, 10))
    with torch.no_grad():
        measured = torch.relu(conv(x)).pow(2).mean().sqrt() / x.pow(2).mean().sqrt()
    assert abs(answer - measured.item()) < 0.03 * answer
    assert_passed(ex.q4, answer)
    assert_passed(ex.q4, 0.0849)
    assert_failed(ex.q4, 0.01, match="square root of how many")
    assert_failed(ex.q4, 0.12, match="ReLU")
    assert_failed(ex.q4, 1.44, match="variances")
    assert_failed(ex.q4, 0.01 * (9 / 2) ** 0.5, match="16 input channels")
    assert_failed(ex.q4, 0.5)
    assert_failed(ex.q4, 1 / answer, match="multiplied by")
    assert_failed(ex.q4, "0.08")
    assert_unattempted(ex.q4, ...)


def test_every_exercise_is_tested():
    assert [e.name for e in list_exercises(ex)] == ["q4", "q3", "q2", "q1"]
