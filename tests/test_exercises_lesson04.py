"""Checker tests for lesson 04: reference solutions pass, realistic mistakes fail."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from helpers.exercises import lesson04 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, list_exercises, solution_answers


def run_solution(exercise):
    return solution_answers(exercise, np=np, torch=torch)


@pytest.mark.parametrize("exercise", list_exercises(ex), ids=lambda e: e.name)
def test_reference_solution_passes_and_template_is_unattempted(exercise):
    assert_passed(exercise, *run_solution(exercise))
    assert_unattempted(exercise, ...)


def test_q1_agrees_with_pytorch_and_names_mistakes():
    p = torch.tensor([ex.Q1_PROBABILITIES])
    loss = torch.nn.functional.nll_loss(p.log(), torch.tensor([ex.Q1_TRUE_CLASS]))
    assert_passed(ex.q1, float(loss))
    assert_failed(ex.q1, -math.log10(0.6), match="natural log")
    assert_failed(ex.q1, math.log(0.6), match="sign")
    assert_failed(ex.q1, 0.11, match="squared error")
    assert_failed(ex.q1, 0.6)


def test_q2_agrees_with_autograd_and_names_mistakes():
    z = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    g = torch.randn(4, 5, dtype=torch.float64)
    torch.relu(z).backward(g)
    (fn,) = run_solution(ex.q2)
    np.testing.assert_allclose(fn(g.numpy(), z.detach().numpy()), z.grad.numpy())
    assert_failed(ex.q2, lambda g, z: (z > 0).astype(float), match="chain rule")
    assert_failed(ex.q2, lambda g, z: np.maximum(g, 0), match="from the layer's input")
    assert_failed(ex.q2, lambda g, z: g * np.maximum(z, 0), match="slope")
    assert_failed(ex.q2, lambda g, z: g)


def test_q3_mistakes():
    assert_failed(ex.q3, lambda w, v, g, lr, mu: (w - lr * g, v), match="plain gradient descent")
    assert_failed(ex.q3, lambda w, v, g, lr, mu: (w + (mu * v + lr * g), mu * v + lr * g), match="step 1")
    assert_failed(ex.q3, lambda w, v, g, lr, mu: w - lr * g, match="pair")
    # PyTorch's own formulation (velocity accumulates gradients, scaled by lr at the end) is also right
    def torch_style(w, v, g, lr, mu):
        v = mu * v + g
        return w - lr * v, v
    assert_passed(ex.q3, torch_style)


def test_q3_an_answer_of_the_wrong_shape_never_passes():
    assert_failed(ex.q3, lambda w, v, g, lr, m: (0.0, 0.0), match=r"shape")
    assert_failed(ex.q3, lambda w, v, g, lr, m: (np.zeros((1, 3)), v), match=r"shape")
