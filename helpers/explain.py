"""Which input pixels a prediction rests on, and how few of them it takes to change it.

All of it is lesson 13 (What a CNN looks at, and where it breaks):

- :func:`occlusion_map`: grey out one patch at a time and measure how much the
  probability of a class drops.
- :func:`saliency_map`: the size of the gradient of a class score with respect to each
  pixel (plain, times the input, or averaged over noisy copies: SmoothGrad).
- :func:`grad_cam`: Grad-CAM, a convolution layer's feature maps weighted by the average
  gradient of the class score, as a coarse map upsampled to the input size.
- :func:`cam`: the class activation map of a network that ends in global average pooling
  and one linear layer (the linear weights weight the last feature maps).
- :func:`fgsm`: the fast gradient sign method, a small step on every pixel in the
  direction that raises the loss.

Every function takes the model as it is (an ``nn.Module`` returning logits ``(N, K)``),
runs it in eval mode, and hands it back in the mode it came in, with each parameter's
``requires_grad`` flag as it was and no ``.grad`` left behind: explaining a network
never changes it. Images are given the way the model was trained on them (normalised).
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from helpers.architectures import GlobalAvgPool
from helpers.validate import positive_int

__all__ = ["cam", "fgsm", "grad_cam", "occlusion_map", "saliency_map"]

SALIENCY_METHODS = ("gradient", "gradient_x_input", "smoothgrad")


# --------------------------------------------------------------------------- #
# Argument checks
# --------------------------------------------------------------------------- #
def _check_model(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    return model


def _check_image(image: object, name: str = "image") -> torch.Tensor:
    if not isinstance(image, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor of shape (C, H, W), got {type(image).__name__}")
    if image.ndim != 3:
        raise ValueError(f"{name}: expected one image of shape (C, H, W), got shape {tuple(image.shape)}"
                         + ("; pass images[i], not images[i:i+1]" if image.ndim == 4 and len(image) == 1 else ""))
    if not image.dtype.is_floating_point:
        raise TypeError(f"{name}: expected float pixels (normalised as in training), got dtype {image.dtype}")
    return image.detach()


def _check_number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    return float(value)


def _resolve_target(target: object, logits: torch.Tensor) -> int:
    """The class to explain: ``None`` means the predicted class of ``logits`` (1, K)."""
    if logits.ndim != 2 or len(logits) != 1:
        raise ValueError(f"model: expected logits of shape (1, K) for one image, got {tuple(logits.shape)}")
    k = logits.shape[1]
    if target is None:
        return int(logits.argmax(dim=1))
    if isinstance(target, torch.Tensor) and target.numel() == 1 and not target.dtype.is_floating_point:
        target = int(target)
    if isinstance(target, bool) or not isinstance(target, int):
        raise TypeError(f"target: expected a class number (int) or None, got {type(target).__name__}")
    if not 0 <= target < k:
        raise ValueError(f"target: expected a class number in 0..{k - 1}, got {target}")
    return target


def resolve_layer(model: nn.Module, layer: object) -> nn.Module:
    if isinstance(layer, str):
        modules = dict(model.named_modules())
        if not layer or layer not in modules:
            names = [n for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
            raise ValueError(f"layer: expected the name of a layer of the model (convolutions: {names}), "
                             f"got {layer!r}")
        return modules[layer]
    if isinstance(layer, nn.Module):
        if not any(m is layer for m in model.modules()) or layer is model:
            raise ValueError(f"layer: expected a layer inside the model, got a {type(layer).__name__} "
                             "that is not one of its modules")
        return layer
    raise TypeError(f"layer: expected a layer name (str) or an nn.Module of the model, got {type(layer).__name__}")


@contextlib.contextmanager
def _frozen_eval(model: nn.Module) -> Iterator[None]:
    """Eval mode and no parameter gradients inside; the model as it came afterwards."""
    was_training = model.training
    flags = [(p, p.requires_grad, p.grad) for p in model.parameters()]
    model.eval()
    for p, _, _ in flags:
        p.requires_grad_(False)
    try:
        yield
    finally:
        model.train(was_training)
        for p, flag, grad in flags:
            p.requires_grad_(flag)
            p.grad = grad


def _device_of(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def _upsample(maps: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """maps: (h, w) -> (H, W), bilinear."""
    return F.interpolate(maps[None, None], size=size, mode="bilinear", align_corners=False)[0, 0]


# --------------------------------------------------------------------------- #
# Occlusion
# --------------------------------------------------------------------------- #
def _starts(size: int, patch: int, stride: int) -> list[int]:
    """Top (or left) edges of the patches: every ``stride`` pixels, the last one flush with the edge."""
    if patch > size:
        raise ValueError(f"patch: expected at most the image size {size}, got {patch}")
    starts = list(range(0, size - patch + 1, stride))
    if starts[-1] != size - patch:
        starts.append(size - patch)
    return starts


def occlusion_map(
    model: nn.Module,
    image: torch.Tensor,
    target: int | None = None,
    *,
    patch: int = 4,
    stride: int | None = None,
    fill: float = 0.0,
    batch_size: int = 256,
) -> torch.Tensor:
    """How much the probability of ``target`` drops when each part of the image is hidden.

    image: (C, H, W) float, normalised as in training -> map (H, W) float32 on the CPU.

    A ``patch`` × ``patch`` square (all channels) is set to ``fill``, at every ``stride``
    pixels across and down (default ``stride = patch``; the last row and column of patches
    sit flush with the image edge). Each occluded copy's probability of ``target`` is
    subtracted from the unoccluded one; a pixel's value is the mean drop over the patches
    that covered it. Positive: hiding it hurt the prediction; negative: hiding it helped.
    ``fill = 0.0`` is the mean grey of standardised inputs. ``target=None`` explains the
    predicted class. Introduced in lesson 13.
    """
    model = _check_model(model)
    image = _check_image(image)
    patch = positive_int("patch", patch)
    stride = patch if stride is None else positive_int("stride", stride)
    fill = _check_number("fill", fill)
    batch_size = positive_int("batch_size", batch_size)
    _, h, w = image.shape
    rows, cols = _starts(h, patch, stride), _starts(w, patch, stride)
    x = image.to(_device_of(model))
    with _frozen_eval(model), torch.no_grad():
        logits = model(x[None])
        target = _resolve_target(target, logits)
        base = F.softmax(logits, dim=1)[0, target]
        corners = [(r, c) for r in rows for c in cols]
        drops = []
        for start in range(0, len(corners), batch_size):
            chunk = corners[start : start + batch_size]
            batch = x.repeat(len(chunk), 1, 1, 1)
            for k, (r, c) in enumerate(chunk):
                batch[k, :, r : r + patch, c : c + patch] = fill
            drops.append(base - F.softmax(model(batch), dim=1)[:, target])
        drops = torch.cat(drops).cpu().float()
    total = torch.zeros(h, w)
    count = torch.zeros(h, w)
    for drop, (r, c) in zip(drops, corners):
        total[r : r + patch, c : c + patch] += drop
        count[r : r + patch, c : c + patch] += 1
    return total / count


# --------------------------------------------------------------------------- #
# Gradients of a class score
# --------------------------------------------------------------------------- #
def _score_gradient(model: nn.Module, x: torch.Tensor, target: int) -> torch.Tensor:
    """x: (B, C, H, W) -> d logit[target] / dx, summed over the batch, shape (B, C, H, W)."""
    x = x.clone().requires_grad_(True)
    score = model(x)[:, target].sum()
    (grad,) = torch.autograd.grad(score, x)
    return grad


def saliency_map(
    model: nn.Module,
    image: torch.Tensor,
    target: int | None = None,
    *,
    method: str = "gradient",
    samples: int = 25,
    noise: float = 0.15,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """How strongly each pixel moves the class score: a gradient map.

    image: (C, H, W) float, normalised as in training -> map (H, W), float, on the CPU.

    The score is the logit (before softmax) of ``target`` (``None``: the predicted class).
    ``method``:

    - ``"gradient"``: ``|∂score/∂pixel|``;
    - ``"gradient_x_input"``: ``|x · ∂score/∂x|``, the first-order share of each pixel in
      the score (zero where the input is zero);
    - ``"smoothgrad"``: ``|mean of ∂score/∂x|`` over ``samples`` copies of the image with
      Gaussian noise of standard deviation ``noise × (max − min of the image)`` added
      (``generator`` makes the noise reproducible). It averages away gradient speckle.

    With several channels each pixel keeps the largest absolute value over channels.
    Introduced in lesson 13.
    """
    model = _check_model(model)
    image = _check_image(image)
    if method not in SALIENCY_METHODS:
        raise ValueError(f"method: expected one of {SALIENCY_METHODS}, got {method!r}")
    samples = positive_int("samples", samples)
    noise = _check_number("noise", noise)
    if noise < 0:
        raise ValueError(f"noise: expected a non-negative fraction of the pixel range, got {noise}")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator: expected a torch.Generator or None, got {type(generator).__name__}")
    x = image.to(_device_of(model))
    with _frozen_eval(model):
        with torch.no_grad():
            target = _resolve_target(target, model(x[None]))
        if method == "smoothgrad":
            sigma = noise * float(x.max() - x.min())
            eps = torch.randn((samples, *x.shape), generator=generator, dtype=x.dtype).to(x.device)
            grad = _score_gradient(model, x[None] + sigma * eps, target).mean(dim=0)
        else:
            grad = _score_gradient(model, x[None], target)[0]
            if method == "gradient_x_input":
                grad = grad * x
    return grad.abs().amax(dim=0).detach().cpu()


# --------------------------------------------------------------------------- #
# Class activation maps
# --------------------------------------------------------------------------- #
def grad_cam(
    model: nn.Module,
    image: torch.Tensor,
    layer: nn.Module | str,
    target: int | None = None,
    *,
    upsample: bool = True,
) -> torch.Tensor:
    """Grad-CAM: where the feature maps of ``layer`` push the score of ``target`` up.

    image: (C, H, W) float, normalised as in training. ``layer``: a module of ``model``
    (or its name in ``model.named_modules()``, e.g. ``"features.6"``) whose output is a
    stack of feature maps A: (1, K, h, w).
    Returns (H, W) (or (h, w) with ``upsample=False``), float, on the CPU:
    ``ReLU(Σ_k α_k A_k)`` with ``α_k`` = the mean over positions of ``∂score/∂A_k``, the
    score being the logit of ``target`` (``None``: the predicted class), upsampled
    bilinearly to the input size. Later layers see larger parts of the image, so their
    maps are coarser but more about the class. Introduced in lesson 13.
    """
    model = _check_model(model)
    image = _check_image(image)
    module = resolve_layer(model, layer)
    if not isinstance(upsample, bool):
        raise TypeError(f"upsample: expected True or False, got {type(upsample).__name__}")
    x = image.to(_device_of(model))
    seen: list[torch.Tensor] = []
    handle = module.register_forward_hook(lambda _m, _i, out: seen.append(out))
    try:
        with _frozen_eval(model):
            with torch.no_grad():
                target = _resolve_target(target, model(x[None]))
            seen.clear()
            logits = model(x[None].clone().requires_grad_(True))
            if not seen:
                raise ValueError(f"layer: {type(module).__name__} was not used by the model's forward pass")
            acts = seen[-1]
            if not isinstance(acts, torch.Tensor) or acts.ndim != 4:
                shape = tuple(acts.shape) if isinstance(acts, torch.Tensor) else type(acts).__name__
                raise ValueError(f"layer: expected a layer whose output is feature maps (1, K, h, w), got {shape}")
            (grads,) = torch.autograd.grad(logits[0, target], acts)
    finally:
        handle.remove()
    weights = grads[0].mean(dim=(1, 2))  # (K,)
    maps = F.relu((weights[:, None, None] * acts[0]).sum(dim=0)).detach()
    if upsample:
        maps = _upsample(maps, tuple(image.shape[1:]))
    return maps.cpu()


def _gap_and_linear(model: nn.Module) -> tuple[nn.Module, nn.Linear]:
    """The global-average-pooling layer and the final linear layer of ``model``, or a clear error."""
    leaves = [m for m in model.modules() if not list(m.children())]
    passthrough = (nn.Flatten, nn.Dropout, nn.Identity)
    i = len(leaves) - 1
    linear = leaves[i] if leaves else None
    if isinstance(linear, nn.Linear):
        i -= 1
        while i >= 0 and isinstance(leaves[i], passthrough):
            i -= 1
        pool = leaves[i] if i >= 0 else None
        is_gap = isinstance(pool, GlobalAvgPool) or (
            isinstance(pool, nn.AdaptiveAvgPool2d) and pool.output_size in (1, (1, 1)))
        if is_gap:
            return pool, linear
    names = " → ".join(type(m).__name__ for m in leaves[-4:])
    raise ValueError("model: cam needs a network that ends in global average pooling then one linear layer "
                     f"(its last layers are {names}); use grad_cam for other networks")


def cam(
    model: nn.Module,
    image: torch.Tensor,
    target: int | None = None,
    *,
    upsample: bool = True,
) -> torch.Tensor:
    """The class activation map (CAM) of a network ending in global average pooling + linear.

    image: (C, H, W) float, normalised as in training. Returns (H, W) (or (h, w) with
    ``upsample=False``), float, on the CPU: ``Σ_k w[target, k] A_k``, the last feature maps
    A: (1, K, h, w) (the input of the pooling layer) weighted by the linear layer's weights
    for ``target`` (``None``: the predicted class). Averaging this map over positions and
    adding the bias gives exactly the class's logit, so it shows where the score comes
    from. No ReLU: negative regions speak against the class. For such a network Grad-CAM on
    the last feature maps is ``ReLU(cam) / (h · w)``. Introduced in lesson 13.
    """
    model = _check_model(model)
    image = _check_image(image)
    pool, linear = _gap_and_linear(model)
    if not isinstance(upsample, bool):
        raise TypeError(f"upsample: expected True or False, got {type(upsample).__name__}")
    x = image.to(_device_of(model))
    seen: list[torch.Tensor] = []
    handle = pool.register_forward_hook(lambda _m, inputs, _o: seen.append(inputs[0]))
    try:
        with _frozen_eval(model), torch.no_grad():
            logits = model(x[None])
            target = _resolve_target(target, logits)
    finally:
        handle.remove()
    acts = seen[-1][0]  # (K, h, w)
    if acts.ndim != 3 or acts.shape[0] != linear.in_features:
        raise ValueError(f"model: the pooling layer's input should be (1, {linear.in_features}, h, w), "
                         f"got {tuple(seen[-1].shape)}")
    maps = (linear.weight[target][:, None, None] * acts).sum(dim=0).detach()
    if upsample:
        maps = _upsample(maps, tuple(image.shape[1:]))
    return maps.cpu()


# --------------------------------------------------------------------------- #
# Adversarial examples
# --------------------------------------------------------------------------- #
def fgsm(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    epsilon: float,
    *,
    clip: tuple[float, float],
) -> torch.Tensor:
    """The fast gradient sign method: every pixel moved by ±``epsilon`` to raise the loss.

    images: (N, C, H, W) float, normalised as in training; labels: (N,) int64 true classes.
    Returns (N, C, H, W), same dtype and device, detached:
    ``clamp(x + epsilon · sign(∂ cross-entropy / ∂x), lo, hi)`` with ``clip = (lo, hi)``
    the valid pixel range *in the units the model sees* (for standardised digits,
    ``((0 - mean) / std, (1 - mean) / std)``), so each adversarial image is still a
    possible image. ``epsilon`` is in the same units. Introduced in lesson 13.
    """
    model = _check_model(model)
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images: expected a torch.Tensor of shape (N, C, H, W), got {type(images).__name__}")
    if images.ndim != 4:
        raise ValueError(f"images: expected shape (N, C, H, W), got {tuple(images.shape)}")
    if not images.dtype.is_floating_point:
        raise TypeError(f"images: expected float pixels (normalised as in training), got dtype {images.dtype}")
    if not isinstance(labels, torch.Tensor):
        raise TypeError(f"labels: expected a torch.Tensor of class numbers, got {type(labels).__name__}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"labels: expected shape ({len(images)},), one per image, got {tuple(labels.shape)}")
    if labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise TypeError(f"labels: expected integer class numbers, got dtype {labels.dtype}")
    epsilon = _check_number("epsilon", epsilon)
    if epsilon < 0:
        raise ValueError(f"epsilon: expected a step size >= 0, got {epsilon}")
    if not isinstance(clip, (tuple, list)) or len(clip) != 2:
        raise TypeError(f"clip: expected a pair (lo, hi) of the valid pixel range, got {clip!r}")
    lo, hi = _check_number("clip[0]", clip[0]), _check_number("clip[1]", clip[1])
    if not lo < hi:
        raise ValueError(f"clip: expected lo < hi, got {clip!r}")
    if len(images) == 0:
        return images.detach().clone()
    device = _device_of(model)
    x = images.detach().to(device).clone().requires_grad_(True)
    y = labels.to(device)
    with _frozen_eval(model):
        logits = model(x)
        if logits.ndim != 2:
            raise ValueError(f"model: expected logits of shape (N, K), got {tuple(logits.shape)}")
        if int(y.min()) < 0 or int(y.max()) >= logits.shape[1]:
            raise ValueError(f"labels: expected class numbers in 0..{logits.shape[1] - 1}, "
                             f"got values from {int(y.min())} to {int(y.max())}")
        loss = F.cross_entropy(logits, y)
        (grad,) = torch.autograd.grad(loss, x)
    adversarial = (x.detach() + epsilon * grad.sign()).clamp(lo, hi)
    return adversarial.to(images.device)
