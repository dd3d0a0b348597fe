"""Lesson 09's ingredients of a training recipe, each measured in a short run.

- :func:`activation_stats`: the standard deviation of every chosen layer's output in one
  forward pass (how an initialization lets the signal grow, hold or fade with depth).
- :func:`lr_range_test`: train with a learning rate that grows geometrically batch by
  batch and record the loss, to choose a peak learning rate.
- :func:`compare_runs`: train several set-ups for the same few batches, on the same
  batches, and record loss, weight norm and validation accuracy.
- :func:`plot_activation_stats`, :func:`plot_lr_range`, :func:`plot_runs`: their figures.

Images are ``x: (N, 1, 28, 28)`` float32, already standardized; labels ``y: (N,)`` int64.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from helpers.training import pick_device
from helpers.validate import module as check_module, positive_int

__all__ = [
    "Run",
    "activation_stats",
    "batch_order",
    "compare_runs",
    "lr_range_test",
    "plot_activation_stats",
    "plot_lr_range",
    "plot_runs",
]

Pair = tuple[torch.Tensor, torch.Tensor]
Setup = Callable[[], tuple[nn.Module, torch.optim.Optimizer, object]]


def _check_pair(name: str, data: object) -> Pair:
    if (not isinstance(data, (tuple, list)) or len(data) != 2
            or not all(isinstance(t, torch.Tensor) for t in data)):
        raise TypeError(f"{name}: expected a pair (x, y) of tensors, got {type(data).__name__}")
    x, y = data
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"{name}: expected x and y of the same non-zero length, got {len(x)} and {len(y)}")
    return x, y


def activation_stats(model: nn.Module, x: torch.Tensor,
                     layer_types: tuple[type, ...] = (nn.ReLU,)) -> list[tuple[str, float]]:
    """Standard deviation of the output of every layer of ``layer_types``, in forward order.

    Lesson 09 (weight initialization). x: (N, ...) a batch the model accepts. One forward
    pass without gradients; the model is put in eval mode for it and restored afterwards.
    Returns ``[(layer name, std of its output over all N and all positions), ...]``.
    """
    check_module("model", model)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x: expected a tensor, got {type(x).__name__}")
    if not isinstance(layer_types, tuple) or not layer_types:
        raise TypeError(f"layer_types: expected a non-empty tuple of layer classes, got {layer_types!r}")
    stats: list[tuple[str, float]] = []
    hooks = []
    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            hooks.append(module.register_forward_hook(
                lambda _m, _inp, out, name=name: stats.append((name, out.detach().float().std().item()))))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    if not stats:
        raise ValueError(f"layer_types: the model has no layer of type {[t.__name__ for t in layer_types]}")
    return stats


def batch_order(n: int, batch_size: int, steps: int, seed: int = 0) -> list[torch.Tensor]:
    """The index batches :func:`lr_range_test` and :func:`compare_runs` train on (lesson 09).

    ``steps`` batches of ``batch_size`` indices into ``range(n)``, from seeded random
    permutations (a new permutation each time one runs out), so every set-up sees the
    same batches in the same order.
    """
    n, batch_size, steps = (positive_int(k, v) for k, v in
                            (("n", n), ("batch_size", batch_size), ("steps", steps)))
    if batch_size > n:
        raise ValueError(f"batch_size: expected at most n={n} examples, got {batch_size}")
    generator = torch.Generator().manual_seed(seed)
    batches: list[torch.Tensor] = []
    per_pass = n // batch_size
    while len(batches) < steps:
        perm = torch.randperm(n, generator=generator)
        batches += [perm[k * batch_size:(k + 1) * batch_size] for k in range(per_pass)]
    return batches[:steps]


def lr_range_test(model: nn.Module, train: Pair, *, lr_min: float = 1e-5, lr_max: float = 1.0,
                  steps: int = 60, batch_size: int = 128, seed: int = 0,
                  make_optimizer: Callable[..., torch.optim.Optimizer] | None = None,
                  device: torch.device | str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Learning-rate range test (lesson 09): one batch per learning rate, rates growing geometrically.

    Batch k is trained at ``lr_min * (lr_max / lr_min) ** (k / (steps - 1))``; its loss is
    measured before the step it takes. ``make_optimizer(params, lr=...)`` defaults to
    ``torch.optim.AdamW``. Trains ``model`` in place (use a fresh one). Stops early when the
    loss is not finite or exceeds 4 times the lowest loss so far. Returns ``(lrs, losses)``, both (K,).
    """
    check_module("model", model)
    x, y = _check_pair("train", train)
    steps = positive_int("steps", steps)
    if steps < 2:
        raise ValueError(f"steps: expected at least 2, got {steps}")
    if not 0 < lr_min < lr_max:
        raise ValueError(f"lr_min, lr_max: expected 0 < lr_min < lr_max, got {lr_min} and {lr_max}")
    device = torch.device(device) if device is not None else pick_device()
    model.to(device).train()
    optimizer = (make_optimizer or torch.optim.AdamW)(model.parameters(), lr=lr_min)
    loss_fn = nn.CrossEntropyLoss()
    lrs, losses = [], []
    for k, idx in enumerate(batch_order(len(x), batch_size, steps, seed)):
        lr = lr_min * (lr_max / lr_min) ** (k / (steps - 1))
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = loss_fn(model(x[idx].to(device)), y[idx].to(device))
        lrs.append(lr)
        losses.append(loss.item())
        if not math.isfinite(losses[-1]) or losses[-1] > 4 * min(losses):
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return np.array(lrs), np.array(losses)


