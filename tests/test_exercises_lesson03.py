"""Checker tests for lesson 03: reference solutions pass, realistic mistakes fail."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from helpers.exercises import lesson03 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, list_exercises, solution_answers


def run_solution(exercise):
    return solution_answers(exercise, np=np, nn=nn, torch=torch)


@pytest.mark.parametrize("exercise", list_exercises(ex), ids=lambda e: e.name)
def test_reference_solution_passes_and_template_is_unattempted(exercise):
    assert_passed(exercise, *run_solution(exercise))
    assert_unattempted(exercise, ...)


def test_q1_mistakes():
    counted = sum(p.numel() for p in nn.Sequential(nn.Linear(784, 128), nn.Linear(128, 10)).parameters())
    assert_passed(ex.q2, counted)
    assert_failed(ex.q2, 784 * 128 + 128 * 10, match="bias")
    assert_failed(ex.q2, 784 * 128 * 10, match="add")
    assert_failed(ex.q2, "101770")


def test_q2_mistakes():
    assert_failed(ex.q3, nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.Linear(256, 10)), match="ReLU")
    assert_failed(ex.q3, nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)), match="Flatten")
    assert_failed(ex.q3, nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)),
                  match="784 → 256")
    assert_failed(ex.q3, nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10),
                                       nn.Softmax(dim=1)), match="logits")
    assert_failed(ex.q3, nn.Sequential(nn.Flatten(), nn.Linear(784, 256, bias=False), nn.ReLU(),
                                       nn.Linear(256, 10)), match="biases")
    assert_failed(ex.q3, [nn.Linear(784, 256)], match="nn.Module")


def test_q3_mistakes():
    assert_failed(ex.q1, lambda z: np.exp(z) / np.exp(z).sum(axis=0, keepdims=True), match="column")
    assert_failed(ex.q1, lambda z: np.exp(z) / np.exp(z).sum(), match="whole array")
    assert_failed(ex.q1, lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), match="overflow")
    assert_failed(ex.q1, lambda z: z / z.sum(axis=1, keepdims=True))
