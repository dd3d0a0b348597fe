"""Training curves: a run's loss and accuracy per epoch (lessons 02-05), the same curves
redrawn live during fit (lessons 05 and 09), and accuracy of several models as a transform
grows (lesson 11).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from helpers.figures import (  # importing helpers.figures applies the course style
    COLUMN_WIDTH,
    text_inches,
)
from helpers.validate import array_of_ndim, positive_int

# =========================================================================== #
# Training results (lessons 02-05): history curves, confusion matrix,
# confident mistakes, class probabilities.
# =========================================================================== #


def _history_dict(history: Any) -> dict[str, list[float]]:
    """Read epochs/train_loss/... from a History or a mapping with those keys."""
    keys = ("train_loss", "train_acc", "val_loss", "val_acc")
    get = (lambda k: history[k]) if isinstance(history, Mapping) else (lambda k: getattr(history, k))
    try:
        out = {k: [float(v) for v in get(k)] for k in keys}
    except (KeyError, AttributeError) as err:
        raise TypeError(
            f"history: expected a helpers.training.History (or a mapping with {keys}), "
            f"got {type(history).__name__}"
        ) from err
    try:
        epochs = list(get("epochs"))
    except (KeyError, AttributeError):
        epochs = []
    out["epochs"] = epochs or list(range(1, len(out["train_loss"]) + 1))
    return out


def plot_history(
    history: Any,
    *,
    axes: Sequence[Any] | None = None,
    title: str = "Training curves",
    max_epochs: int | None = None,
):
    """Loss (left) and accuracy (right) per epoch, training solid, validation dashed.

    ``history`` is one :class:`helpers.training.History`, or a mapping
    ``{label: History}`` to compare runs side by side in the same two panels
    (each run gets one colour). ``axes``: two existing axes to redraw into (the
    live plot of ``fit`` reuses its figure this way). Returns the figure.
    """
    if max_epochs is not None:
        max_epochs = positive_int("max_epochs", max_epochs)
    if isinstance(history, Mapping) and "train_loss" not in history:
        runs = {str(label): _history_dict(h) for label, h in history.items()}
        if not runs:
            raise ValueError("history: the mapping of runs is empty")
    else:
        runs = {"": _history_dict(history)}
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.6), layout="constrained")
    else:
        axes = list(axes)
        if len(axes) != 2:
            raise ValueError(f"axes: expected two axes (loss, accuracy), got {len(axes)}")
        fig = axes[0].figure
        for ax in axes:
            ax.clear()
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.8, max(len(runs), 2)))
    if len(runs) == 1:
        colours = [plt.get_cmap("viridis")(0.25), plt.get_cmap("viridis")(0.7)]
    for i, (label, h) in enumerate(runs.items()):
        prefix = f"{label}: " if label else ""
        c_train = colours[i] if len(runs) > 1 else colours[0]
        c_val = colours[i] if len(runs) > 1 else colours[1]
        for ax, key in zip(axes, ("loss", "acc")):
            ax.plot(h["epochs"], h[f"train_{key}"], "-o", ms=3, color=c_train,
                    label=f"{prefix}training")
            if not all(np.isnan(h[f"val_{key}"])):
                ax.plot(h["epochs"], h[f"val_{key}"], "--s", ms=3, color=c_val,
                        label=f"{prefix}validation")
    axes[0].set(title="Loss (lower is better)", xlabel="epoch", ylabel="loss")
    axes[1].set(title="Accuracy (higher is better)", xlabel="epoch", ylabel="accuracy")
    for ax in axes:
        if max_epochs is not None:
            ax.set_xlim(0.5, max_epochs + 0.5)
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    for old in list(fig.legends):  # a redraw (the live plot) replaces the legend
        old.remove()
    handles, labels = axes[0].get_legend_handles_labels()
    fits = max(1, int(COLUMN_WIDTH // (text_inches(max(map(len, labels), default=1)) + 0.6)))
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4, fits), frameon=False)
    fig.suptitle(title)
    return fig


# =========================================================================== #
# Lesson 11: accuracy of several models as a transform grows.
# =========================================================================== #


def plot_accuracy_curves(
    values: Sequence[float],
    curves: dict,
    *,
    xlabel: str,
    title: str,
    ax=None,
):
    """Accuracy (y) against a transform's strength (x), one line per model.

    values: (V,) transform parameters (angles, shifts, zoom factors).
    curves: ``{"model name": (V,) accuracies in [0, 1]}``.
    Returns the Axes (a new figure is made when ``ax`` is None).
    """
    values = array_of_ndim("values", values, 1)
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError(f"curves: expected a dict {{model name: accuracies}}, got {type(curves).__name__}")
    for name, acc in curves.items():
        acc = array_of_ndim(f"curves[{name!r}]", acc, 1, allow_empty=True)
        if acc.shape != (len(values),):
            raise ValueError(f"curves[{name!r}]: expected {len(values)} accuracies (one per value), got shape {acc.shape}")
        if not np.all((acc >= 0) & (acc <= 1)):
            raise ValueError(f"curves[{name!r}]: expected accuracies in [0, 1], got {acc.min():.3g}..{acc.max():.3g}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 3.8), layout="constrained")
    viridis = plt.get_cmap("viridis")
    markers = "osD^v"
    for j, (name, acc) in enumerate(curves.items()):
        acc = np.asarray(acc, dtype=float)
        if acc.shape != (len(values),):
            raise ValueError(f"curves[{name!r}]: expected {len(values)} accuracies (one per value), got shape {acc.shape}")
        ax.plot(values, acc, marker=markers[j % len(markers)], ms=4, label=name,
                color=viridis(0.15 + 0.6 * j / max(1, len(curves) - 1)))
    ax.set(xlabel=xlabel, ylabel="test accuracy", title=title, ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    # below the axes, never on the curves (also when the axes is one of a row)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=min(len(curves), 2), frameon=False)
    return ax


# =========================================================================== #
# The live plot of fit (lessons 05 and 09)
# =========================================================================== #


def _in_notebook_kernel() -> bool:
    """True inside a Jupyter kernel (where rich display works)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with jupyter
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class LivePlot:
    """A callback for :func:`helpers.training.fit` (lesson 05): the loss and accuracy curves in
    ONE figure, redrawn in place after every epoch and closed at the end. Outside a notebook
    it does nothing. ``fit(..., callbacks=[LivePlot(title="...")])``."""

    def __init__(self, title: str = "Training curves") -> None:
        if not isinstance(title, str):
            raise TypeError(f"title: expected a str, got {type(title).__name__}")
        self.title = title
        self.enabled = _in_notebook_kernel()
        self.fig = None
        self.handle = None

    def on_epoch_end(self, history: Any, *, epochs: int) -> None:
        if not self.enabled:
            return

        if self.fig is None:
            self.fig, _ = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.6), layout="constrained")
        plot_history(history, axes=self.fig.axes, title=self.title, max_epochs=epochs)
        if self.handle is None:
            self.handle = display(self.fig, display_id=True)
        else:
            self.handle.update(self.fig)

    def close(self) -> None:
        if self.fig is not None:
            plt.close(self.fig)
            self.fig = None
