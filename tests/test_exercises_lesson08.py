"""Checkers of lesson 08: the reference solution passes, realistic mistakes fail with a useful message."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from helpers.conv import KERNELS
from helpers.data import load_mnist
from helpers.exercises import lesson08 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, solution_answers
from helpers.kernel_learning import learn_kernel, sobel_pairs


def test_q1_kernel_gradient():
    (reference,) = solution_answers(ex.q1, np=np)
    assert_passed(ex.q1, reference)

    def by_autograd(image, grad_output):
        kernel = torch.zeros(1, 1, 3, 3, dtype=torch.float64, requires_grad=True)
        out = F.conv2d(torch.from_numpy(image)[None, None], kernel)[0, 0]
        (grad,) = torch.autograd.grad(out, kernel, torch.from_numpy(grad_output))
        return grad[0, 0].numpy()

    assert_passed(ex.q1, by_autograd)
    assert_failed(ex.q1, lambda im, g: reference(im, g)[::-1, ::-1], match="flipped")
    assert_failed(ex.q1, lambda im, g: reference(im, g).T, match="transposed")
    assert_failed(ex.q1, lambda im, g: reference(im, g) / g.size, match="mean")
    assert_failed(ex.q1, lambda im, g: g[0, 0] * im[:3, :3], match="first output cell")
    assert_failed(ex.q1, lambda im, g: np.zeros((3, 3)))
    assert_failed(ex.q1, lambda im, g: reference(im, g) + 1e-3)  # close is not right

    def template(image, grad_output):
        ...  # your code here

    assert_unattempted(ex.q1, template)


def test_q2_max_pool_gradient():
    nonzero, at_nine = solution_answers(ex.q2)
    assert_passed(ex.q2, nonzero, at_nine)
    # the same numbers from torch's autograd through max pooling
    x = torch.from_numpy(ex.Q2_X)[None].requires_grad_(True)
    F.max_pool2d(x, 2, stride=1).sum().backward()
    grad = x.grad[0].numpy()
    assert_passed(ex.q2, int((grad != 0).sum()), float(grad[ex.Q2_X == 9][0]))
    assert_failed(ex.q2, 9, 4, match="one pixel per window")
    assert_failed(ex.q2, 16, 4, match="average pooling")
    assert_failed(ex.q2, 5, 1, match="collects a full 1")
    assert_failed(ex.q2, 4, 4, match="nonzero")
    assert_failed(ex.q2, 5, 3, match="grad_at_9")
    assert_failed(ex.q2, 5, match="two numbers")
    assert_unattempted(ex.q2, ..., ...)


def test_q3_learn_sobel_y():
    digits = load_mnist("train")[0][:8] / 255.0
    (learned,) = solution_answers(ex.q3, digits=digits, learn_kernel=learn_kernel, sobel_pairs=sobel_pairs, KERNELS=KERNELS)
    assert_passed(ex.q3, learned)
    history_x = learn_kernel(digits, sobel_pairs(digits))
    assert_failed(ex.q3, history_x.kernel, match="Sobel-x again")
    assert_failed(ex.q3, KERNELS["sobel y"].copy(), match="typed in")
    assert_failed(ex.q3, -learned, match="sign flipped")
    history_y = learn_kernel(digits, sobel_pairs(digits, kernel=KERNELS["sobel y"]), steps=40)
    assert_failed(ex.q3, history_y.kernel, match="on its way")
    assert_failed(ex.q3, learn_kernel(digits, sobel_pairs(digits, kernel=KERNELS["sobel y"]), steps=0).kernel)
    assert_failed(ex.q3, learned.tolist(), match="numpy array")
    assert_unattempted(ex.q3, ...)


def test_q4_receptive_field():
    assert_passed(ex.q4, *solution_answers(ex.q4))
    # the same number from the gradient support of one deep cell under autograd
    layers, c = [], 1
    for kind, k, s, p in ex.Q4_STACK:
        layers.append(torch.nn.Conv2d(c, 1, k, s, p) if kind == "conv" else torch.nn.AvgPool2d(k, s, p))
        c = 1
    stack = torch.nn.Sequential(*layers).double()
    for m in stack:
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.constant_(m.weight, 1.0)
    x = torch.rand(1, 1, 28, 28, dtype=torch.float64, requires_grad=True)
    stack(x)[0, 0, 7, 7].backward()
    rows = np.nonzero((x.grad[0, 0] != 0).numpy().any(axis=1))[0]
    assert_passed(ex.q4, int(rows.max() - rows.min() + 1))
    assert_failed(ex.q4, 8, match="2 input pixels apart")
    assert_failed(ex.q4, 11, match="kernel sizes")
    assert_failed(ex.q4, 6, match="after the pooling")
    assert_failed(ex.q4, 12, match="rf_size")
    assert_unattempted(ex.q4, ...)
