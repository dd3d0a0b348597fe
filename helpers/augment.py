"""Geometric transforms of image batches: rotate, shift, zoom and random affine augmentation.

Everything is written with PyTorch alone (an ``affine_grid`` sampling grid fed to
``grid_sample``), works on
whole batches at once, keeps the dtype and device of its input, and is fast enough to be
applied to every training batch.

Conventions (the same for every function here):

- ``x`` is a batch of images, shape ``(N, C, H, W)``, floating point.
- Pixel coordinates: ``x`` (column) grows to the right, ``y`` (row) grows downwards, as
  the image is displayed by ``matplotlib.pyplot.imshow``. Shifts are in pixels:
  ``dx = +1`` moves the content one pixel to the right, ``dy = +1`` one pixel down.
- Angles are in degrees; a positive angle rotates the content counter-clockwise as the
  image is displayed (the direction of ``torch.rot90(x, 1, dims=(-2, -1))``).
- ``zoom(x, 2.0)`` makes the content twice as large (zooms in); ``0.5`` shrinks it.
  Rotations and zooms are about the image centre.
- Internally ``affine_grid`` works in normalized coordinates, where ``-1`` and ``+1``
  are the outer edges of the image (``align_corners=False``). A shift of ``d`` pixels
  is ``2 * d / W`` in normalized units; on a non-square image the matrix is corrected
  for the aspect ratio so that rotations stay rigid in pixel space.
- Where the transform looks outside the input, the output is ``fill`` (default 0, the
  black background of MNIST scaled to [0, 1]; pass the background value if the images
  were standardized).
- Combined transforms apply, in this order: zoom, then rotate, then shift.

Example:

>>> x = torch.zeros(1, 1, 5, 5); x[0, 0, 2, 2] = 1.0
>>> shift(x, 1, 0)[0, 0, 2, 3].item()
1.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

__all__ = ["affine", "affine_matrices", "random_affine", "random_flip", "rotate", "sampling_grid", "shift", "zoom"]

Param = float | int | torch.Tensor
_MODES = ("bilinear", "nearest")


def _check_images(x: object) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x: expected a torch.Tensor of shape (N, C, H, W), got {type(x).__name__}")
    if x.ndim != 4:
        hint = " (add axes with x[None] or x[:, None])" if x.ndim in (2, 3) else ""
        raise ValueError(f"x: expected 4 dimensions (N, C, H, W), got shape {tuple(x.shape)}{hint}")
    if not x.is_floating_point():
        raise TypeError(
            f"x: expected a floating-point tensor, got dtype {x.dtype} "
            "(convert uint8 images with x.float() / 255 first)"
        )
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        raise ValueError(f"x: height and width must be positive, got shape {tuple(x.shape)}")
    return x


def _as_param(value: Param, name: str, n: int) -> torch.Tensor:
    """One value per image, as float64 on the CPU: shape (n,)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, torch.Tensor)):
        raise TypeError(f"{name}: expected a number or a tensor of shape (N,), got {type(value).__name__}")
    t = torch.as_tensor(value, dtype=torch.float64).detach().cpu()
    if t.ndim == 0:
        t = t.expand(n)
    elif t.shape != (n,):
        raise ValueError(f"{name}: expected a number or shape ({n},) (one per image), got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name}: expected finite values, got {value!r}")
    return t


