"""Step-by-step animations of convolution and pooling.

:func:`animate_convolution` and :func:`animate_pooling` return a matplotlib
``FuncAnimation``. Each frame shows one output position: the window on the
(padded) input, the element-wise products (or the pooled window), and the output
cell being written. In a notebook show it with :func:`jshtml`, which turns the
animation into a self-contained JavaScript player (play, pause, step, speed)
that needs no running kernel, and closes the figure so no stray still image is
left below it.

The drawing itself lives in :class:`ConvolutionView` and :class:`PoolingView`,
which draw any one step onto a figure; the steppers in ``helpers.conv_widgets`` reuse
them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .conv import Padding, PoolMode, conv2d_steps, pool2d_steps
from .figures import COLUMN_WIDTH, DISPLAY_DPI, MIN_FONT_PT  # importing helpers.figures applies the course style

__all__ = ["ConvolutionView", "PoolingView", "animate_convolution", "animate_pooling", "jshtml"]

_WINDOW = "#ff7f0e"  # orange: stands out on grey and on viridis/cividis
_MAX_CELLS_WITH_NUMBERS = 15  # write values into cells only when a side is at most this long


def _format(value: float) -> str:
    """Short label for a cell: integers without decimals, others with up to two."""
    if not np.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e5:
        return str(int(value))
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.3g}"


def _grid(ax: Axes, data: np.ndarray, cmap: str, title: str, vmin: float, vmax: float, numbers: bool = True):
    """Draw a 2-D array as coloured cells with the value written in each; returns (image, texts)."""
    image = ax.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("column →")
    ax.set_ylabel("row ↓")
    rows, cols = data.shape
    # No tick labels: they cost more to draw than all the numbers in the cells.
    ax.set_xticks([])
    ax.set_yticks([])
    texts = np.empty(data.shape, dtype=object)
    show = numbers and max(rows, cols) <= _MAX_CELLS_WITH_NUMBERS
    size = MIN_FONT_PT
    for r in range(rows):
        for c in range(cols):
            label = "" if not show or np.isnan(data[r, c]) else _format(data[r, c])
            texts[r, c] = ax.text(c, r, label, ha="center", va="center", fontsize=size)
    _recolour(image, texts, data)
    return image, texts


def _recolour(image, texts: np.ndarray, data: np.ndarray) -> None:
    """Black numbers on light cells, white on dark ones, so every value stays readable."""
    colours = image.cmap(image.norm(np.nan_to_num(data)))
    light = colours[..., :3] @ np.array([0.299, 0.587, 0.114]) > 0.5
    for (r, c), is_light in np.ndenumerate(light):
        texts[r, c].set_color("black" if is_light else "white")


def _limits(*arrays: np.ndarray) -> tuple[float, float]:
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 1.0
    low, high = float(values.min()), float(values.max())
    return (low, high) if high > low else (low - 1.0, high + 1.0)


class _StepView:
    """What both views share: their steps, and the output panel, filled in up to the step
    shown with the cell being written ringed."""

    steps: list

    @property
    def n_steps(self) -> int:
        return len(self.steps)

    @property
    def out_shape(self) -> tuple[int, int]:
        last = self.steps[-1]
        return (last.row + 1, last.col + 1)

    def _output_panel(self, ax: Axes, values: np.ndarray, title: str) -> None:
        self.output = np.full(self.out_shape, np.nan)
        low, high = _limits(values)
        self.output_image, self.output_text = _grid(ax, self.output, "viridis", title, low, high)
        self.cell = Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor=_WINDOW, linewidth=3)
        ax.add_patch(self.cell)

    def _step(self, index: int):
        index = int(np.clip(index, 0, self.n_steps - 1))
        return index, self.steps[index]

    def _fill_output(self, index: int, value_of) -> None:
        """Every output cell up to step ``index`` holds ``value_of(step)``; the cell of ``index`` is ringed."""
        self.output[:] = np.nan
        for done in self.steps[: index + 1]:
            self.output[done.row, done.col] = value_of(done)
        self.output_image.set_data(self.output)
        show = max(self.out_shape) <= _MAX_CELLS_WITH_NUMBERS
        for (r, c), value in np.ndenumerate(self.output):
            self.output_text[r, c].set_text("" if np.isnan(value) or not show else _format(value))
        _recolour(self.output_image, self.output_text, self.output)
        step = self.steps[index]
        self.cell.set_xy((step.col - 0.5, step.row - 0.5))


class ConvolutionView(_StepView):
    """Draws one step of a one-filter convolution of a 2-D image onto a figure.

    image: (H, W); kernel: (kh, kw). Four panels: the padded input with the window,
    the kernel, the products window × kernel, and the output filled up to this step.
    """

    def __init__(self, fig: Figure, image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: Padding = 0):
        if np.ndim(image) != 2 or np.ndim(kernel) != 2:
            raise ValueError(
                f"the animation shows a 2-D image and a 2-D kernel, got image shape {np.shape(image)} "
                f"and kernel shape {np.shape(kernel)}"
            )
        self.fig = fig
        self.kernel = np.asarray(kernel, dtype=float)
        self.padded, self.steps = conv2d_steps(image, self.kernel, stride=stride, padding=padding)
        self.padded = np.asarray(self.padded, dtype=float)
        totals = np.array([s.total for s in self.steps])
        products = np.stack([s.products for s in self.steps])
        kh, kw = self.kernel.shape
        pad_rows = self.padded.shape[0] - np.shape(image)[0]
        pad_cols = self.padded.shape[1] - np.shape(image)[1]

        # at least 4 cells of width per panel, so a small kernel or output still has room for its title
        ratios = [max(4, n) for n in (self.padded.shape[1], kw, kw, self.out_shape[1])]
        axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": ratios})
        self.ax_in, self.ax_k, self.ax_p, self.ax_out = axes
        low, high = _limits(self.padded)
        _grid(self.ax_in, self.padded, "gray", "input (padded)" if pad_rows or pad_cols else "input", low, high)
        if pad_rows or pad_cols:
            # the original image sits inside the zero border; "same" may pad unevenly
            top = _padding_before(padding, kh, pad_rows)
            left = _padding_before(padding, kw, pad_cols)
            h, w = np.shape(image)
            self.ax_in.add_patch(
                Rectangle((left - 0.5, top - 0.5), w, h, fill=False, edgecolor="#56b4e9", linestyle="--", linewidth=1.5)
            )
        self.window = Rectangle((-0.5, -0.5), kw, kh, fill=False, edgecolor=_WINDOW, linewidth=3)
        self.ax_in.add_patch(self.window)
        klow, khigh = _limits(self.kernel)
        _grid(self.ax_k, self.kernel, "cividis", "kernel", klow, khigh)
        plow, phigh = _limits(products)
        self.products_image, self.products_text = _grid(
            self.ax_p, np.zeros_like(self.kernel), "cividis", "window × kernel", plow, phigh
        )
        self._output_panel(self.ax_out, totals, "output (feature map)")
        self.caption = fig.suptitle("", fontsize=11)
        fig.subplots_adjust(left=0.04, right=0.99, bottom=0.17, top=0.8, wspace=0.35)

    def draw_step(self, index: int) -> list:
        """Show step ``index`` (0-based): every output cell up to it is filled in."""
        index, step = self._step(index)
        self.window.set_xy((step.left - 0.5, step.top - 0.5))
        self.products_image.set_data(step.products)
        for (r, c), value in np.ndenumerate(step.products):
            self.products_text[r, c].set_text(_format(value))
        _recolour(self.products_image, self.products_text, step.products)
        self._fill_output(index, lambda done: done.total)
        self.caption.set_text(
            f"step {index + 1} of {self.n_steps}: sum of the {step.products.size} products = "
            f"{_format(step.total)} → output[{step.row}, {step.col}]"
        )
        return [self.window, self.products_image, self.output_image, self.cell, self.caption]


def _padding_before(padding: Padding, k: int, total: int) -> int:
    """Rows (or columns) of zeros added before the image along one axis."""
    if padding == "same":
        return (k - 1) // 2
    return total // 2


class PoolingView(_StepView):
    """Draws one step of pooling a 2-D input onto a figure.

    x: (H, W). Three panels: the input with the window (the chosen value ringed for
    max/min), the window's values, and the output filled up to this step.
    """

    def __init__(self, fig: Figure, x: np.ndarray, size: int = 2, stride: int | None = None, mode: PoolMode = "max"):
        if np.ndim(x) != 2:
            raise ValueError(f"x: expected a 2-D array (H, W) for the animation, got shape {np.shape(x)}")
        self.fig = fig
        self.steps = pool2d_steps(x, size, stride, mode)  # checks x, size (int or pair), stride, mode
        self.x = np.asarray(x, dtype=float)
        self.mode = mode
        wh, ww = self.steps[0].window.shape
        self.size = size
        axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [max(4, n) for n in (self.x.shape[1], ww, self.out_shape[1])]})
        self.ax_in, self.ax_w, self.ax_out = axes
        low, high = _limits(self.x)
        _grid(self.ax_in, self.x, "viridis", "input", low, high)
        self.window = Rectangle((-0.5, -0.5), ww, wh, fill=False, edgecolor=_WINDOW, linewidth=3)
        self.ax_in.add_patch(self.window)
        self.window_image, self.window_text = _grid(self.ax_w, np.zeros((wh, ww)), "viridis", "window", low, high)
        self.pick = Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor="white", linewidth=2.5, visible=False)
        self.ax_w.add_patch(self.pick)
        self._output_panel(self.ax_out, np.array([s.value for s in self.steps]), f"output ({mode} pooling)")
        self.caption = fig.suptitle("", fontsize=11)
        fig.subplots_adjust(left=0.05, right=0.99, bottom=0.17, top=0.8, wspace=0.35)

    def draw_step(self, index: int) -> list:
        """Show step ``index`` (0-based): every output cell up to it is filled in."""
        index, step = self._step(index)
        self.window.set_xy((step.left - 0.5, step.top - 0.5))
        self.window_image.set_data(step.window)
        for (r, c), value in np.ndenumerate(step.window):
            self.window_text[r, c].set_text(_format(value))
        _recolour(self.window_image, self.window_text, step.window)
        if self.mode in ("max", "min"):
            r, c = np.unravel_index(np.argmax(step.window) if self.mode == "max" else np.argmin(step.window), step.window.shape)
            self.pick.set_xy((c - 0.5, r - 0.5))
            self.pick.set_visible(True)
        self._fill_output(index, lambda done: done.value)
        self.caption.set_text(
            f"step {index + 1} of {self.n_steps}: {self.mode} of the window = {_format(step.value)} → output[{step.row}, {step.col}]"
        )
        return [self.window, self.window_image, self.output_image, self.cell, self.caption, self.pick]


def animate_convolution(
    image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: Padding = 0, interval: int = 700
) -> FuncAnimation:
    """Animate a convolution one output position per frame.

    image: (H, W); kernel: (kh, kw). Keep them small (about 6×6 and 3×3): one frame
    per output cell. ``interval`` is milliseconds per frame. The figure is a pyplot
    figure (so it also plays under interactive backends); :func:`jshtml` closes it.
    """
    kh, kw = np.shape(kernel)[-2:] if np.ndim(kernel) >= 2 else (1, 1)
    width = np.shape(image)[-1] + kw * 2 + 6 if np.ndim(image) == 2 else 12
    # across the column at the size it is shown (jshtml embeds frames at the figure's dpi)
    fig = plt.figure(figsize=(min(COLUMN_WIDTH, 1.0 + 0.55 * width), 3.4), dpi=DISPLAY_DPI)
    try:
        view = ConvolutionView(fig, image, kernel, stride, padding)
    except Exception:
        plt.close(fig)
        raise
    anim = FuncAnimation(fig, view.draw_step, frames=view.n_steps, interval=interval, repeat=False)
    anim.view = view  # keep the view (and its figure) reachable for tests and jshtml
    return anim


def animate_pooling(
    x: np.ndarray, size: int = 2, mode: PoolMode = "max", stride: int | None = None, interval: int = 700
) -> FuncAnimation:
    """Animate pooling one output position per frame (lesson 07).

    x: (H, W), e.g. 6×6 with size 2; ``size`` and ``stride`` may be ints or
    (rows, columns) pairs, as for ``helpers.conv.pool2d``.
    """
    fig = plt.figure(figsize=(COLUMN_WIDTH, 3.4), dpi=DISPLAY_DPI)
    try:
        view = PoolingView(fig, x, size, stride, mode)
    except Exception:
        plt.close(fig)
        raise
    anim = FuncAnimation(fig, view.draw_step, frames=view.n_steps, interval=interval, repeat=False)
    anim.view = view
    return anim


def jshtml(anim: FuncAnimation):
    """Render an animation as a self-contained JavaScript player and close its figure.

    Returns an ``IPython.display.HTML`` object: the last expression of a cell shows it,
    and it keeps working in a saved page with no kernel.
    """
    try:
        html = anim.to_jshtml()
    finally:
        plt.close(anim.view.fig)
    return HTML(html)
