"""A small, fast training loop over tensors.

The course keeps each data set as one tensor and draws mini-batches by indexing
it with a random permutation (no ``DataLoader``): on a laptop CPU this is the
quickest way to feed a small network.

- :func:`set_seed` and :func:`pick_device`: reproducible runs on CPU or GPU.
- :func:`to_tensors`: uint8 images ``(N, 28, 28)`` to float tensors ``(N, 1, 28, 28)``.
- :func:`train_epoch`: one pass over the data in shuffled mini-batches (lesson 05's loop).
- :func:`fit`: :func:`train_epoch` then :func:`evaluate`, epoch after epoch, with a
  progress bar and one callback hook (:mod:`helpers.callbacks`: early stopping,
  checkpoints, the live plot); returns a :class:`History`.
- :func:`evaluate` and :func:`predict`: loss, accuracy and class probabilities.
- :func:`train_recipe`: a :class:`helpers.models.Recipe` built and trained with :func:`fit`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from helpers.callbacks import StopTraining, check_callbacks
from helpers.evaluation import evaluate, predict
from helpers.models import Recipe
from helpers.tensors import (
    Pair,
    check_device,
    check_label_range,
    check_pair,
    check_positive_int,
    model_device,
    pick_device,
    set_seed,
    to_tensors,
)
from helpers.validate import module

__all__ = [
    "History",
    "evaluate",
    "fit",
    "pick_device",
    "predict",
    "set_seed",
    "to_tensors",
    "train_epoch",
    "train_recipe",
]


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
    ``best_epoch`` is the epoch (1-based) with the lowest validation loss;
    ``stop_reason`` says why a callback ended the run early ("" if none did).
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
    stop_reason: str = ""

    def __len__(self) -> int:
        return len(self.epochs)

    def record(self, epoch: int, train_loss: float, train_acc: float, val_loss: float,
               val_acc: float, seconds: float) -> None:
        """Append one finished epoch (and keep ``best_epoch`` up to date)."""
        if not math.isnan(val_loss) and (self.best_epoch is None or val_loss < min(
                v for v in self.val_loss if not math.isnan(v))):
            self.best_epoch = epoch
        self.epochs.append(epoch)
        self.train_loss.append(train_loss)
        self.train_acc.append(train_acc)
        self.val_loss.append(val_loss)
        self.val_acc.append(val_acc)
        self.seconds.append(seconds)

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


def _check_optimizer(optimizer: Any, scheduler: Any, scheduler_interval: str) -> None:
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


def _run_epoch(model, x, y, optimizer, loss_fn, batch_size, scheduler, augment, on_batch) -> torch.Tensor:
    """The loop of :func:`train_epoch`, arguments already checked; returns the loss sum (a tensor)."""
    model.train()
    order = torch.randperm(len(x), device=x.device)
    loss_sum = torch.zeros((), device=x.device)
    for start in range(0, len(x), batch_size):
        idx = order[start : start + batch_size]
        xb, yb = x[idx], y[idx]
        if augment is not None:
            xb = augment(xb)
        logits = model(xb)
        loss = loss_fn(logits, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        loss_sum += loss.detach() * len(yb)
        if on_batch is not None:
            on_batch(logits.detach(), yb, loss.detach())
    return loss_sum


def train_epoch(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    batch_size: int = 128,
    *,
    scheduler: Any = None,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    on_batch: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], None] | None = None,
) -> float:
    """One pass over ``(x, y)`` in shuffled mini-batches; returns the mean training loss.

    The loop lesson 05 has students write, with the same name and arguments:
    for each slice of a random permutation, forward, loss, zero the gradients,
    backward, step. :func:`fit` runs exactly this once per epoch.

    x: (N, ...) float on the model's device; y: (N,) int64. ``loss_fn`` defaults to
    cross-entropy on logits. ``scheduler`` (optional) is stepped after every batch,
    ``augment`` (optional) maps each batch ``xb -> xb``, and ``on_batch(logits, yb, loss)``
    (optional) sees every batch's results, detached. Example::

        mean_loss = train_epoch(model, x_train, y_train, optimizer, nn.CrossEntropyLoss(), 128)
    """
    module("model", model)
    x, y = check_pair("x and y", (x, y))
    batch_size = check_positive_int("batch_size", batch_size)
    _check_optimizer(optimizer, scheduler, "batch")
    device = model_device(model)
    if x.device != device or y.device != device:
        raise ValueError(
            f"x and y: expected tensors on the model's device ({device}), got {x.device} and {y.device}"
        )
    if loss_fn is None:
        loss_fn = nn.CrossEntropyLoss()
        with torch.no_grad():
            was_training = model.training
            model.eval()
            check_label_range("y", y, model(x[:1]))
            model.train(was_training)
    return float(_run_epoch(model, x, y, optimizer, loss_fn, batch_size, scheduler, augment, on_batch)) / len(x)


def _call(callbacks: Sequence[Any], hook: str, *args: Any, **kwargs: Any) -> None:
    for callback in callbacks:
        method = getattr(callback, hook, None)
        if callable(method):
            method(*args, **kwargs)


def _check_fit_inputs(model, train, val, epochs, batch_size, on_nonfinite) -> tuple[Pair, Pair | None, int, int]:
    module("model", model)
    train = check_pair("train", train)
    if val is not None:
        val = check_pair("val", val)
        if val[0].shape[1:] != train[0].shape[1:]:
            raise ValueError(
                f"val: inputs have shape {tuple(val[0].shape[1:])} per example, "
                f"but train has {tuple(train[0].shape[1:])}"
            )
    if on_nonfinite not in ("raise", "stop"):
        raise ValueError(f"on_nonfinite: expected 'raise' or 'stop', got {on_nonfinite!r}")
    if int(train[1].min()) < 0:
        raise ValueError(f"train: labels must be class numbers >= 0, got {int(train[1].min())}")
    return train, val, check_positive_int("epochs", epochs), check_positive_int("batch_size", batch_size)


class _Progress:
    """The one ``tqdm.auto`` bar of a run (a widget in a notebook, a text line in a script)."""

    def __init__(self, total: int, enabled: bool, desc: str) -> None:
        self.bar = None
        if enabled:
            self.bar = tqdm(total=total, desc=desc, unit="batch", mininterval=0.5,
                            leave=True, dynamic_ncols=True)

    def step(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def epoch(self, history: "History", epochs: int) -> None:
        if self.bar is None:
            return
        postfix = {"epoch": f"{history.epochs[-1]}/{epochs}", "loss": f"{history.train_loss[-1]:.3f}",
                   "acc": f"{history.train_acc[-1]:.3f}"}
        if not math.isnan(history.val_loss[-1]):
            postfix.update({"val_loss": f"{history.val_loss[-1]:.3f}", "val_acc": f"{history.val_acc[-1]:.3f}"})
        self.bar.set_postfix(postfix, refresh=True)

    def close(self, history: "History") -> None:
        if self.bar is None:
            return
        if history.diverged:
            self.bar.set_description(f"diverged in epoch {history.epochs[-1]}")
        elif history.stop_reason:
            self.bar.set_description(history.stop_reason.split(":")[0])
        self.bar.close()


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
    callbacks: Sequence[Any] = (),
    progress: bool | str = True,
    device: torch.device | str | None = None,
    eval_batch_size: int = 1000,
    on_nonfinite: str = "raise",
) -> History:
    """Train ``model`` on ``train = (x, y)`` for up to ``epochs`` epochs (lesson 05).

    x: (N, ...) float32, already normalized; y: (N,) int64 class numbers.
    Each epoch is one :func:`train_epoch` (every training example once, in shuffled
    mini-batches of ``batch_size``), then :func:`evaluate` on ``val`` (may be ``None``).

    - ``loss_fn``: defaults to ``nn.CrossEntropyLoss()`` (model returns logits).
    - ``scheduler``: stepped after every batch (``scheduler_interval="batch"``,
      e.g. OneCycleLR) or after every epoch (``"epoch"``).
    - ``augment``: callable ``xb -> xb`` applied to each training batch.
    - ``callbacks``: the one hook for extras (see :mod:`helpers.callbacks`):
      ``EarlyStopping(patience)``, ``Checkpoint(path, restore_best=...)``,
      ``helpers.plots.LivePlot()``, or your own object with any of ``on_fit_begin``,
      ``on_batch_end``, ``on_epoch_end``, ``close``. A callback raising
      ``StopTraining`` ends the run; ``history.stop_reason`` says why.
    - ``progress``: one ``tqdm.auto`` bar for the whole run showing the latest metrics
      (a string names the bar, e.g. ``progress="ResNet"``); ``False``: no bar.
    - ``device``: where to train; ``None`` picks one with :func:`pick_device`.
      The model is moved there (``model.to(device)``); data batches follow it.
    - ``on_nonfinite``: what to do when the training loss becomes NaN or infinite:
      ``"raise"`` a ``FloatingPointError`` (default) or ``"stop"``, recording that
      epoch and setting ``history.diverged`` (for experiments that show divergence).
      A NaN or infinite validation loss while the training loss is finite (bad
      ``val`` data) raises too (with ``"stop"`` it is recorded).
    - Labels are checked against the model's output width before the first batch
      (with the default loss): a label ``>= classes`` is a ``ValueError``.
    """
    train, val, epochs, batch_size = _check_fit_inputs(model, train, val, epochs, batch_size, on_nonfinite)
    _check_optimizer(optimizer, scheduler, scheduler_interval)
    callbacks = check_callbacks(callbacks, has_val=val is not None)
    if not isinstance(progress, (bool, str)):
        raise TypeError(f"progress: expected True, False or a name for the bar, got {type(progress).__name__}")
    device = check_device(device)
    model.to(device)
    # Keep the whole training set on the training device: one copy, indexed per batch.
    x_train, y_train = train[0].to(device), train[1].to(device)
    val = None if val is None else (val[0].to(device), val[1].to(device))
    if loss_fn is None:
        loss_fn = nn.CrossEntropyLoss()
        _check_labels_fit(model, x_train, y_train, val)

    history = History()
    steps_per_epoch = math.ceil(len(x_train) / batch_size)
    bar = _Progress(epochs * steps_per_epoch, bool(progress),
                    progress if isinstance(progress, str) else "training")
    per_batch = [c for c in callbacks if callable(getattr(c, "on_batch_end", None))]
    state = {"step": 0, "correct": torch.zeros((), dtype=torch.int64, device=device)}

    def on_batch(logits: torch.Tensor, yb: torch.Tensor, loss: torch.Tensor) -> None:
        state["correct"] += (logits.argmax(dim=1) == yb).sum()
        state["step"] += 1
        bar.step()
        for callback in per_batch:
            callback.on_batch_end(state["step"], loss)

    batch_scheduler = scheduler if scheduler_interval == "batch" else None
    elapsed = 0.0
    try:
        _call(callbacks, "on_fit_begin", model, epochs=epochs, steps_per_epoch=steps_per_epoch,
              has_val=val is not None)
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            state["correct"].zero_()
            loss_sum = _run_epoch(model, x_train, y_train, optimizer, loss_fn, batch_size,
                                  batch_scheduler, augment, on_batch)
            if scheduler is not None and scheduler_interval == "epoch":
                scheduler.step()
            train_loss = float(loss_sum) / len(x_train)
            train_acc = int(state["correct"]) / len(x_train)
            val_loss, val_acc = _validate(model, val, epoch, train_loss, loss_fn, eval_batch_size, on_nonfinite)
            elapsed += time.perf_counter() - start
            history.record(epoch, train_loss, train_acc, val_loss, val_acc, elapsed)
            bar.epoch(history, epochs)
            _call(callbacks, "on_epoch_end", history, epochs=epochs)
            if not math.isfinite(train_loss):
                history.diverged = True
                break
    except StopTraining as stop:
        history.stop_reason = str(stop) or "stopped by a callback"
    finally:
        bar.close(history)
        _call(callbacks, "close")
    return history


def _check_labels_fit(model: nn.Module, x_train: torch.Tensor, y_train: torch.Tensor, val: Pair | None) -> None:
    """Labels below the model's output width, checked on one example before training."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits = model(x_train[:1])
    finally:
        model.train(was_training)
    check_label_range("train", y_train, logits)
    if val is not None:
        check_label_range("val", val[1], logits)


