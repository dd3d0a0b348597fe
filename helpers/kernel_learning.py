"""Learning a kernel by gradient descent (lesson 08).

Lesson 06 chose its kernels by hand. Here a random 3 × 3 kernel learns to be one: given
pairs (image, target) where each target is the image filtered with a known kernel (the
Sobel-x edge detector, say), gradient descent on the mean squared error between
``conv2d(image, kernel)`` and the target moves the kernel step by step onto the known one.
The gradient comes from :func:`helpers.conv_backward.conv2d_backward`: the correlation of each image
with the error it caused.

- :func:`sobel_pairs` makes the targets,
- :func:`learn_kernel` runs the descent and keeps every kernel and loss,
- :func:`animate_kernel_learning` plays the history: the kernel with its numbers, its output
  on one image, and the loss curve growing beside them.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

from helpers.conv import KERNELS, conv2d
from helpers.conv_backward import conv2d_backward

__all__ = ["KernelHistory", "animate_kernel_learning", "learn_kernel", "sobel_pairs"]


def _images(images: object, name: str = "images") -> np.ndarray:
    """(N, H, W) finite floats, H and W at least 3."""
    if not isinstance(images, np.ndarray) or not np.issubdtype(images.dtype, np.number) or images.dtype == np.bool_:
        raise TypeError(f"{name}: expected a numeric numpy array (N, H, W), got {type(images).__name__}"
                        + (f" of {images.dtype}" if isinstance(images, np.ndarray) else ""))
    if images.ndim != 3 or images.shape[0] == 0 or min(images.shape[1:]) < 3:
        raise ValueError(f"{name}: expected shape (N, H, W) with N ≥ 1 and H, W ≥ 3, got {images.shape}")
    if images.dtype == np.uint8:
        raise TypeError(f"{name}: expected floats (divide uint8 pixels by 255 first), got uint8")
    if not np.all(np.isfinite(images)):
        raise ValueError(f"{name}: expected finite values, got NaN or infinity")
    return images.astype(np.float64, copy=False)


def _kernel3(kernel: object, name: str = "kernel") -> np.ndarray:
    k = np.asarray(kernel, dtype=float) if isinstance(kernel, (np.ndarray, list, tuple)) else None
    if k is None or k.shape != (3, 3) or not np.all(np.isfinite(k)):
        raise ValueError(f"{name}: expected a finite 3×3 array, got {getattr(k, 'shape', type(kernel).__name__)}")
    return k


def sobel_pairs(images: np.ndarray, kernel: np.ndarray = KERNELS["sobel x"]) -> np.ndarray:
    """The targets of the kernel-learning task: every image filtered with ``kernel``. (Lesson 08.)

    images: (N, H, W) floats (digits scaled to [0, 1]); kernel: 3×3, the Sobel-x edge
    detector unless another is given. Returns (N, H − 2, W − 2): ``conv2d(image, kernel)``
    for each image (no padding).
    """
    x = _images(images)
    k = _kernel3(kernel)
    return np.stack([conv2d(image, k) for image in x])


@dataclass(frozen=True)
class KernelHistory:
    """What :func:`learn_kernel` returns (lesson 08).

    kernels: (steps + 1, 3, 3), the kernel before each step and after the last;
    losses: (steps + 1,), the mean squared error of each of those kernels; lr: the step size.
    """

    kernels: np.ndarray
    losses: np.ndarray
    lr: float

    @property
    def kernel(self) -> np.ndarray:
        """(3, 3): the learned kernel, after the last step."""
        return self.kernels[-1]


def _loss_and_grad(x: np.ndarray, targets: np.ndarray, kernel: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over every pixel of every target, and its gradient (3, 3) wrt the kernel."""
    count = targets.size
    loss, grad = 0.0, np.zeros((3, 3))
    for image, target in zip(x, targets):
        error = conv2d(image, kernel) - target  # (H - 2, W - 2)
        loss += float((error**2).sum()) / count
        grad += conv2d_backward(image, kernel, 2 * error / count)[1]  # d loss / d output, then to the kernel
    return loss, grad


