"""How long a recipe takes to reach a test accuracy, timed on the lessons' own training code.

Every recipe goes through :func:`helpers.training.train_recipe` — the function lessons 09
and 10 train with, which runs :func:`helpers.training.fit` and so
:func:`helpers.training.train_epoch` — with one extra callback, :class:`TimeToTarget`.
The recipes therefore differ only in what they say (model, optimizer, schedule, batch
size, epochs, input scaling), and what is timed is what students run.

The test set is evaluated at fixed fractions of an epoch (every quarter epoch by
default). The training clock stops while evaluating, so ``seconds_to_target`` is
training time only: the training seconds spent before the first evaluation whose
test accuracy reached the target.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from helpers.callbacks import Callback, StopTraining
from helpers.evaluation import evaluate
from helpers.models import Recipe
from helpers.training import to_tensors, train_recipe

__all__ = ["RunResult", "TimeToTarget", "subset", "to_tensors", "train_to_target"]


def subset(images: np.ndarray, labels: np.ndarray, n: int | None, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A random subset of n examples (all of them when n is None or >= N)."""
    if n is None or n >= len(images):
        return images, labels
    if n <= 0:
        raise ValueError(f"n: expected a positive number of examples, got {n}")
    idx = np.random.default_rng(seed).permutation(len(images))[:n]
    return images[idx], labels[idx]


@dataclass
class RunResult:
    """What one timed training run did.

    ``curve`` holds one entry per evaluation: epoch (fractional), training seconds so
    far, test accuracy. ``stopped`` says why training ended: "finished" (all the
    recipe's epochs), "reached_target" (stop_at_target), "time_cap" (training
    seconds), "wall_cap" (wall seconds, evaluations included) or "batch_cap".
    """

    recipe: str
    target: float
    seconds_to_target: float | None
    epochs_to_target: float | None
    test_accuracy: float
    best_test_accuracy: float
    train_seconds: float
    epochs: float
    samples_seen: int
    stopped: str
    cap_seconds: float | None
    wall_cap_seconds: float | None
    wall_seconds: float
    recipe_epochs: int
    batch_size: int
    threads: int
    eval_every: float
    curve: list[dict[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class TimeToTarget(Callback):
    """A :func:`helpers.training.fit` callback that times training to a test accuracy.

    It evaluates ``test`` after fixed batch numbers of each epoch (``eval_every`` of an
    epoch apart, and at every epoch's end), keeps its clock stopped meanwhile, and ends
    the run (``StopTraining``) at the target (``stop_at_target``) or at a cap: training
    seconds, wall seconds since the run began (evaluations included) or batches.
    """

    def __init__(self, test: tuple[torch.Tensor, torch.Tensor], *, target: float, eval_every: float = 0.25,
                 stop_at_target: bool = False, max_train_seconds: float | None = None,
                 max_wall_seconds: float | None = None, max_batches: int | None = None) -> None:
        if not 0 < eval_every <= 1:
            raise ValueError(f"eval_every: expected a fraction of an epoch in (0, 1], got {eval_every}")
        self.test, self.target, self.eval_every = test, target, eval_every
        self.stop_at_target = stop_at_target
        self.caps = (max_train_seconds, max_wall_seconds, max_batches)
        self.curve: list[dict[str, float]] = []
        self.clock = 0.0
        self.batches = 0
        self.seconds_to_target: float | None = None
        self.epochs_to_target: float | None = None
        self.stopped = "finished"
        self.accuracy = float("nan")

    def on_fit_begin(self, model: torch.nn.Module, *, epochs: int, steps_per_epoch: int, has_val: bool) -> None:
        self.model, self.steps_per_epoch = model, steps_per_epoch
        per_epoch = math.ceil(1 / self.eval_every - 1e-9)
        self.eval_after = {min(steps_per_epoch, max(1, round(k * self.eval_every * steps_per_epoch)))
                           for k in range(1, per_epoch + 1)} | {steps_per_epoch}
        self.wall_start = self.t0 = time.perf_counter()

    def _over(self) -> str | None:
        max_train, max_wall, max_batches = self.caps
        now = time.perf_counter()
        if max_train is not None and self.clock + (now - self.t0) >= max_train:
            return "time_cap"
        if max_wall is not None and now - self.wall_start >= max_wall:
            return "wall_cap"
        if max_batches is not None and self.batches >= max_batches:
            return "batch_cap"
        return None

    def on_batch_end(self, step: int, loss: torch.Tensor) -> None:
        self.batches = step
        over = self._over()
        if (step - 1) % self.steps_per_epoch + 1 not in self.eval_after and over is None:
            return
        self.clock += time.perf_counter() - self.t0
        epoch = round(step / self.steps_per_epoch, 4)
        self.accuracy = evaluate(self.model, self.test)[1]
        self.curve.append({"epoch": epoch, "train_seconds": self.clock, "test_accuracy": self.accuracy})
        if self.seconds_to_target is None and self.accuracy >= self.target:
            self.seconds_to_target, self.epochs_to_target = self.clock, epoch
            if self.stop_at_target:
                self.stopped = "reached_target"
                raise StopTraining(self.stopped)
        if over is not None:
            self.stopped = over
            raise StopTraining(over)
        self.t0 = time.perf_counter()


def train_to_target(
    recipe: Recipe,
    train: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    *,
    target: float = 0.99,
    eval_every: float = 0.25,
    stop_at_target: bool = False,
    max_train_seconds: float | None = None,
    max_wall_seconds: float | None = None,
    max_batches: int | None = None,
    seed: int = 0,
) -> RunResult:
    """Train ``recipe`` on ``train`` with :func:`helpers.training.train_recipe` and time
    how long until test accuracy >= target (see :class:`TimeToTarget` for the caps).

    train, test: (x float32 (N, 1, 28, 28), y int64 (N,)), scaled the way the recipe says.
    Runs on the CPU, without a progress bar, with the threads torch is set to use.
    """
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe: expected a helpers.models.Recipe, got {type(recipe).__name__}")
    timer = TimeToTarget(test, target=target, eval_every=eval_every, stop_at_target=stop_at_target,
                         max_train_seconds=max_train_seconds, max_wall_seconds=max_wall_seconds,
                         max_batches=max_batches)
    train_recipe(recipe, train, None, seed=seed, callbacks=[timer], progress=False, device="cpu")
    n, full_epochs = len(train[0]), timer.batches // timer.steps_per_epoch
    samples = full_epochs * n + min((timer.batches % timer.steps_per_epoch) * recipe.batch_size, n)
    return RunResult(
        recipe=recipe.name,
        target=target,
        seconds_to_target=timer.seconds_to_target,
        epochs_to_target=timer.epochs_to_target,
        test_accuracy=timer.accuracy,
        best_test_accuracy=max((c["test_accuracy"] for c in timer.curve), default=float("nan")),
        train_seconds=timer.clock,
        epochs=round(timer.batches / timer.steps_per_epoch, 4),
        samples_seen=samples,
        stopped=timer.stopped,
        cap_seconds=max_train_seconds,
        wall_cap_seconds=max_wall_seconds,
        wall_seconds=time.perf_counter() - timer.wall_start,
        recipe_epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        threads=torch.get_num_threads(),
        eval_every=eval_every,
        curve=timer.curve,
    )
