"""A small, fast training loop over tensors.

The course keeps each data set as one tensor and draws mini-batches by indexing
it with a random permutation (no ``DataLoader``): on a laptop CPU this is the
quickest way to feed a small network.

- :func:`set_seed` and :func:`pick_device`: reproducible runs on CPU or GPU.
- :func:`to_tensors`: uint8 images ``(N, 28, 28)`` to float tensors ``(N, 1, 28, 28)``.
- :func:`fit`: train with a progress bar, an optional live plot, early stopping and
  a checkpoint of the best model; returns a :class:`History`.
- :func:`evaluate` and :func:`predict`: loss, accuracy and class probabilities.
- :func:`save_checkpoint` and :func:`load_checkpoint`: atomic, weights-only files.
"""

from __future__ import annotations

import math
import os
import random
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn

from helpers.checkpoints import save_checkpoint
from helpers.models import Recipe
from helpers.validate import finite_number, module

__all__ = [
    "History",
    "evaluate",
    "fit",
    "pick_device",
    "predict",
    "set_seed",
    "to_tensors",
    "train_recipe",
]

Pair = tuple[torch.Tensor, torch.Tensor]


# --------------------------------------------------------------------------- #
# Reproducibility and devices
# --------------------------------------------------------------------------- #
def set_seed(seed: int) -> None:
    """Seed Python's ``random``, numpy and torch (CPU and every GPU) with ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds CUDA and MPS generators


def pick_device() -> torch.device:
    """The best device present: CUDA, then Apple MPS, then the CPU.

    The lessons call this once and move the model and data there, so the same
    notebook runs on a laptop CPU and uses a GPU when one is present.
    """
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


# --------------------------------------------------------------------------- #
# Data to tensors
# --------------------------------------------------------------------------- #
def to_tensors(
    images: np.ndarray | torch.Tensor,
    labels: np.ndarray | torch.Tensor,
    *,
    mean: float | None = None,
    std: float | None = None,
    channel_axis: bool = True,
) -> Pair:
    """Turn uint8 images and integer labels into tensors ready for a network.

    images: (N, H, W) uint8 in 0..255. labels: (N,) integers.
    Returns ``x``: float32 (N, 1, H, W) (or (N, H, W) if ``channel_axis=False``)
    scaled to [0, 1], then standardized as ``(x - mean) / std`` if both are given
    (``mean`` and ``std`` are measured on the [0, 1] scale, on the training split);
    and ``y``: int64 (N,).
    """
    x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
    y = torch.as_tensor(np.asarray(labels) if not isinstance(labels, torch.Tensor) else labels)
    if x.dtype != torch.uint8:
        raise TypeError(
            f"images: expected uint8 pixels 0..255, got dtype {x.dtype}; "
            "pass the raw images, to_tensors does the scaling"
        )
    if x.ndim != 3:
        raise ValueError(f"images: expected shape (N, H, W), got {tuple(x.shape)}")
    if y.ndim != 1:
        raise ValueError(f"labels: expected shape (N,), got {tuple(y.shape)}")
    if y.dtype.is_floating_point or y.dtype == torch.bool:
        raise TypeError(f"labels: expected integer class numbers, got dtype {y.dtype}")
    if len(x) != len(y):
        raise ValueError(f"images and labels: lengths differ ({len(x)} images, {len(y)} labels)")
    if (mean is None) != (std is None):
        raise ValueError("mean and std: give both or neither")
    if std is not None:
        mean = finite_number("mean", mean)
        std = finite_number("std", std, positive=True)
    out = x.to(torch.float32) / 255.0
    if mean is not None:
        out = (out - float(mean)) / float(std)
    if channel_axis:
        out = out.unsqueeze(1)
    return out.contiguous(), y.to(torch.int64)


def _check_pair(name: str, data: Any) -> Pair:
    """Validate an ``(x, y)`` pair of tensors and return it."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name}: expected an (x, y) pair of tensors, got {type(data).__name__}")
    x, y = data
    if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError(
            f"{name}: expected x and y to be torch tensors, got "
            f"{type(x).__name__} and {type(y).__name__} (helpers.training.to_tensors converts arrays)"
        )
    if not x.dtype.is_floating_point:
        raise TypeError(
            f"{name}: expected float x (scaled pixels), got dtype {x.dtype}; "
            "scale uint8 images first, e.g. with helpers.training.to_tensors"
        )
    if y.dtype != torch.int64:
        raise TypeError(f"{name}: expected int64 class labels y, got dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"{name}: expected labels of shape (N,), got {tuple(y.shape)}")
    if x.ndim < 1 or len(x) != len(y):
        raise ValueError(
            f"{name}: x and y lengths differ ({len(x)} inputs, {len(y)} labels)"
        )
    if len(y) == 0:
        raise ValueError(f"{name}: is empty")
    return x, y


def _check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected a positive int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name}: expected a positive int, got {value}")
    return int(value)