@dataclass
class Run:
    """What :func:`compare_runs` records for one set-up (lesson 09).

    ``losses`` and ``weight_norms`` have one entry per batch (the norm is measured after the
    step, over all weights that are not biases or batch-norm parameters); ``val_loss``
    and ``val_accuracy`` are measured once at the end; ``lrs`` is the rate each batch used.
    """

    losses: list[float] = field(default_factory=list)
    weight_norms: list[float] = field(default_factory=list)
    lrs: list[float] = field(default_factory=list)
    val_loss: float = float("nan")
    val_accuracy: float = float("nan")
    seconds: float = 0.0


def _weight_norm(model: nn.Module) -> float:
    squares = [p.detach().pow(2).sum() for p in model.parameters() if p.ndim > 1]
    return torch.stack(squares).sum().sqrt().item()


def _train_one(setup: Setup, x: torch.Tensor, y: torch.Tensor, val: Pair, batches: list[torch.Tensor],
               device: torch.device) -> Run:
    model, optimizer, scheduler = setup()
    model.to(device).train()
    loss_fn = nn.CrossEntropyLoss()
    run = Run()
    start = time.perf_counter()
    for idx in batches:
        run.lrs.append(optimizer.param_groups[0]["lr"])
        loss = loss_fn(model(x[idx].to(device)), y[idx].to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        run.losses.append(loss.item())
        run.weight_norms.append(_weight_norm(model))
    run.seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(xb.to(device)).cpu() for xb in val[0].split(1000)])
    run.val_loss = loss_fn(logits, val[1]).item()
    run.val_accuracy = (logits.argmax(1) == val[1]).float().mean().item()
    return run


def compare_runs(setups: dict[str, Setup], train: Pair, val: Pair, *, steps: int, batch_size: int = 128,
                 seed: int = 0, device: torch.device | str | None = None) -> dict[str, Run]:
    """Train each set-up for ``steps`` batches of the same data, in the same order (lesson 09).

    ``setups``: name -> a function of no arguments returning ``(model, optimizer, scheduler)``
    (scheduler may be ``None``; it is stepped after every batch). Torch is seeded with
    ``seed`` before each set-up is built, so networks of one class start from the same
    weights. Returns name -> :class:`Run`.
    """
    if not isinstance(setups, dict) or not setups or not all(callable(s) for s in setups.values()):
        raise TypeError(f"setups: expected a non-empty dict of name -> function, got {setups!r}")
    x, y = _check_pair("train", train)
    val = _check_pair("val", val)
    steps = positive_int("steps", steps)
    batches = batch_order(len(x), batch_size, steps, seed)
    device = torch.device(device) if device is not None else pick_device()
    runs = {}
    for name, setup in setups.items():
        torch.manual_seed(seed)
        runs[name] = _train_one(setup, x, y, val, batches, device)
    return runs


