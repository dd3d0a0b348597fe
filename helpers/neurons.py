"""One neuron and softmax, pictured (lesson 03).

``draw_neuron`` draws what a single neuron computes: inputs, one weight per input,
the weighted sum plus bias, the activation, the output. ``softmax_explorer`` is a
widget with one slider per class score (logit): moving a score redraws the
probabilities that softmax makes of them, so a student sees that only differences
between scores matter and how a large gap turns into near-certainty.

The widget follows the course's widget contract: the returned box carries
``controls`` (name → control widget), ``outputs`` (name → output widget) and
``update()`` (redraw from the controls' current values).
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt  # figures the notebook shows; widgets draw with new_figure
import numpy as np
from matplotlib.axes import Axes

from helpers.figures import expose, new_figure, show_png


def softmax(z: Sequence[float] | np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax of one vector of scores. z: (K,) -> (K,) probabilities summing to 1.

    Subtracts the largest score first, which changes nothing in the result but keeps
    ``exp`` from overflowing. Lesson 03.
    """
    try:
        z = np.asarray(z, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"z: expected numbers (a vector of K scores), got {z!r}") from None
    if z.ndim != 1 or z.size == 0:
        raise ValueError(f"z: expected a non-empty vector of scores (K,), got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"z: expected finite scores, got {z.tolist()}")
    if not isinstance(temperature, (int, float)) or not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature: expected a positive number, got {temperature!r}")
    e = np.exp((z - z.max()) / temperature)
    return e / e.sum()


def draw_neuron(weights: Sequence[float] = (0.8, -0.4, 0.3), inputs: Sequence[float] = (1.0, 0.5, 2.0),
                bias: float = -0.2, *, ax: Axes | None = None) -> Axes:
    """Draw one neuron with its numbers: inputs → weights → Σ + bias → ReLU → output.

    weights, inputs: (n,) with 1 ≤ n ≤ 6. Each arrow is labelled with its weight and the
    product it contributes; the Σ node shows z and the output node ReLU(z). Returns the Axes.
    Lesson 03.
    """
    w = np.asarray(weights, dtype=float)
    x = np.asarray(inputs, dtype=float)
    if w.ndim != 1 or not 1 <= w.size <= 6:
        raise ValueError(f"weights: expected 1 to 6 numbers, got shape {w.shape}")
    if x.shape != w.shape:
        raise ValueError(f"inputs: expected {w.size} numbers (one per weight), got shape {x.shape}")
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(x)) and np.isfinite(bias)):
        raise ValueError("weights, inputs, bias: expected finite numbers")
    if ax is None:
        ax = plt.figure(figsize=(7.5, 3.6)).add_subplot()
    n = w.size
    z = float(w @ x + bias)
    out = max(z, 0.0)
    ys = np.linspace(0.85, 0.15, n) if n > 1 else np.array([0.5])
    node = dict(boxstyle="circle,pad=0.35", fc="#f2f2f2", ec="0.2")
    for i, (xi, wi, y) in enumerate(zip(x, w, ys)):
        ax.annotate("", xy=(0.47, 0.5), xytext=(0.12, y),
                    arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.2, shrinkA=14, shrinkB=22))
        ax.text(0.08, y, f"x{i + 1}\n{xi:g}", ha="center", va="center", fontsize=11, bbox=node)
        ax.text(0.30, y + (0.5 - y) * 0.45 + 0.045, f"w{i + 1} = {wi:g}   ({wi * xi:+.2f})",
                ha="center", va="bottom", fontsize=10, color="#1f4e79")
    ax.text(0.52, 0.5, f"Σ + b\nz = {z:.2f}", ha="center", va="center", fontsize=11,
            bbox=dict(boxstyle="round,pad=0.5", fc="#fff2cc", ec="0.2"))
    ax.text(0.52, 0.27, f"b = {bias:g}", ha="center", va="center", fontsize=10, color="#1f4e79")
    ax.annotate("", xy=(0.74, 0.5), xytext=(0.60, 0.5), arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.2))
    ax.text(0.79, 0.5, "ReLU", ha="center", va="center", fontsize=11,
            bbox=dict(boxstyle="round,pad=0.5", fc="#e2efda", ec="0.2"))
    ax.annotate("", xy=(0.94, 0.5), xytext=(0.85, 0.5), arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.2))
    ax.text(0.965, 0.5, f"{out:.2f}", ha="center", va="center", fontsize=11, bbox=node)
    ax.set(xlim=(0, 1.0), ylim=(0, 1), title=f"One neuron: z = Σ wᵢxᵢ + b = {z:.2f}, output ReLU(z) = {out:.2f}")
    ax.axis("off")
    return ax


def _check_logits(logits: Sequence[float]) -> np.ndarray:
    try:
        z = np.asarray(logits, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"logits: expected 2 to 10 numbers, got {logits!r}") from None
    if z.ndim != 1 or not 2 <= z.size <= 10:
        raise ValueError(f"logits: expected 2 to 10 scores, got shape {z.shape}")
    if not np.all(np.isfinite(z)) or np.abs(z).max() > 10:
        raise ValueError(f"logits: expected finite scores between -10 and 10, got {z.tolist()}")
    return z


def softmax_explorer(logits: Sequence[float] = (2.0, 1.0, 0.1, -1.0),
                     class_names: Sequence[str] | None = None) -> widgets.VBox:
    """A slider per class score (logit) and the softmax probabilities, redrawn as they move.

    logits: (K,) starting scores, 2 ≤ K ≤ 10, each in [-10, 10]; class_names: K labels
    (default "class 0", "class 1", …). A temperature slider divides every score before
    softmax. Lesson 03.
    """
    z0 = _check_logits(logits)
    if class_names is None:
        class_names = [f"class {k}" for k in range(z0.size)]
    class_names = [str(c) for c in class_names]
    if len(class_names) != z0.size:
        raise ValueError(f"class_names: expected {z0.size} names (one per logit), got {len(class_names)}")
    sliders = [widgets.FloatSlider(value=float(v), min=-10, max=10, step=0.1, description=name,
                                   continuous_update=True, style={"description_width": "70px"})
               for v, name in zip(z0, class_names)]
    temperature = widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.05, description="temperature",
                                         style={"description_width": "70px"})
    picture = widgets.Image(format="png")
    readout = widgets.HTML()
    fig = new_figure(6.4, 3.4, dpi=100)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.88)

    def update(_=None) -> np.ndarray:
        z = np.array([s.value for s in sliders])
        p = softmax(z, temperature.value)
        ax.clear()
        bars = ax.bar(range(z.size), p, color="#3b528b")
        for bar, value in zip(bars, p):
            ax.text(bar.get_x() + bar.get_width() / 2, value + 0.02, f"{value:.2f}", ha="center", fontsize=10)
        ax.set(ylim=(0, 1.12), ylabel="probability", xticks=range(z.size), xticklabels=class_names,
               title=f"softmax(scores / {temperature.value:.2g}): the probabilities sum to 1")
        show_png(picture, fig)
        readout.value = ("<code>" + ", ".join(f"{name}: score {v:+.1f} → {q:.3f}"
                                              for name, v, q in zip(class_names, z, p)) + "</code>")
        return p

    for control in (*sliders, temperature):
        control.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox([widgets.VBox([*sliders, temperature]), picture]), readout])
    box.add_class("cnn-softmax-explorer")
    return expose(box, controls={**{name: s for name, s in zip(class_names, sliders)}, "temperature": temperature},
                  outputs={"picture": picture, "readout": readout}, update=update)
