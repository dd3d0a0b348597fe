"""Measuring where a network breaks, and two ways of training around it (lesson 13).

- :func:`accuracy_under_fgsm`: accuracy on images perturbed by the fast gradient sign
  method (:func:`helpers.explain.fgsm`), one number per perturbation size.
- :func:`fgsm_augment`: an ``augment`` hook for :func:`helpers.training.fit` that swaps part
  of every training batch for FGSM versions of itself (adversarial training).
- :func:`balanced_subset`: the same number of examples of every class, for "few labels".
- :func:`embed`: a frozen feature extractor run over many images, in batches, once.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import nn

from helpers.explain import fgsm
from helpers.validate import positive_int

__all__ = ["accuracy_under_fgsm", "balanced_subset", "embed", "fgsm_augment"]


def _check_model(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    return model


def _check_epsilon(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a number >= 0, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name}: expected a finite number >= 0, got {value}")
    return float(value)


def _check_clip(clip: object) -> tuple[float, float]:
    if not isinstance(clip, (tuple, list)) or len(clip) != 2:
        raise TypeError(f"clip: expected a pair (lo, hi) of the valid pixel range, got {clip!r}")
    lo, hi = (_check_number_any("clip[0]", clip[0]), _check_number_any("clip[1]", clip[1]))
    if not lo < hi:
        raise ValueError(f"clip: expected lo < hi, got {clip!r}")
    return lo, hi


def _check_number_any(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"{name}: expected a finite number, got {value!r}")
    return float(value)


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    return type(value).__name__


def _check_batch(x: object, y: object) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(x, torch.Tensor) or x.ndim != 4:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x: expected a tensor of images (N, C, H, W), got {shape}")
    if not isinstance(y, torch.Tensor) or y.shape != (len(x),):
        shape = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise ValueError(f"y: expected a tensor of {len(x)} class numbers, shape ({len(x)},), got {shape}")
    return x, y


def accuracy_under_fgsm(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    epsilons: Sequence[float],
    *,
    clip: tuple[float, float],
    batch_size: int = 500,
) -> list[float]:
    """Accuracy of ``model`` on FGSM images, one value (a fraction in [0, 1]) per epsilon.

    x: (N, C, H, W) float, as the model sees them; y: (N,) int64 true classes. Each image is
    attacked with its true label (the attack knows the answer: the worst case for the
    model), with pixels kept in ``clip = (lo, hi)``. ``epsilon = 0`` gives the clean
    accuracy. The model is left as it came (see :mod:`helpers.explain`). Introduced in lesson 13.
    """
    model = _check_model(model)
    x, y = _check_batch(x, y)
    if isinstance(epsilons, (str, bytes)) or not isinstance(epsilons, Sequence) or not epsilons:
        raise TypeError(f"epsilons: expected a non-empty list of numbers, got {epsilons!r}")
    epsilons = [_check_epsilon("epsilons[i]", e) for e in epsilons]
    batch_size = positive_int("batch_size", batch_size)
    clip = _check_clip(clip)
    if len(x) == 0:
        raise ValueError("x: expected at least one image, got 0")
    was_training = model.training
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    correct = [0] * len(epsilons)
    try:
        model.eval()
        for start in range(0, len(x), batch_size):
            xb, yb = x[start : start + batch_size].to(device), y[start : start + batch_size].to(device)
            for k, epsilon in enumerate(epsilons):
                attacked = fgsm(model, xb, yb, epsilon, clip=clip)
                with torch.no_grad():
                    correct[k] += int((model(attacked).argmax(dim=1) == yb).sum())
    finally:
        model.train(was_training)
    return [c / len(x) for c in correct]


def fgsm_augment(
    model: nn.Module,
    epsilon: float,
    *,
    clip: tuple[float, float],
    fraction: float = 0.5,
    generator: torch.Generator | None = None,
) -> Callable[[torch.Tensor], torch.Tensor]:
    """An ``augment`` hook for ``fit``: a random ``fraction`` of each batch becomes FGSM images.

    Returns ``augment(xb: (B, C, H, W)) -> (B, C, H, W)``. ``fit`` hands the hook images
    only, so each chosen image is attacked against the model's *current prediction* for it
    (once training is under way that is almost always the true class), with step
    ``epsilon`` and pixels kept in ``clip``. The attack is recomputed on every batch against
    the weights as they are then: the network keeps meeting its own newest weak spots.
    Introduced in lesson 13.
    """
    model = _check_model(model)
    epsilon = _check_epsilon("epsilon", epsilon)
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
        raise ValueError(f"fraction: expected a number in [0, 1], got {fraction!r}")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator: expected a torch.Generator or None, got {type(generator).__name__}")
    clip = _check_clip(clip)

    def augment(xb: torch.Tensor) -> torch.Tensor:
        chosen = torch.rand(len(xb), generator=generator) < fraction
        if not chosen.any():
            return xb
        chosen = chosen.to(xb.device)
        with torch.no_grad():
            was_training = model.training
            model.eval()
            guess = model(xb[chosen]).argmax(dim=1)
            model.train(was_training)
        out = xb.clone()
        out[chosen] = fgsm(model, xb[chosen], guess, epsilon, clip=clip)
        return out

    return augment


def balanced_subset(y: torch.Tensor, per_class: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Indices of ``per_class`` examples of every class in ``y``, drawn at random.

    y: (N,) int64 labels with classes 0..K-1 -> (K · per_class,) int64 indices into ``y``,
    in random order (the classes shuffled together). Raises ValueError if some class has
    fewer than ``per_class`` examples. ``generator`` makes the draw reproducible.
    Introduced in lesson 13.
    """
    if not isinstance(y, torch.Tensor) or y.ndim != 1 or y.dtype.is_floating_point or y.dtype == torch.bool:
        raise TypeError(f"y: expected a 1-d tensor of integer class numbers, got {_describe(y)}")
    per_class = positive_int("per_class", per_class)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator: expected a torch.Generator or None, got {type(generator).__name__}")
    chosen = []
    for k in range(int(y.max()) + 1):
        where = torch.nonzero(y == k).flatten()
        if len(where) < per_class:
            raise ValueError(f"per_class: class {k} has only {len(where)} examples, got per_class={per_class}")
        chosen.append(where[torch.randperm(len(where), generator=generator)[:per_class]])
    everything = torch.cat(chosen)
    return everything[torch.randperm(len(everything), generator=generator)]


def embed(extractor: nn.Module, x: torch.Tensor, *, batch_size: int = 1000) -> torch.Tensor:
    """Run a (frozen) feature extractor over ``x`` in eval mode, without gradients.

    x: (N, C, H, W) -> features (N, D) on the CPU (each output flattened after the batch
    axis). A frozen extractor never changes, so its features can be computed once and a
    new head trained on them alone. The extractor's mode is restored. Introduced in lesson 13.
    """
    extractor = _check_model(extractor)
    if not isinstance(x, torch.Tensor) or x.ndim < 2 or not x.dtype.is_floating_point:
        raise ValueError(f"x: expected a float tensor (N, C, H, W), got {_describe(x)}")
    batch_size = positive_int("batch_size", batch_size)
    device = next((p.device for p in extractor.parameters()), torch.device("cpu"))
    was_training = extractor.training
    extractor.eval()
    try:
        with torch.no_grad():
            parts = [extractor(x[s : s + batch_size].to(device)).flatten(1).cpu()
                     for s in range(0, len(x), batch_size)]
    finally:
        extractor.train(was_training)
    return torch.cat(parts)