def plot_activation_stats(stats: dict[str, list[tuple[str, float]]], *, title: str = "Activations layer by layer"):
    """Lesson 09: one line per initialization, std of each layer's output (log scale). Returns the figure."""
    if not isinstance(stats, dict) or not stats:
        raise TypeError(f"stats: expected a dict of name -> activation_stats(...) list, got {type(stats).__name__}")
    fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
    colours = plt.get_cmap("viridis")(np.linspace(0.1, 0.85, len(stats)))
    for colour, (name, layer_stats) in zip(colours, stats.items()):
        stds = [s for _, s in layer_stats]
        ax.plot(range(1, len(stds) + 1), stds, "o-", color=colour, label=name)
    ax.set(yscale="log", xlabel="layer (output of each ReLU)", ylabel="standard deviation", title=title)
    fig.legend(loc="outside lower center", ncols=len(stats), frameon=False)
    return fig


def plot_lr_range(lrs: np.ndarray, losses: np.ndarray, *, chosen: float | None = None,
                  title: str = "Learning-rate range test"):
    """Lesson 09: loss against learning rate (log x), with an optional chosen rate marked. Returns the figure."""
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    if lrs.shape != losses.shape or lrs.ndim != 1:
        raise ValueError(f"lrs, losses: expected two 1-D arrays of the same length, got {lrs.shape} and {losses.shape}")
    fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
    ax.plot(lrs, losses, color=plt.get_cmap("viridis")(0.3))
    if chosen is not None:
        ax.axvline(chosen, color=plt.get_cmap("viridis")(0.8), linestyle="--", label=f"chosen peak {chosen:.0e}")
        ax.legend()
    ax.set(xscale="log", xlabel="learning rate", ylabel="training loss (one batch)", title=title)
    return fig


def plot_runs(runs: dict[str, Run], *, metric: str = "losses", title: str = "Short runs side by side",
              smooth: int = 5):
    """Lesson 09: one curve per run of ``metric`` ('losses', 'weight_norms' or 'lrs') per batch.

    Losses are smoothed with a running mean over ``smooth`` batches. Returns the figure.
    """
    if metric not in ("losses", "weight_norms", "lrs"):
        raise ValueError(f"metric: expected 'losses', 'weight_norms' or 'lrs', got {metric!r}")
    if not isinstance(runs, dict) or not runs or not all(isinstance(r, Run) for r in runs.values()):
        raise TypeError(f"runs: expected a dict of name -> Run from compare_runs, got {type(runs).__name__}")
    fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
    colours = plt.get_cmap("viridis")(np.linspace(0.05, 0.85, len(runs)))
    for colour, (name, run) in zip(colours, runs.items()):
        values = np.asarray(getattr(run, metric), dtype=float)
        if metric == "losses" and smooth > 1 and len(values) >= smooth:
            values = np.convolve(values, np.ones(smooth) / smooth, mode="valid")
        label = name if metric != "losses" else f"{name} (val acc {run.val_accuracy:.3f})"
        ax.plot(np.arange(len(values)) + 1, values, color=colour, label=label)
    ylabel = {"losses": "training loss", "weight_norms": "weight norm", "lrs": "learning rate"}[metric]
    ax.set(xlabel="batch", ylabel=ylabel, title=title)
    fig.legend(loc="outside lower center", ncols=2, frameon=False)  # under the axes, never on the curves
    return fig
