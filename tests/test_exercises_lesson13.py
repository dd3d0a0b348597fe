"""Checker tests for lesson 13: the reference passes, realistic mistakes fail with a pointed message."""

from __future__ import annotations

import torch

from helpers.exercises import lesson13 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, solution_answers


def _solution(exercise):
    return solution_answers(exercise, torch=torch)[0]


def test_q1_reference_passes():
    assert_passed(ex.q1, _solution(ex.q1))
    assert_passed(ex.q1, "  Hiding that region RAISES the probability of the class ")


def test_q1_common_mistakes():
    assert_failed(ex.q1, "hiding that region lowers the probability of the class", match="positive")
    assert_failed(ex.q1, "the network never looks at that region", match="near zero")
    assert_failed(ex.q1, "that region of the image is dark", match="not the picture")
    assert_failed(ex.q1, "negative")
    assert_failed(ex.q1, 2)


def test_q1_template_is_unattempted():
    assert_unattempted(ex.q1, ...)


def test_q2_reference_passes():
    assert_passed(ex.q2, _solution(ex.q2))
    assert_passed(ex.q2, [8, 8])
    assert_passed(ex.q2, torch.Size([8, 8]))


def test_q2_matches_grad_cam_itself():
    from helpers.explain import grad_cam
    from helpers.models import CourseCNN

    shape = grad_cam(CourseCNN().eval(), torch.rand(1, 28, 28), "features.4", upsample=False).shape
    assert_passed(ex.q2, tuple(shape))


def test_q2_common_mistakes():
    assert_failed(ex.q2, (4, 4), match="second max pool")
    assert_failed(ex.q2, (12, 12), match="first block")
    assert_failed(ex.q2, (24, 24), match="first convolution")
    assert_failed(ex.q2, (28, 28), match="upsampling")
    assert_failed(ex.q2, (10, 10), match="takes 4 off")
    assert_failed(ex.q2, 8, match="pair")
    assert_failed(ex.q2, (8.5, 8), match="pair")


def test_q2_template_is_unattempted():
    assert_unattempted(ex.q2, ...)


def test_q3_reference_passes():
    assert_passed(ex.q3, _solution(ex.q3))


def test_q3_common_mistakes():
    assert_failed(ex.q3, lambda x, g, e: (x - e * g.sign()).clamp(0, 1), match="against")
    assert_failed(ex.q3, lambda x, g, e: (x + e * g).clamp(0, 1), match="sign")
    assert_failed(ex.q3, lambda x, g, e: x + e * g.sign(), match="clamp")
    assert_failed(ex.q3, lambda x, g, e: x.add_(e * g.sign()).clamp_(0, 1), match="in place")
    assert_failed(ex.q3, lambda x, g, e: None, match="return")
    assert_failed(ex.q3, lambda x, g, e: (x + e * g.sign()).clamp(0, 1)[0], match="shape")
    assert_failed(ex.q3, lambda x, g, e: (x + 2 * e * g.sign()).clamp(0, 1))
    assert_failed(ex.q3, "x + eps", match="function")


def test_q3_template_is_unattempted():
    def fgsm_step(x, grad, epsilon):
        ...

    assert_unattempted(ex.q3, fgsm_step)


def test_q3_solution_agrees_with_the_course_fgsm():
    """The exercise's step is the same step helpers.explain.fgsm takes on a real gradient."""
    from torch.nn import functional as F

    from helpers.explain import fgsm

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(36, 3))
    x, y = torch.rand(5, 1, 6, 6), torch.tensor([0, 1, 2, 0, 1])
    xg = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(xg), y), xg)
    step = _solution(ex.q3)
    assert torch.allclose(step(x, grad, 0.1), fgsm(model, x, y, 0.1, clip=(0.0, 1.0)), atol=1e-6)
