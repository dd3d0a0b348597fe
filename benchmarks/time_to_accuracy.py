"""One training loop that times how long a recipe takes to reach a test accuracy.

Every recipe in the benchmark goes through :func:`train_to_target`, so they differ only
in what the recipe says (model, optimizer, schedule, batch size, epochs, input
scaling): the data are one tensor each, mini-batches are taken by indexing with a
random permutation, and all runs use the same number of threads.

The test set is evaluated at fixed fractions of an epoch (every quarter epoch by
default). The training clock stops while evaluating, so ``seconds_to_target`` is
training time only: the training seconds spent before the first evaluation whose
test accuracy reached the target.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["RunResult", "to_tensors", "subset", "evaluate_accuracy", "train_to_target"]


def to_tensors(
    images: np.ndarray, labels: np.ndarray, *, mean: float | None, std: float | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 images (N, 28, 28) and labels (N,) -> x float32 (N, 1, 28, 28), y int64 (N,).

    Pixels are scaled to [0, 1], then standardized as (x - mean) / std when both are given.
    """
    if images.ndim != 3:
        raise ValueError(f"images: expected shape (N, H, W), got {images.shape}")
    if labels.shape != (images.shape[0],):
        raise ValueError(f"labels: expected shape ({images.shape[0]},), got {labels.shape}")
    if (mean is None) != (std is None):
        raise ValueError(f"mean and std: give both or neither, got mean={mean}, std={std}")
    x = torch.from_numpy(np.ascontiguousarray(images)).to(torch.float32).div_(255.0).unsqueeze(1)
    if mean is not None:
        x.sub_(mean).div_(std)
    y = torch.from_numpy(np.ascontiguousarray(labels)).to(torch.int64)
    return x, y


def subset(images: np.ndarray, labels: np.ndarray, n: int | None, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A random subset of n examples (all of them when n is None or >= N)."""
    if n is None or n >= len(images):
        return images, labels
    if n <= 0:
        raise ValueError(f"n: expected a positive number of examples, got {n}")
    idx = np.random.default_rng(seed).permutation(len(images))[:n]
    return images[idx], labels[idx]


@torch.inference_mode()
def evaluate_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch_size: int = 1000) -> float:
    """Fraction of x (N, 1, 28, 28) classified as y (N,), in eval mode, in batches."""
    was_training = model.training
    model.eval()
    correct = 0
    for start in range(0, len(x), batch_size):
        logits = model(x[start : start + batch_size])
        correct += int((logits.argmax(1) == y[start : start + batch_size]).sum())
    model.train(was_training)
    return correct / len(x)


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


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train_to_target(
    recipe: Any,
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
    """Train ``recipe`` on ``train`` and time how long until test accuracy >= target.

    recipe: a helpers.models.Recipe (build_model, build_optimizer, build_scheduler,
        scheduler_interval, batch_size, epochs). Inputs must already be scaled the way
        the recipe says (see :func:`to_tensors`).
    train, test: (x float32 (N, 1, 28, 28), y int64 (N,)).
    eval_every: fraction of an epoch between test evaluations (0 < eval_every <= 1).
    stop_at_target: stop at the first evaluation that reaches the target.
    max_train_seconds: stop once this much training time has been spent (checked after
        every batch; a last evaluation follows).
    max_wall_seconds: stop once this much wall time (training and evaluations) has
        passed since the call (checked after every batch; a last evaluation follows).
    max_batches: stop after this many batches (used by the quick smoke run).
    """
    if not 0 < eval_every <= 1:
        raise ValueError(f"eval_every: expected a fraction of an epoch in (0, 1], got {eval_every}")
    if recipe.scheduler_interval not in ("batch", "epoch"):
        raise ValueError(f"recipe.scheduler_interval: expected 'batch' or 'epoch', got {recipe.scheduler_interval!r}")
    wall_start = time.perf_counter()
    x, y = train
    x_test, y_test = test
    n = len(x)
    bs = recipe.batch_size
    steps_per_epoch = math.ceil(n / bs)
    # Evaluate after these batch numbers (1-based) within each epoch.
    per_epoch = math.ceil(1 / eval_every - 1e-9)
    eval_after = sorted({min(steps_per_epoch, max(1, round(k * eval_every * steps_per_epoch))) for k in range(1, per_epoch + 1)})
    eval_after_set = set(eval_after) | {steps_per_epoch}

    _seed_everything(seed)
    model = recipe.build_model()
    model.train()
    optimizer = recipe.build_optimizer(model)
    scheduler = recipe.build_scheduler(optimizer, steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)

    clock = 0.0
    samples = 0
    batches = 0
    curve: list[dict[str, float]] = []
    seconds_to_target: float | None = None
    epochs_to_target: float | None = None
    stopped = "finished"
    accuracy = float("nan")

    def record(epoch_float: float) -> float:
        acc = evaluate_accuracy(model, x_test, y_test)
        curve.append({"epoch": round(epoch_float, 4), "train_seconds": clock, "test_accuracy": acc})
        return acc

    for epoch in range(recipe.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=generator)
        stop = False
        for b in range(steps_per_epoch):
            idx = perm[b * bs : (b + 1) * bs]
            xb, yb = x[idx], y[idx]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            if scheduler is not None and recipe.scheduler_interval == "batch":
                scheduler.step()
            batches += 1
            samples += len(idx)
            last_of_epoch = b + 1 == steps_per_epoch
            if last_of_epoch and scheduler is not None and recipe.scheduler_interval == "epoch":
                scheduler.step()
            over_time = max_train_seconds is not None and clock + (time.perf_counter() - t0) >= max_train_seconds
            over_wall = max_wall_seconds is not None and time.perf_counter() - wall_start >= max_wall_seconds
            over_batches = max_batches is not None and batches >= max_batches
            if (b + 1) in eval_after_set or over_time or over_wall or over_batches:
                clock += time.perf_counter() - t0
                epoch_float = epoch + (b + 1) / steps_per_epoch
                accuracy = record(epoch_float)
                if seconds_to_target is None and accuracy >= target:
                    seconds_to_target, epochs_to_target = clock, epoch_float
                    if stop_at_target:
                        stopped, stop = "reached_target", True
                if not stop and over_time:
                    stopped, stop = "time_cap", True
                if not stop and over_wall:
                    stopped, stop = "wall_cap", True
                if not stop and over_batches:
                    stopped, stop = "batch_cap", True
                if stop:
                    break
                t0 = time.perf_counter()
        if stop:
            break

    return RunResult(
        recipe=recipe.name,
        target=target,
        seconds_to_target=seconds_to_target,
        epochs_to_target=epochs_to_target,
        test_accuracy=accuracy,
        best_test_accuracy=max((c["test_accuracy"] for c in curve), default=float("nan")),
        train_seconds=clock,
        epochs=round(samples / n, 4),
        samples_seen=samples,
        stopped=stopped,
        cap_seconds=max_train_seconds,
        wall_cap_seconds=max_wall_seconds,
        wall_seconds=time.perf_counter() - wall_start,
        recipe_epochs=recipe.epochs,
        batch_size=bs,
        threads=torch.get_num_threads(),
        eval_every=eval_every,
        curve=curve,
    )