def learn_kernel(images: np.ndarray, targets: np.ndarray, steps: int = 600, lr: float = 1.0, seed: int = 0) -> KernelHistory:
    """Gradient descent on a random 3×3 kernel so that conv2d(image, kernel) matches the targets. (Lesson 08.)

    images: (N, H, W) floats; targets: (N, H − 2, W − 2), e.g. from :func:`sobel_pairs`;
    steps: how many updates; lr: the step size; seed: for the random start (normal, σ = 0.5).
    Loss: the mean squared error over all target pixels. Each step:
    ``kernel -= lr * gradient``, the gradient from :func:`helpers.conv_backward.conv2d_backward`.
    Returns a :class:`KernelHistory` of every kernel and its loss.
    """
    x = _images(images)
    t = _images(targets, "targets")
    expected = (x.shape[0], x.shape[1] - 2, x.shape[2] - 2)
    if t.shape != expected:
        raise ValueError(f"targets: expected shape {expected} (one valid 3×3 convolution per image), got {t.shape}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps: expected an int ≥ 0, got {steps!r}")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < 100:
        raise ValueError(f"lr: expected a positive number below 100, got {lr!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    kernel = np.random.default_rng(seed).normal(0.0, 0.5, (3, 3))
    kernels, losses = [], []
    for _ in range(steps + 1):
        loss, grad = _loss_and_grad(x, t, kernel)
        kernels.append(kernel.copy())
        losses.append(loss)
        kernel = kernel - lr * grad
    return KernelHistory(np.array(kernels), np.array(losses), float(lr))


class _LearningView:
    """The three panels of the animation and how to draw one frame of it."""

    def __init__(self, history: KernelHistory, image: np.ndarray, frames: np.ndarray) -> None:
        self.history, self.image, self.frames = history, image, frames
        self.fig, (self.ax_k, self.ax_out, self.ax_loss) = plt.subplots(1, 3, figsize=(9, 3.2), dpi=72)
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.16, top=0.86, wspace=0.45)  # fixed: no layout per frame
        limit = self.limit = max(2.0, float(np.abs(history.kernels).max()))
        self.k_img = self.ax_k.imshow(history.kernels[0], cmap="cividis", vmin=-limit, vmax=limit)
        self.texts = [[self.ax_k.text(j, i, "", ha="center", va="center", fontsize=11, color="white")
                       for j in range(3)] for i in range(3)]
        self.fig.colorbar(self.k_img, ax=self.ax_k, shrink=0.8, label="weight")
        self.ax_k.set(xticks=range(3), yticks=range(3), xlabel="column", ylabel="row")
        out_limit = float(np.abs(conv2d(image, history.kernels[-1])).max()) or 1.0
        self.out_img = self.ax_out.imshow(conv2d(image, history.kernels[0]), cmap="cividis", vmin=-out_limit, vmax=out_limit)
        self.fig.colorbar(self.out_img, ax=self.ax_out, shrink=0.8, label="response")
        self.ax_out.set(title="its output on the digit", xlabel="column", ylabel="row")
        steps = np.arange(len(history.losses))
        self.ax_loss.set(xlim=(0, steps[-1] if steps[-1] else 1), yscale="log", title="loss (mean squared error)",
                         xlabel="step", ylabel="loss")
        self.ax_loss.set_ylim(max(history.losses.min(), 1e-12) / 2, history.losses.max() * 2)
        (self.curve,) = self.ax_loss.plot([], [], color="#0072b2")

    def draw(self, n: int) -> None:
        step = int(self.frames[n])
        kernel = self.history.kernels[step]
        self.k_img.set_data(kernel)
        for i in range(3):
            for j in range(3):
                self.texts[i][j].set_text(f"{kernel[i, j]:+.2f}")
                self.texts[i][j].set_color("black" if kernel[i, j] > 0.3 * self.limit else "white")  # readable on yellow
        self.ax_k.set_title(f"kernel after {step} steps")
        self.out_img.set_data(conv2d(self.image, kernel))
        self.curve.set_data(np.arange(step + 1), self.history.losses[: step + 1])


def animate_kernel_learning(history: KernelHistory, image: np.ndarray, frames: int = 20, interval: int = 300) -> FuncAnimation:
    """Play a :func:`learn_kernel` history: kernel with numbers, its output on ``image``, the loss. (Lesson 08.)

    history: a :class:`KernelHistory`; image: (H, W) floats, one digit; frames: how many
    moments to show, spread over the steps (denser at the start, where the kernel moves
    most); interval: milliseconds per frame. Show it with :func:`helpers.animation.jshtml`.
    """
    if not isinstance(history, KernelHistory):
        raise TypeError(f"history: expected the KernelHistory learn_kernel returns, got {type(history).__name__}")
    img = _images(np.asarray(image)[None] if isinstance(image, np.ndarray) else image, "image")[0]
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 2:
        raise ValueError(f"frames: expected an int ≥ 2, got {frames!r}")
    last = len(history.losses) - 1
    chosen = np.unique(np.round(np.geomspace(1, last + 1, frames) - 1).astype(int)) if last else np.array([0])
    view = _LearningView(history, img, chosen)
    anim = FuncAnimation(view.fig, view.draw, frames=len(chosen), interval=interval, repeat=False)
    anim.view = view
    return anim
