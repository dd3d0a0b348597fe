"""How well a trained network does: loss, accuracy and class probabilities (lesson 05).

- :func:`evaluate`: mean loss and accuracy on ``(x, y)``, in eval mode, without gradients.
- :func:`predict`: class probabilities (softmax of the logits).

The notebooks import these from :mod:`helpers.training`, which re-exports them.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from helpers.tensors import Pair, check_label_range, check_pair, check_positive_int, model_device
from helpers.validate import module

__all__ = ["evaluate", "predict"]


# --------------------------------------------------------------------------- #
# Evaluation
# --------------------------------------------------------------------------- #
def evaluate(
    model: nn.Module,
    data: Pair,
    *,
    batch_size: int = 1000,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on ``data = (x, y)``.

    x: (N, ...) float, y: (N,) int64. Runs in eval mode (dropout off) without
    gradients, in large batches, on the model's device; the model's train/eval
    mode is restored afterwards. ``loss_fn`` defaults to cross-entropy on logits.
    """
    module("model", model)
    x, y = check_pair("data", data)
    batch_size = check_positive_int("batch_size", batch_size)
    check_labels = loss_fn is None
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    device = model_device(model)
    was_training = model.training
    model.eval()
    total_loss, correct = 0.0, 0
    try:
        with torch.inference_mode():
            for start in range(0, len(x), batch_size):
                xb = x[start : start + batch_size].to(device)
                yb = y[start : start + batch_size].to(device)
                logits = model(xb)
                if check_labels and start == 0:
                    check_label_range("data", y, logits)
                total_loss += float(loss_fn(logits, yb)) * len(yb)
                correct += int((logits.argmax(dim=1) == yb).sum())
    finally:
        model.train(was_training)
    return total_loss / len(x), correct / len(x)


def predict(model: nn.Module, images: torch.Tensor, *, batch_size: int = 1000) -> torch.Tensor:
    """Class probabilities for ``images``: (N, ...) float -> (N, classes) on the CPU.

    The model gives scores (logits); softmax turns each row into probabilities
    that sum to 1. Runs in eval mode without gradients.
    """
    module("model", model)
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images: expected a torch tensor, got {type(images).__name__}")
    if not images.dtype.is_floating_point:
        raise TypeError(f"images: expected float inputs (scaled pixels), got dtype {images.dtype}")
    batch_size = check_positive_int("batch_size", batch_size)
    device = model_device(model)
    was_training = model.training
    model.eval()
    chunks = []
    try:
        with torch.inference_mode():
            for start in range(0, len(images), batch_size):
                logits = model(images[start : start + batch_size].to(device))
                chunks.append(torch.softmax(logits, dim=1).cpu())
    finally:
        model.train(was_training)
    if not chunks:
        raise ValueError("images: is empty")
    return torch.cat(chunks)


