"""Exercises for lesson 04 (Loss, gradients and backpropagation)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from helpers.exercises.core import (
    Exercise,
    Result,
    as_number,
    check_array,
    check_scalar,
    failed,
    passed,
)

# q1: cross-entropy by hand (prediction) -------------------------------------------------

Q1_PROBABILITIES = (0.1, 0.6, 0.2, 0.1)
Q1_TRUE_CLASS = 1


def _check_q1(answer: Any) -> Result:
    expected = -math.log(Q1_PROBABILITIES[Q1_TRUE_CLASS])
    value = as_number(answer)
    if value is not None:
        if math.isclose(value, -math.log10(0.6), rel_tol=1e-3):
            return failed("That is the base-10 logarithm; cross-entropy uses the natural log (`np.log`).")
        if math.isclose(value, math.log(0.6), rel_tol=1e-3):
            return failed("The sign is flipped: the loss is MINUS the log of the true class's probability.")
        if math.isclose(value, 0.5 * (0.01 + 0.16 + 0.04 + 0.01), rel_tol=1e-3):
            return failed("That is the squared error; cross-entropy is -log(probability of the true class).")
        if math.isclose(value, -sum(math.log(p) for p in Q1_PROBABILITIES), rel_tol=1e-3):
            return failed("Only the true class counts: the one-hot target is 0 for the other classes.")
    return check_scalar(answer, expected, name="ce", rtol=1e-3, integer=False)


q1 = Exercise(
    name="q1",
    title="Predict: cross-entropy of one prediction",
    checker=_check_q1,
    hints=[
        "With a one-hot target only the true class's term survives: loss = -log(p_true).",
        "The true class is 1, whose probability is 0.6: `ce = -np.log(0.6)`.",
    ],
    solution="ce = -np.log(0.6)",
    answer_names=["ce"],
    kind="prediction",
)


# q2: the backward pass of ReLU ----------------------------------------------------------------


def _check_q2(relu_backward: Any) -> Result:
    rng = np.random.default_rng(4)
    z = rng.normal(size=(4, 5))
    g = rng.normal(size=(4, 5))
    expected = g * (z > 0)
    got = np.asarray(relu_backward(g.copy(), z.copy()), dtype=float)
    if got.shape == z.shape:
        if np.allclose(got, (z > 0).astype(float)):
            return failed("That is ReLU's own slope (0 or 1); multiply it by the incoming gradient `grad_out` "
                          "(the chain rule).")
        if np.allclose(got, np.maximum(g, 0)):
            return failed("The mask must come from the layer's input `z`, not from `grad_out`: the gradient "
                          "passes where z > 0.")
        if np.allclose(got, g * np.maximum(z, 0)):
            return failed("Multiply by ReLU's slope (1 where z > 0, else 0), not by ReLU's output.")
    return check_array(got, expected, name="relu_backward(grad_out, z)")


q2 = Exercise(
    name="q2",
    title="Backward pass of ReLU",
    checker=_check_q2,
    hints=[
        "ReLU passes its input through where it is positive and outputs 0 elsewhere, so its slope is 1 or 0.",
        "`return grad_out * (z > 0)`",
    ],
    solution='''def relu_backward(grad_out, z):
    """Gradient of the loss w.r.t. ReLU's input z, given the gradient w.r.t. its output."""
    return grad_out * (z > 0)''',
    answer_names=["relu_backward"],
    signature="relu_backward(grad_out, z)",
)


# q3: one step of SGD with momentum -----------------------------------------------------------


def _check_q3(momentum_step: Any) -> Result:
    target = np.array([1.0, -2.0, 0.5])

    def grad(w):
        return 2 * (w - target)  # gradient of |w - target|^2

    lr, mu = 0.1, 0.9
    w = np.zeros(3)
    velocity = np.zeros(3)
    ref = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([ref], lr=lr, momentum=mu)
    plain = np.zeros(3)
    for step in range(1, 6):
        out = momentum_step(w.copy(), velocity.copy(), grad(w), lr, mu)
        if not isinstance(out, tuple) or len(out) != 2:
            return failed(f"`momentum_step` should return a pair `(w, velocity)`, got {type(out).__name__}.")
        w, velocity = (np.asarray(a, dtype=float) for a in out)
        opt.zero_grad()
        ref.grad = torch.from_numpy(grad(ref.detach().numpy()))
        opt.step()
        plain = plain - lr * grad(plain)
        expected = ref.detach().numpy()
        if w.shape != expected.shape:  # a shape mismatch never passes
            return failed(check_array(w, expected, name=f"w after step {step}").message)
        if not np.allclose(w, expected, rtol=1e-6, atol=1e-9):
            if np.allclose(w, plain):
                return failed(f"After step {step} the weights match plain gradient descent: the velocity "
                              "is not used (or not carried over). Keep `velocity = momentum * velocity - lr * grad`.")
            r = check_array(w, expected, name=f"w after step {step}")
            return failed(r.message + " Compare with `velocity = momentum * velocity - lr * grad; w = w + velocity`.")
    return passed("Five steps match PyTorch's SGD with momentum=0.9.")


q3 = Exercise(
    name="q3",
    title="One step of SGD with momentum",
    checker=_check_q3,
    hints=[
        "The velocity remembers past steps: it decays by `momentum`, and the new gradient step is added.",
        "`velocity = momentum * velocity - lr * grad` then `w = w + velocity`; return both.",
    ],
    solution='''def momentum_step(w, velocity, grad, lr, momentum):
    """One update of SGD with momentum; returns the new (w, velocity)."""
    velocity = momentum * velocity - lr * grad
    return w + velocity, velocity''',
    answer_names=["momentum_step"],
    signature="momentum_step(w, velocity, grad, lr, momentum)",
)