def _validate(model, val, epoch, train_loss, loss_fn, eval_batch_size, on_nonfinite) -> tuple[float, float]:
    """The epoch's validation loss and accuracy (NaN without ``val``), after the non-finite checks."""
    if not math.isfinite(train_loss) and on_nonfinite == "raise":
        raise FloatingPointError(
            f"training loss became {train_loss} in epoch {epoch}: "
            "the learning rate may be too high or the inputs not normalized"
        )
    if val is None:
        return math.nan, math.nan
    val_loss, val_acc = evaluate(model, val, batch_size=eval_batch_size, loss_fn=loss_fn)
    if not math.isfinite(val_loss) and math.isfinite(train_loss) and on_nonfinite == "raise":
        raise FloatingPointError(
            f"val: validation loss became {val_loss} in epoch {epoch} although the "
            "training loss is finite; check val for NaN or infinite inputs"
        )
    return val_loss, val_acc


def train_recipe(
    recipe: Recipe,
    train: Pair,
    val: Pair | None = None,
    *,
    seed: int = 0,
    model: nn.Module | None = None,
    **fit_kwargs: Any,
) -> tuple[nn.Module, History]:
    """Train with a recipe: seed, model, optimizer and schedule built as it says, then :func:`fit`.

    train, val: ``(x, y)`` with x float32 (N, 1, 28, 28) already standardized with
    ``recipe.mean`` / ``recipe.std``; y int64 (N,). ``model``: a network to train instead
    of ``recipe.build_model()`` (lesson 09 passes the CourseCNN written in the notebook);
    it is used as given, so build it after seeding for a reproducible start.
    ``fit_kwargs`` go to ``fit`` (e.g. ``progress``, ``callbacks``, ``device``); the recipe's
    ``augment`` is used unless ``augment=`` is given.
    Returns ``(model, history)``. Lessons 09-10; ``make bench`` times exactly this.
    """
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe: expected a helpers.models.Recipe, got {type(recipe).__name__}")
    train = check_pair("train", train)
    set_seed(seed)
    model = recipe.build_model() if model is None else module("model", model)
    optimizer = recipe.build_optimizer(model)
    steps_per_epoch = math.ceil(len(train[0]) / recipe.batch_size)
    scheduler = recipe.build_scheduler(optimizer, steps_per_epoch)
    fit_kwargs.setdefault("augment", recipe.augment)
    history = fit(model, train, val, epochs=recipe.epochs, optimizer=optimizer, scheduler=scheduler,
                  scheduler_interval=recipe.scheduler_interval, batch_size=recipe.batch_size, **fit_kwargs)
    return model, history