def _check_device(device: Any) -> torch.device:
    """``device`` as a ``torch.device`` that exists on this machine; ``None`` picks one."""
    if device is None:
        return pick_device()
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device: expected 'cpu', 'cuda', 'mps' or a torch.device, got {type(device).__name__}")
    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError):
        parsed = None
    if parsed is None or parsed.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device: expected 'cpu', 'cuda' or 'mps', got {device!r}")
    mps = getattr(torch.backends, "mps", None)
    present = {"cpu": True, "cuda": torch.cuda.is_available(),
               "mps": mps is not None and mps.is_available()}
    if not present[parsed.type]:
        raise ValueError(f"device: expected a device present here ({pick_device()}), got {device!r}")
    return parsed


def _check_label_range(name: str, labels: torch.Tensor, logits: torch.Tensor) -> None:
    """Class numbers must be below the model's output width (one score per class)."""
    if logits.ndim != 2:
        raise ValueError(f"model: expected outputs of shape (N, classes), got {tuple(logits.shape)}")
    largest = int(labels.max())
    if largest >= logits.shape[1]:
        raise ValueError(
            f"{name}: labels go up to {largest}, but the model outputs {logits.shape[1]} "
            f"scores per example (classes 0..{logits.shape[1] - 1}); give its last layer "
            f"{largest + 1} outputs or fix the labels"
        )


