"""Exercises for lesson 03 (Multilayer perceptrons)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from helpers.exercises.core import (
    Exercise,
    Result,
    as_number,
    check_array,
    check_scalar,
    failed,
    passed,
)

# q2: count parameters (prediction) -----------------------------------------------------

_Q1_EXPECTED = 784 * 128 + 128 + 128 * 10 + 10  # 101,770


def _check_q2(answer: Any) -> Result:
    value = as_number(answer)
    if value is not None:
        if value == 784 * 128 + 128 * 10:
            return failed(f"{value:,} counts the weights only: every unit of a layer also has a bias.")
        if value == 784 * 128 * 10:
            return failed("Layers add, they do not multiply: count each layer (inputs × outputs + "
                          "biases) and add the two counts.")
        if value == 784 * 128 + 128 + 128 * 10 + 128:
            return failed("The output layer has 10 biases (one per output unit), not 128.")
    return check_scalar(answer, _Q1_EXPECTED, name="n_params")


q2 = Exercise(
    name="q2",
    title="Predict: parameters of a 784 → 128 → 10 MLP",
    checker=_check_q2,
    hints=[
        "A dense layer from m inputs to n units has m × n weights and n biases. There are two layers.",
        "(784 × 128 + 128) + (128 × 10 + 10)",
    ],
    solution="n_params = (784 * 128 + 128) + (128 * 10 + 10)",
    answer_names=["n_params"],
    kind="prediction",
)


# q3: build an MLP ---------------------------------------------------------------------------


def _check_q3(model: Any) -> Result:
    if not isinstance(model, nn.Module):
        return failed(f"`model` should be a torch.nn.Module (e.g. nn.Sequential(...)), got {type(model).__name__}.")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    shapes = [(m.in_features, m.out_features) for m in linears]
    if shapes != [(784, 256), (256, 10)]:
        return failed(f"The dense layers should be 784 → 256 and 256 → 10; yours are "
                      f"{', '.join(f'{a} → {b}' for a, b in shapes) or 'missing'}.")
    if not any(isinstance(m, nn.ReLU) for m in model.modules()):
        return failed("There is no ReLU: without it, two linear layers collapse into one linear map.")
    x = torch.zeros(3, 1, 28, 28)
    try:
        with torch.no_grad():
            out = model(x)
    except RuntimeError as exc:
        return failed(f"Calling the model on a batch of shape (3, 1, 28, 28) fails ({str(exc).splitlines()[0]}). "
                      "Did you start with nn.Flatten()?")
    if tuple(out.shape) != (3, 10):
        return failed(f"The output for 3 images should have shape (3, 10), got {tuple(out.shape)}.")
    if isinstance(model, nn.Sequential) and isinstance(model[-1], (nn.Softmax, nn.LogSoftmax)):
        return failed("Leave the softmax out: the model should return scores (logits); "
                      "nn.CrossEntropyLoss applies softmax itself.")
    n = sum(p.numel() for p in model.parameters())
    if n != 784 * 256 + 256 + 256 * 10 + 10:
        return failed(f"The model has {n:,} parameters; expected {784 * 256 + 256 + 2570:,}. Are the biases on?")
    return passed(f"784 → 256 → ReLU → 10, {n:,} parameters, and it returns logits.")


q3 = Exercise(
    name="q3",
    title="Build a 784 → 256 → 10 MLP",
    checker=_check_q3,
    hints=[
        "nn.Sequential takes the layers in order: flatten, dense, activation, dense.",
        "`nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))`",
    ],
    solution="model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))",
    answer_names=["model"],
)


# q1: softmax --------------------------------------------------------------------------------


def _check_q1(softmax: Any) -> Result:
    z = np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0], [-1.0, 3.0, 0.5]])
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        got = np.asarray(softmax(z.copy()), dtype=float)
    if got.shape == z.shape and np.allclose(got, np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)):
        return failed("Each column sums to 1, not each row: normalize along `axis=1` (one row per example).")
    if got.shape == z.shape and np.allclose(got, np.exp(z) / np.exp(z).sum()):
        return failed("The whole array sums to 1; each row (example) should: use `axis=1, keepdims=True`.")
    r = check_array(got, expected, name="softmax(z)")
    if not r.ok:
        return r
    big = np.array([[1000.0, 1001.0, 999.0]])
    with np.errstate(all="ignore"):
        got_big = np.asarray(softmax(big.copy()), dtype=float)
    if not np.all(np.isfinite(got_big)):
        return failed("`softmax([[1000, 1001, 999]])` gives NaN: exp(1000) overflows. Subtract each row's "
                      "maximum before `np.exp` — the result does not change, the numbers stay small.")
    r = check_array(got_big, np.exp(big - 1001) / np.exp(big - 1001).sum(), name="softmax([[1000, 1001, 999]])")
    if not r.ok:
        return r
    return passed("Each row sums to 1, and large scores do not overflow.")


q1 = Exercise(
    name="q1",
    title="Softmax, row by row and without overflow",
    checker=_check_q1,
    hints=[
        "softmax(z)_k = exp(z_k) / Σ_j exp(z_j), computed for each row. Subtracting the row's maximum "
        "from every score first gives the same answer and keeps exp() from overflowing.",
        "`e = np.exp(z - z.max(axis=1, keepdims=True)); return e / e.sum(axis=1, keepdims=True)`",
    ],
    solution='''def softmax(z):
    """(N, K) scores -> (N, K) probabilities; each row sums to 1."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)''',
    answer_names=["softmax"],
    signature="softmax(z)",
)