def affine_matrices(
    n: int,
    height: int,
    width: int,
    *,
    degrees: Param = 0.0,
    dx: Param = 0.0,
    dy: Param = 0.0,
    scale: Param = 1.0,
) -> torch.Tensor:
    """The ``theta`` matrices that ``F.affine_grid`` needs for zoom, rotate, then shift.

    Each argument is a number (same for every image) or a tensor of shape (n,).
    Returns theta: (n, 2, 3) float64 on the CPU, mapping normalized *output*
    coordinates to the normalized *input* coordinates they sample from.
    """
    for name, value in (("n", n), ("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name}: expected a positive int, got {value!r}")
        if value < 1:
            raise ValueError(f"{name}: expected a positive int, got {value!r}")
    deg = _as_param(degrees, "degrees", n)
    tx = _as_param(dx, "dx", n)
    ty = _as_param(dy, "dy", n)
    s = _as_param(scale, "scale", n)
    if (s <= 0).any():
        raise ValueError(f"scale: expected positive zoom factors, got {scale!r}")
    rad = torch.deg2rad(deg)
    cos, sin = torch.cos(rad), torch.sin(rad)
    # Snap values like cos(90°) = 6e-17 to exact zeros so quarter turns move pixels exactly.
    cos = torch.where(cos.abs() < 1e-12, torch.zeros_like(cos), cos)
    sin = torch.where(sin.abs() < 1e-12, torch.zeros_like(sin), sin)
    # Forward map in pixel coordinates about the centre (y down):
    #   p_out = s * R p_in + t, with R = [[cos, sin], [-sin, cos]] (counter-clockwise on screen).
    # The sampling grid needs the inverse: p_in = A (p_out - t), A = R^T / s.
    a00, a01 = cos / s, -sin / s
    a10, a11 = sin / s, cos / s
    b0 = -(a00 * tx + a01 * ty)
    b1 = -(a10 * tx + a11 * ty)
    # Pixel -> normalized coordinates: q = diag(2/W, 2/H) p.
    theta = torch.empty(n, 2, 3, dtype=torch.float64)
    theta[:, 0, 0] = a00
    theta[:, 0, 1] = a01 * height / width
    theta[:, 0, 2] = b0 * 2.0 / width
    theta[:, 1, 0] = a10 * width / height
    theta[:, 1, 1] = a11
    theta[:, 1, 2] = b1 * 2.0 / height
    return theta


def sampling_grid(theta: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """The grid ``F.affine_grid(theta, (N, C, height, width), align_corners=False)`` returns.

    theta: (N, 2, 3) -> grid: (N, height, width, 2), same dtype and device as theta.
    Built with broadcasting instead of a batched matrix product, which is about twice
    as fast on a CPU for small images (tests check it against ``F.affine_grid``).
    """
    if not isinstance(theta, torch.Tensor):
        raise TypeError(f"theta: expected a float tensor of shape (N, 2, 3), got {type(theta).__name__}")
    if theta.ndim != 3 or theta.shape[1:] != (2, 3):
        raise ValueError(f"theta: expected shape (N, 2, 3), got {tuple(theta.shape)}")
    for name, value in (("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name}: expected a positive int, got {value!r}")
        if value < 1:
            raise ValueError(f"{name}: expected a positive int, got {value!r}")
    opts = {"dtype": theta.dtype, "device": theta.device}
    # Normalized centres of the pixels: (2 i + 1) / size - 1.
    xs = ((2 * torch.arange(width, **opts) + 1) / width - 1).view(1, 1, width)
    ys = ((2 * torch.arange(height, **opts) + 1) / height - 1).view(1, height, 1)
    t = theta[:, :, :, None, None]  # (N, 2, 3, 1, 1)
    gx = t[:, 0, 0] * xs + t[:, 0, 1] * ys + t[:, 0, 2]
    gy = t[:, 1, 0] * xs + t[:, 1, 1] * ys + t[:, 1, 2]
    return torch.stack((gx, gy), dim=-1)


def affine(
    x: torch.Tensor,
    *,
    degrees: Param = 0.0,
    dx: Param = 0.0,
    dy: Param = 0.0,
    scale: Param = 1.0,
    fill: float = 0.0,
    mode: str = "bilinear",
) -> torch.Tensor:
    """Zoom by ``scale``, rotate by ``degrees``, then shift by ``(dx, dy)`` pixels.

    x: (N, C, H, W) float. Each parameter is a number or a tensor of shape (N,) (one
    value per image). ``mode`` is ``"bilinear"`` (smooth) or ``"nearest"``.
    Returns a tensor of the same shape, dtype and device as ``x``.
    """
    x = _check_images(x)
    if mode not in _MODES:
        raise ValueError(f"mode: expected one of {_MODES}, got {mode!r}")
    if isinstance(fill, bool) or not isinstance(fill, (int, float)) or not math.isfinite(fill):
        raise TypeError(f"fill: expected a finite number, got {fill!r}")
    n, _, h, w = x.shape
    theta = affine_matrices(n, h, w, degrees=degrees, dx=dx, dy=dy, scale=scale)
    grid = sampling_grid(theta.to(device=x.device, dtype=x.dtype), h, w)
    if fill == 0:
        return F.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    # grid_sample pads with zeros: move the fill value to zero and back.
    out = F.grid_sample(x - fill, grid, mode=mode, padding_mode="zeros", align_corners=False)
    return out + fill


def rotate(x: torch.Tensor, degrees: Param, *, fill: float = 0.0, mode: str = "bilinear") -> torch.Tensor:
    """Rotate about the centre; positive ``degrees`` turn counter-clockwise as displayed.

    x: (N, C, H, W) float -> (N, C, H, W). ``rotate(x, 90)`` equals
    ``torch.rot90(x, 1, dims=(-2, -1))`` on square images.
    """
    return affine(x, degrees=degrees, fill=fill, mode=mode)


def shift(x: torch.Tensor, dx: Param, dy: Param = 0.0, *, fill: float = 0.0, mode: str = "bilinear") -> torch.Tensor:
    """Move the content ``dx`` pixels right and ``dy`` pixels down (negative: left, up).

    x: (N, C, H, W) float -> (N, C, H, W). Pixels that enter the image are ``fill``;
    for whole-pixel shifts this is ``torch.roll`` with the wrapped-around part replaced
    by ``fill``. Fractional shifts interpolate.
    """
    return affine(x, dx=dx, dy=dy, fill=fill, mode=mode)


def zoom(x: torch.Tensor, factor: Param, *, fill: float = 0.0, mode: str = "bilinear") -> torch.Tensor:
    """Scale the content about the centre: ``factor > 1`` enlarges it, ``< 1`` shrinks it.

    x: (N, C, H, W) float -> (N, C, H, W) (the image size does not change).
    """
    if isinstance(factor, bool) or not isinstance(factor, (int, float, torch.Tensor)):
        raise TypeError(f"factor: expected a number or a tensor of shape (N,), got {type(factor).__name__}")
    return affine(x, scale=factor, fill=fill, mode=mode)


def _range(value: float | Sequence[float], name: str, *, symmetric: bool) -> tuple[float, float]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if symmetric:
            if value < 0:
                raise ValueError(f"{name}: expected a non-negative number or a (low, high) pair, got {value!r}")
            return (-float(value), float(value))
        return (float(value), float(value))
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        low, high = float(value[0]), float(value[1])
        if low > high:
            raise ValueError(f"{name}: expected low <= high, got {tuple(value)}")
        return (low, high)
    raise TypeError(f"{name}: expected a number or a (low, high) pair of numbers, got {value!r}")


def random_affine(
    x: torch.Tensor,
    *,
    degrees: float | Sequence[float] = 15.0,
    translate: float = 0.1,
    scale: float | Sequence[float] = (0.9, 1.1),
    fill: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """A different random zoom, rotation and shift for every image of the batch.

    x: (N, C, H, W) float -> (N, C, H, W), same dtype and device.

    - ``degrees``: angle drawn uniformly from ``[-degrees, degrees]`` (or a ``(low, high)`` pair).
    - ``translate``: shift drawn uniformly from ``[-translate * W, translate * W]`` pixels
      horizontally and ``[-translate * H, translate * H]`` vertically (a fraction in [0, 1)).
    - ``scale``: zoom factor drawn uniformly from the ``(low, high)`` pair (or fixed if a number).
    - ``generator``: a CPU ``torch.Generator`` for reproducible draws (default: the global one).

    Use it as the ``augment`` of ``helpers.training.fit``:
    ``fit(..., augment=lambda xb: random_affine(xb, degrees=20))``.
    """
    x = _check_images(x)
    deg_lo, deg_hi = _range(degrees, "degrees", symmetric=True)
    sc_lo, sc_hi = _range(scale, "scale", symmetric=False)
    if sc_lo <= 0:
        raise ValueError(f"scale: expected positive zoom factors, got {scale!r}")
    if isinstance(translate, bool) or not isinstance(translate, (int, float)) or not 0 <= translate < 1:
        raise ValueError(f"translate: expected a fraction of the image size in [0, 1), got {translate!r}")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator: expected a torch.Generator or None, got {type(generator).__name__}")
    n, _, h, w = x.shape
    u = torch.rand(4, n, generator=generator, dtype=torch.float64)
    angles = deg_lo + (deg_hi - deg_lo) * u[0]
    dx = (2 * u[1] - 1) * translate * w
    dy = (2 * u[2] - 1) * translate * h
    factors = sc_lo + (sc_hi - sc_lo) * u[3]
    return affine(x, degrees=angles, dx=dx, dy=dy, scale=factors, fill=fill)


def random_flip(x: torch.Tensor, *, p: float = 0.5, generator: torch.Generator | None = None) -> torch.Tensor:
    """Mirror each image left to right with probability ``p`` (lesson 10's garments).

    x: (N, C, H, W) float -> (N, C, H, W), same dtype and device; each image is either
    kept or flipped along its width, independently. A left-right mirror of a shirt is
    still a shirt (not so for digits: a mirrored 2 is no 2). Use it as the ``augment`` of
    ``helpers.training.fit`` or of a :class:`helpers.models.Recipe`.
    """
    x = _check_images(x)
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f"p: expected a probability in [0, 1], got {p!r}")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator: expected a torch.Generator or None, got {type(generator).__name__}")
    flip = (torch.rand(len(x), generator=generator) < p).to(x.device).view(-1, 1, 1, 1)
    return torch.where(flip, x.flip(-1), x)