def _model_device(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


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
    x, y = _check_pair("data", data)
    batch_size = _check_positive_int("batch_size", batch_size)
    check_labels = loss_fn is None
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    device = _model_device(model)
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
                    _check_label_range("data", y, logits)
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
    batch_size = _check_positive_int("batch_size", batch_size)
    device = _model_device(model)
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


# --------------------------------------------------------------------------- #
# Training
# --------------------------------------------------------------------------- #
@dataclass
class History:
    """What happened during :func:`fit`, one entry per finished epoch.

    ``train_loss``/``train_acc`` are running means over the epoch's batches (model
    in train mode); ``val_loss``/``val_acc`` come from :func:`evaluate` at the end
    of each epoch (NaN when no validation data was given). ``seconds`` is the
    cumulative wall time spent training and validating (plot drawing excluded).
    ``best_epoch`` is the epoch (1-based) with the lowest validation loss.
    """

    epochs: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    diverged: bool = False

    def __len__(self) -> int:
        return len(self.epochs)

    def summary(self) -> str:
        """One line: epochs run, last and best validation figures."""
        if not self.epochs:
            return "no epochs run"
        line = (
            f"{len(self.epochs)} epochs, train loss {self.train_loss[-1]:.4f}, "
            f"train acc {self.train_acc[-1]:.4f}"
        )
        if not math.isnan(self.val_loss[-1]):
            line += f", val loss {self.val_loss[-1]:.4f}, val acc {self.val_acc[-1]:.4f}"
        if self.best_epoch is not None:
            line += f", best epoch {self.best_epoch}"
        if self.stopped_early:
            line += " (stopped early)"
        return line


def _check_callbacks(callbacks: Any) -> list[Any]:
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks: expected a list of callbacks (e.g. [LivePlot()]), got {type(callbacks).__name__}")
    for callback in callbacks:
        if not callable(getattr(callback, "on_epoch_end", None)):
            raise TypeError(f"callbacks: each needs an on_epoch_end(history, epochs=...) method, got {callback!r}")
    return list(callbacks)


def fit(
    model: nn.Module,
    train: Pair,
    val: Pair | None,
    *,
    epochs: int,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    batch_size: int = 128,
    scheduler: Any = None,
    scheduler_interval: str = "batch",
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    early_stopping: int | None = None,
    checkpoint: str | os.PathLike | None = None,
    restore_best: bool = False,
    callbacks: Sequence[Any] = (),
    progress: bool = True,
    device: torch.device | str | None = None,
    eval_batch_size: int = 1000,
    on_nonfinite: str = "raise",
) -> History:
    """Train ``model`` on ``train = (x, y)`` for up to ``epochs`` epochs.

    x: (N, ...) float32, already normalized; y: (N,) int64 class numbers.
    Each epoch visits every training example once, in mini-batches of
    ``batch_size`` drawn by a fresh random permutation, then measures loss and
    accuracy on ``val`` (may be ``None``).

    - ``loss_fn``: defaults to ``nn.CrossEntropyLoss()`` (model returns logits).
    - ``scheduler``: stepped after every batch (``scheduler_interval="batch"``,
      e.g. OneCycleLR) or after every epoch (``"epoch"``).
    - ``augment``: callable ``xb -> xb`` applied to each training batch.
    - ``early_stopping``: stop when the validation loss has not improved for this
      many epochs (``None``: never stop early).
    - ``checkpoint``: file to which the best weights by validation loss are saved
      atomically (see :func:`save_checkpoint`).
    - ``restore_best``: load the best weights back into ``model`` at the end.
    - ``callbacks``: objects told about every finished epoch, the one hook for extras:
      ``callback.on_epoch_end(history, epochs=epochs)`` after each epoch and
      ``callback.close()`` (if it has one) at the end, even after an error. E.g.
      ``helpers.plots.LivePlot()``: the curves in ONE figure, redrawn in place.
    - ``progress``: one ``tqdm.auto`` bar for the whole run (a widget in a notebook,
      a single text line in a script) showing the latest metrics.
    - ``device``: where to train; ``None`` picks one with :func:`pick_device`.
      The model is moved there (``model.to(device)``); data batches follow it.
    - ``on_nonfinite``: what to do when the training loss becomes NaN or infinite:
      ``"raise"`` a ``FloatingPointError`` (default) or ``"stop"``, recording that
      epoch and setting ``history.diverged`` (for experiments that show divergence).
      A NaN or infinite validation loss while the training loss is finite (bad
      ``val`` data) raises too (with ``"stop"`` it is recorded); if no epoch had a
      finite validation loss, ``checkpoint``/``restore_best`` had nothing to keep and
      a ``RuntimeWarning`` says so at the end.
    - Labels are checked against the model's output width on the first batch
      (with the default loss): a label ``>= classes`` is a ``ValueError``.
    """
    module("model", model)
    x_train, y_train = _check_pair("train", train)
    if val is not None:
        x_val, y_val = _check_pair("val", val)
        if x_val.shape[1:] != x_train.shape[1:]:
            raise ValueError(
                f"val: inputs have shape {tuple(x_val.shape[1:])} per example, "
                f"but train has {tuple(x_train.shape[1:])}"
            )
    epochs = _check_positive_int("epochs", epochs)
    batch_size = _check_positive_int("batch_size", batch_size)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer: expected a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(
            f"scheduler: expected a learning-rate scheduler with a step() method "
            f"(e.g. torch.optim.lr_scheduler.OneCycleLR), got {type(scheduler).__name__}"
        )
    if scheduler_interval not in ("batch", "epoch"):
        raise ValueError(
            f"scheduler_interval: expected 'batch' or 'epoch', got {scheduler_interval!r}"
        )
    if on_nonfinite not in ("raise", "stop"):
        raise ValueError(f"on_nonfinite: expected 'raise' or 'stop', got {on_nonfinite!r}")
    if early_stopping is not None:
        early_stopping = _check_positive_int("early_stopping", early_stopping)
    if val is None and (early_stopping or checkpoint is not None or restore_best):
        raise ValueError(
            "val: early_stopping, checkpoint and restore_best need validation data, got None"
        )
    if int(y_train.min()) < 0:
        raise ValueError(f"train: labels must be class numbers >= 0, got {int(y_train.min())}")

    check_labels = loss_fn is None
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    device = _check_device(device)
    model.to(device)
    # Keep the whole training set on the training device: one copy, indexed per batch.
    x_train, y_train = x_train.to(device), y_train.to(device)
    val_on_device = None if val is None else (x_val.to(device), y_val.to(device))

    history = History()
    best_loss = math.inf
    best_state: dict[str, torch.Tensor] | None = None
    epochs_without_improvement = 0
    n = len(x_train)
    steps_per_epoch = math.ceil(n / batch_size)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs * steps_per_epoch, desc="training", unit="batch",
                   mininterval=0.5, leave=True, dynamic_ncols=True)
    callbacks = _check_callbacks(callbacks)
    elapsed = 0.0
    try:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            model.train()
            order = torch.randperm(n, device=device)
            loss_sum = torch.zeros((), device=device)
            correct = torch.zeros((), dtype=torch.int64, device=device)
            for step in range(steps_per_epoch):
                idx = order[step * batch_size : (step + 1) * batch_size]
                xb, yb = x_train[idx], y_train[idx]
                if augment is not None:
                    xb = augment(xb)
                logits = model(xb)
                if check_labels and epoch == 1 and step == 0:
                    _check_label_range("train", y_train, logits)
                    if val is not None:
                        _check_label_range("val", y_val, logits)
                loss = loss_fn(logits, yb)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if scheduler is not None and scheduler_interval == "batch":
                    scheduler.step()
                with torch.no_grad():
                    loss_sum += loss.detach() * len(yb)
                    correct += (logits.argmax(dim=1) == yb).sum()
                if bar is not None:
                    bar.update(1)
            if scheduler is not None and scheduler_interval == "epoch":
                scheduler.step()
            train_loss, train_acc = float(loss_sum) / n, int(correct) / n
            if not math.isfinite(train_loss) and on_nonfinite == "raise":
                raise FloatingPointError(
                    f"training loss became {train_loss} in epoch {epoch}: "
                    "the learning rate may be too high or the inputs not normalized"
                )
            if val_on_device is not None:
                val_loss, val_acc = evaluate(
                    model, val_on_device, batch_size=eval_batch_size, loss_fn=loss_fn
                )
                if not math.isfinite(val_loss) and math.isfinite(train_loss):
                    message = (
                        f"val: validation loss became {val_loss} in epoch {epoch} although the "
                        "training loss is finite; check val for NaN or infinite inputs"
                    )
                    if on_nonfinite == "raise":
                        raise FloatingPointError(message)
            else:
                val_loss, val_acc = math.nan, math.nan
            elapsed += time.perf_counter() - start

            history.epochs.append(epoch)
            history.train_loss.append(train_loss)
            history.train_acc.append(train_acc)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
            history.seconds.append(elapsed)

            if val_on_device is not None:
                if val_loss < best_loss:
                    best_loss = val_loss
                    history.best_epoch = epoch
                    epochs_without_improvement = 0
                    if restore_best:
                        best_state = {k: v.detach().to("cpu", copy=True)
                                      for k, v in model.state_dict().items()}
                    if checkpoint is not None:
                        save_checkpoint(model.state_dict(), checkpoint)
                else:
                    epochs_without_improvement += 1

            if bar is not None:
                postfix = {"epoch": f"{epoch}/{epochs}", "loss": f"{train_loss:.3f}",
                           "acc": f"{train_acc:.3f}"}
                if val_on_device is not None:
                    postfix.update({"val_loss": f"{val_loss:.3f}", "val_acc": f"{val_acc:.3f}"})
                bar.set_postfix(postfix, refresh=True)
            for callback in callbacks:
                callback.on_epoch_end(history, epochs=epochs)

            if not math.isfinite(train_loss):
                history.diverged = True
                break
            if early_stopping is not None and epochs_without_improvement >= early_stopping:
                history.stopped_early = True
                break
    finally:
        if bar is not None:
            if history.diverged:
                bar.set_description(f"diverged in epoch {history.epochs[-1]}")
            elif history.stopped_early:
                bar.set_description(f"stopped early after epoch {history.epochs[-1]}")
            bar.close()
        for callback in callbacks:
            close = getattr(callback, "close", None)
            if callable(close):
                close()

    if (restore_best or checkpoint is not None) and history.best_epoch is None:
        warnings.warn(
            "val: no epoch had a finite validation loss, so no checkpoint was written and "
            "restore_best left the model as it is", RuntimeWarning, stacklevel=2,
        )
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return history


def train_recipe(
    recipe: Recipe,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    *,
    seed: int = 0,
    **fit_kwargs,
):
    """Build the recipe's model, optimizer and scheduler, and train it with :func:`fit`.

    train, val: ``(x, y)`` with x float32 (N, 1, 28, 28) already standardized with
    ``recipe.mean`` / ``recipe.std``; y int64 (N,). ``fit_kwargs`` go to ``fit``
    (e.g. ``progress``, ``callbacks``, ``device``). Returns ``(model, history)``. Lessons 09-10.
    """
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe: expected a helpers.models.Recipe, got {type(recipe).__name__}")
    set_seed(seed)
    model = recipe.build_model()
    optimizer = recipe.build_optimizer(model)
    steps_per_epoch = math.ceil(len(train[0]) / recipe.batch_size)
    scheduler = recipe.build_scheduler(optimizer, steps_per_epoch)
    history = fit(model, train, val, epochs=recipe.epochs, optimizer=optimizer, scheduler=scheduler,
                  scheduler_interval=recipe.scheduler_interval, batch_size=recipe.batch_size, **fit_kwargs)
    return model, history
