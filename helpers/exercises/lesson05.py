"""Exercises for lesson 05 (Training, validation and testing)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from helpers.exercises.core import (
    Exercise,
    Result,
    as_count,
    check_array,
    check_choice,
    failed,
    passed,
)

# q1: which split for which job (prediction) ----------------------------------------------


def _check_q1(answer: Any) -> Result:
    return check_choice(
        answer, "validation", ["train", "validation", "test"], name="stop_with",
        explanations={
            "train": "The training loss keeps falling even while the model overfits, so it cannot tell "
                     "you when to stop.",
            "test": "The test set is looked at once, at the very end. Choosing the epoch with it would "
                    "tune the model to the test set, and its score would no longer be an honest estimate.",
        },
    )


q1 = Exercise(
    name="q1",
    title="Predict: which split decides when to stop?",
    checker=_check_q1,
    hints=[
        "You need data the model does not learn from, but that you may look at as often as you like.",
        "The split held back from training for choices like this one: 'validation'.",
    ],
    solution='stop_with = "validation"',
    answer_names=["stop_with"],
    kind="prediction",
)


# q2: one epoch of training ------------------------------------------------------------------


def _counting_optimizer(params, lr: float):
    class CountingSGD(torch.optim.SGD):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.steps = 0
            self.zeroed = 0
            self.stale = 0  # steps taken while gradients had piled up over two batches

        def zero_grad(self, set_to_none: bool = True) -> None:
            self.zeroed += 1
            super().zero_grad(set_to_none=set_to_none)

        def step(self, closure=None):
            self.steps += 1
            if self.zeroed < self.steps:
                self.stale += 1
            return super().step(closure)

    return CountingSGD(params, lr=lr)


def _check_q2(train_epoch: Any) -> Result:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 2, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    torch.manual_seed(0)
    model = nn.Linear(2, 2)
    opt = _counting_optimizer(model.parameters(), lr=0.5)
    losses = []
    for epoch in range(4):
        out = train_epoch(model, x, y, opt, nn.CrossEntropyLoss(), 32)
        try:
            value = float(out)
        except (TypeError, ValueError):
            return failed(f"`train_epoch` should return the epoch's mean loss as a number, got {type(out).__name__}.")
        if not math.isfinite(value):
            return failed(f"The returned loss is {value}.")
        losses.append(value)
        if epoch == 0:
            batches = math.ceil(200 / 32)
            if opt.steps != batches:
                hint = (" The last, smaller batch (200 = 6 × 32 + 8) was skipped?" if opt.steps == 6
                        else " Did you call it once per epoch instead of once per batch?" if opt.steps == 1 else "")
                return failed(f"`optimizer.step()` ran {opt.steps} times in one epoch; expected {batches}, "
                              f"one per mini-batch of 32 from 200 examples.{hint}")
            if opt.stale:
                return failed("Gradients piled up: call `optimizer.zero_grad()` in every batch, before "
                              "`loss.backward()`.")
    if not losses[-1] < losses[0]:
        return failed(f"The loss did not go down over 4 epochs ({losses[0]:.3f} → {losses[-1]:.3f}).")
    with torch.no_grad():
        acc = float((model(x).argmax(1) == y).float().mean())
    if acc < 0.9:
        return failed(f"After 4 epochs the model gets only {acc:.0%} of an easy problem right.")
    if losses[-1] > 1.0:
        return failed("The returned loss looks like a sum over batches; return the mean per example.")
    if not model.training:
        return failed("The model was left in eval mode; call `model.train()` at the start of the epoch.")
    return passed(f"One step per batch, fresh gradients each time; loss {losses[0]:.3f} → {losses[-1]:.3f}.")


q2 = Exercise(
    name="q2",
    title="Write one epoch of training",
    checker=_check_q2,
    hints=[
        "Shuffle the indices with `torch.randperm(len(x))`; for each slice of `batch_size` indices: "
        "forward, loss, zero the gradients, backward, step.",
        "Inside the loop: `xb, yb = x[idx], y[idx]; loss = loss_fn(model(xb), yb); optimizer.zero_grad(); "
        "loss.backward(); optimizer.step(); total += loss.item() * len(yb)`; return `total / len(x)`.",
    ],
    solution='''def train_epoch(model, x, y, optimizer, loss_fn, batch_size):
    """One pass over (x, y) in shuffled mini-batches; returns the mean training loss."""
    model.train()
    order = torch.randperm(len(x))
    total = 0.0
    for start in range(0, len(x), batch_size):
        idx = order[start:start + batch_size]
        xb, yb = x[idx], y[idx]
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
    return total / len(x)''',
    answer_names=["train_epoch"],
    signature="train_epoch(model, x, y, optimizer, loss_fn, batch_size)",
)


# q3: per-class accuracy from a confusion matrix -------------------------------------------


def _check_q3(per_class_accuracy: Any) -> Result:
    cm = np.array([[50, 2, 3], [10, 30, 0], [5, 5, 95]])
    got = np.asarray(per_class_accuracy(cm.copy()), dtype=float)
    expected = cm.diagonal() / cm.sum(axis=1)
    if got.shape == (3,) and np.allclose(got, cm.diagonal() / cm.sum(axis=0)):
        return failed("You divided by the column sums (how often each class was *predicted*). Rows are the "
                      "true classes: divide by `cm.sum(axis=1)`.")
    if got.shape == (3,) and np.allclose(got, cm.diagonal()):
        return failed("Those are counts; divide each by the number of examples of that true class.")
    if got.shape == () or got.size == 1:
        return failed("One number is the overall accuracy; return one accuracy per class (an array of 3).")
    return check_array(got, expected, name="per_class_accuracy(cm)")


q3 = Exercise(
    name="q3",
    title="Accuracy of each class from the confusion matrix",
    checker=_check_q3,
    hints=[
        "Row i holds every example whose true class is i; the diagonal cell is the ones predicted right.",
        "`return cm.diagonal() / cm.sum(axis=1)`",
    ],
    solution='''def per_class_accuracy(cm):
    """(K, K) confusion matrix, rows = true classes -> (K,) fraction right per class."""
    return cm.diagonal() / cm.sum(axis=1)''',
    answer_names=["per_class_accuracy"],
    signature="per_class_accuracy(cm)",
)


# q4: find the bug in a training loop ------------------------------------------------------

BUGGY_LOOP = '''\
1  model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(),
                         nn.Linear(256, 10), nn.Softmax(dim=1))
2  loss_fn = nn.CrossEntropyLoss()
3  optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
4  for xb, yb in batches:
5      loss = loss_fn(model(xb), yb)
6      optimizer.zero_grad()
7      loss.backward()
8      optimizer.step()'''

_Q4_WHY = {
    2: "`nn.CrossEntropyLoss` is the right loss for class labels. Ask what it expects to be given: "
       "probabilities, or raw scores?",
    3: "SGD with a learning rate of 0.1 trains this MLP well (lesson 04 used it). The bug is elsewhere.",
    4: "Looping over mini-batches is exactly what an epoch does.",
    5: "Computing the loss of the model's output against the labels is right; look at what the model outputs.",
    6: "`zero_grad()` before `backward()` is the right place: each batch starts from fresh gradients.",
    7: "`loss.backward()` computes the gradients; it must be there, and it is in the right place.",
    8: "`optimizer.step()` after `backward()` is the right order.",
}


def _check_q4(answer: Any) -> Result:
    line = as_count(answer)
    if line is None or not 1 <= line <= 8:
        return failed(f"`buggy_line` should be a line number from 1 to 8, got {answer!r}.")
    if line == 1:
        return passed("Line 1: the model ends in `nn.Softmax`, but `nn.CrossEntropyLoss` applies (log-)softmax "
                      "itself and expects raw scores (logits). Softmax twice squashes the scores, the gradients "
                      "shrink and training crawls. Remove `nn.Softmax` from the model; apply softmax only when you "
                      "want probabilities to look at.")
    return failed(f"Line {line} is fine. {_Q4_WHY[line]}")


q4 = Exercise(
    name="q4",
    title="Find the bug: a training loop that runs but learns slowly",
    checker=_check_q4,
    hints=[
        "Every line runs without an error. Ask, for each line, whether it does what the next one expects.",
        "What does `nn.CrossEntropyLoss` want as its first argument: probabilities, or raw scores?",
    ],
    solution="buggy_line = 1",
    answer_names=["buggy_line"],
    kind="find-the-bug",
)
