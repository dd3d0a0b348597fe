"""What :func:`helpers.training.fit` does besides training: its one callback hook.

A callback is any object with some of these methods; ``fit`` calls the ones it has:

- ``on_fit_begin(model, *, epochs, steps_per_epoch, has_val)``: once, before the first batch;
- ``on_batch_end(step, loss)``: after every optimizer step (``step`` counts from 1 over
  the whole run, ``loss`` is that batch's loss tensor, not yet moved to the CPU);
- ``on_epoch_end(history, *, epochs)``: after every epoch, once ``history`` holds it;
- ``close()``: at the end, even after an error or a stop.

Any of them may raise :class:`StopTraining` to end the run early: ``fit`` catches it and
records the reason in ``history.stop_reason``.

The course's callbacks (lesson 05):

- :class:`EarlyStopping`: stop once the validation loss has not improved for a while;
- :class:`Checkpoint`: save the best weights by validation loss (atomically), and
  optionally put them back into the model at the end;
- ``helpers.plots.LivePlot``: the training curves, redrawn after every epoch.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import torch
from torch import nn

from helpers.checkpoints import save_checkpoint
from helpers.validate import positive_int

__all__ = ["Callback", "Checkpoint", "EarlyStopping", "StopTraining", "check_callbacks"]

HOOKS = ("on_fit_begin", "on_batch_end", "on_epoch_end", "close")


class StopTraining(Exception):
    """Raised by a callback to end :func:`helpers.training.fit` early; the message is the reason."""


class Callback:
    """A callback that does nothing: subclass it and override the hooks you need."""

    needs_val = False  # True: fit refuses to run it without validation data

    def on_fit_begin(self, model: nn.Module, *, epochs: int, steps_per_epoch: int, has_val: bool) -> None:
        pass

    def on_batch_end(self, step: int, loss: torch.Tensor) -> None:
        pass

    def on_epoch_end(self, history: Any, *, epochs: int) -> None:
        pass

    def close(self) -> None:
        pass


def check_callbacks(callbacks: Any, *, has_val: bool) -> list[Any]:
    """``callbacks`` as a list, each one checked to have at least one hook."""
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(
            f"callbacks: expected a list of callbacks (e.g. [LivePlot()]), got {type(callbacks).__name__}"
        )
    for callback in callbacks:
        if not any(callable(getattr(callback, hook, None)) for hook in HOOKS):
            raise TypeError(
                f"callbacks: each needs at least one of the methods {', '.join(HOOKS)}, got {callback!r}"
            )
        if getattr(callback, "needs_val", False) and not has_val:
            raise ValueError(
                f"val: {type(callback).__name__} needs validation data, got None"
            )
    return list(callbacks)


class EarlyStopping(Callback):
    """Stop when the validation loss has not improved for ``patience`` epochs in a row.

    ``fit(..., callbacks=[EarlyStopping(patience=2)])``: with patience 2, a run whose
    best epoch is 3 stops after epoch 5. Sets ``history.stopped_early``. Lesson 05.
    """

    needs_val = True

    def __init__(self, patience: int = 2) -> None:
        self.patience = positive_int("patience", patience)
        self.best = math.inf
        self.waited = 0

    def on_fit_begin(self, model: nn.Module, **_: Any) -> None:
        self.best, self.waited = math.inf, 0

    def on_epoch_end(self, history: Any, *, epochs: int) -> None:
        loss = history.val_loss[-1]
        if loss < self.best:
            self.best, self.waited = loss, 0
            return
        self.waited += 1
        if self.waited >= self.patience:
            history.stopped_early = True
            raise StopTraining(
                f"stopped early after epoch {history.epochs[-1]}: no better validation loss "
                f"for {self.patience} epochs"
            )


class Checkpoint(Callback):
    """Keep the best weights by validation loss.

    ``path``: a file the best weights are saved to (atomically, checksummed; see
    :func:`helpers.checkpoints.save_checkpoint`) each time the validation loss improves;
    ``None`` keeps them in memory only. ``restore_best=True`` loads the best weights back
    into the model when training ends. Lesson 05.
    """

    needs_val = True

    def __init__(self, path: str | os.PathLike | None = None, *, restore_best: bool = False) -> None:
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path: expected a file path or None, got {type(path).__name__}")
        if not isinstance(restore_best, bool):
            raise TypeError(f"restore_best: expected True or False, got {restore_best!r}")
        if path is None and not restore_best:
            raise ValueError("path: expected a file to save to (or restore_best=True), got None")
        self.path = path
        self.restore_best = restore_best
        self.model: nn.Module | None = None
        self.best = math.inf
        self.best_epoch: int | None = None
        self.best_state: dict[str, torch.Tensor] | None = None

    def on_fit_begin(self, model: nn.Module, **_: Any) -> None:
        self.model, self.best, self.best_epoch, self.best_state = model, math.inf, None, None

    def on_epoch_end(self, history: Any, *, epochs: int) -> None:
        loss = history.val_loss[-1]
        if not loss < self.best:  # also skips NaN
            return
        self.best, self.best_epoch = loss, history.epochs[-1]
        state = self.model.state_dict()
        if self.restore_best:
            self.best_state = {k: v.detach().to("cpu", copy=True) for k, v in state.items()}
        if self.path is not None:
            save_checkpoint(state, self.path)

    def close(self) -> None:
        if self.model is None:
            return
        if self.best_epoch is None:
            warnings.warn(
                "val: no epoch had a finite validation loss, so no checkpoint was written and "
                "restore_best left the model as it is", RuntimeWarning, stacklevel=3,
            )
        elif self.best_state is not None:
            self.model.load_state_dict(self.best_state)
