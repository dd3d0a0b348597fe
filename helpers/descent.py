"""Gradient descent on a 2-D loss surface (lesson 04): the bowl-shaped loss, its gradient,
the path that descent (with or without momentum) takes, and an explorer to steer it.
"""

from __future__ import annotations

from typing import Sequence

import ipywidgets as widgets
import numpy as np

from helpers.figures import expose, new_figure, show_png


def bowl_loss(w: np.ndarray) -> np.ndarray:
    """A stretched, tilted bowl: the 2-D loss surface of the gradient-descent explorer.

    w: (..., 2) points -> (...) loss values; the minimum, 0, is at (1, -0.5).
    Curvature is 1 along one axis and 12 along the other, as for badly scaled inputs.
    """
    w = np.asarray(w, dtype=float)
    d = w - np.array([1.0, -0.5])
    u = 0.8 * d[..., 0] + 0.6 * d[..., 1]
    v = -0.6 * d[..., 0] + 0.8 * d[..., 1]
    return 0.5 * (1.0 * u**2 + 12.0 * v**2)


def bowl_gradient(w: np.ndarray) -> np.ndarray:
    """Gradient of :func:`bowl_loss`. w: (..., 2) -> (..., 2)."""
    w = np.asarray(w, dtype=float)
    d = w - np.array([1.0, -0.5])
    u = 0.8 * d[..., 0] + 0.6 * d[..., 1]
    v = -0.6 * d[..., 0] + 0.8 * d[..., 1]
    gu, gv = 1.0 * u, 12.0 * v
    return np.stack([0.8 * gu - 0.6 * gv, 0.6 * gu + 0.8 * gv], axis=-1)


def gradient_descent_path(grad, start: Sequence[float], lr: float, steps: int,
                          momentum: float = 0.0) -> np.ndarray:
    """Points visited by gradient descent: ``v = momentum * v - lr * grad(w); w = w + v``.

    grad: function (2,) -> (2,). Returns (steps + 1, 2), the start first. Stops
    early (shorter array) once the point leaves any sensible range (|w| > 1e6).
    """
    if not lr > 0:
        raise ValueError(f"lr: expected a positive learning rate, got {lr}")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum: expected 0 <= momentum < 1, got {momentum}")
    w = np.asarray(start, dtype=float).copy()
    v = np.zeros_like(w)
    path = [w.copy()]
    for _ in range(int(steps)):
        v = momentum * v - lr * np.asarray(grad(w), dtype=float)
        w = w + v
        path.append(w.copy())
        if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e6:
            break
    return np.array(path)


def gradient_descent_explorer(start: Sequence[float] = (-2.0, 1.5)) -> widgets.VBox:
    """Gradient descent on :func:`bowl_loss`: sliders for learning rate, steps and momentum.

    The loss surface is drawn as contours (viridis) with the steps on top, in one
    figure redrawn in place; a line of text reports the final loss and whether the
    run crawled, converged or diverged.
    """
    lr = widgets.FloatLogSlider(value=0.05, base=10, min=-3, max=-0.6, step=0.05,
                                description="learning rate", readout_format=".3f",
                                style={"description_width": "initial"}, continuous_update=False)
    steps = widgets.IntSlider(value=20, min=1, max=100, description="steps",
                              continuous_update=False)
    momentum = widgets.FloatSlider(value=0.0, min=0.0, max=0.95, step=0.05, description="momentum",
                                   continuous_update=False)
    readout = widgets.HTML()
    fig = new_figure(5.6, 4.4, layout="constrained")  # re-fitted at each draw: the two-line title fits
    picture = widgets.Image(format="png")  # show_png sizes it to the figure: never scaled up
    ax = fig.add_subplot()
    g1, g2 = np.meshgrid(np.linspace(-3, 4, 200), np.linspace(-3, 2.5, 200))
    levels = np.geomspace(0.01, 60, 14)
    cs = ax.contour(g1, g2, bowl_loss(np.stack([g1, g2], axis=-1)), levels=levels, cmap="viridis")
    fig.colorbar(cs, ax=ax, label="loss")
    ax.plot([1.0], [-0.5], marker="*", color="black", ms=12, ls="none", label="minimum")
    (line,) = ax.plot([], [], "-o", color="#d55e00", ms=3, lw=1, label="steps")
    ax.set(xlim=(-3, 4), ylim=(-3, 2.5), xlabel="weight $w_1$", ylabel="weight $w_2$")
    ax.legend(loc="upper right")

    def update(_=None):
        path = gradient_descent_path(bowl_gradient, start, lr.value, steps.value, momentum.value)
        line.set_data(path[:, 0], path[:, 1])
        final = float(bowl_loss(path[-1]))
        start_loss = float(bowl_loss(path[0]))
        if not np.isfinite(final) or final > start_loss:
            verdict = "<b style='color:#d55e00'>diverged</b>: each step overshoots further"
        elif final > 0.05 * start_loss:
            verdict = "<b>crawling</b>: still far from the minimum"
        else:
            verdict = "<b style='color:#009e73'>converged</b> close to the minimum"
        ax.set_title(f"lr = {lr.value:.3f}, momentum = {momentum.value:.2f}\n"
                     f"loss {start_loss:.2f} → {final:.3g}", fontsize=10)
        readout.value = f"After {len(path) - 1} steps the loss is {final:.4g}: {verdict}."
        show_png(picture, fig)

    for s in (lr, steps, momentum):
        s.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox([lr, steps, momentum]), picture, readout])
    box.add_class("cnn-gd-explorer")
    return expose(box, controls={"lr": lr, "steps": steps, "momentum": momentum},
                  outputs={"picture": picture, "readout": readout}, update=update)

