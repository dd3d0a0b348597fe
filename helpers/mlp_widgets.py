"""The parameter counter of lesson 03: an MLP's weights and biases counted layer by layer,
beside a drawing of the network.
"""

from __future__ import annotations

from typing import Sequence

import ipywidgets as widgets
import matplotlib
import numpy as np

from helpers.figures import MIN_FONT_PT, expose, new_figure, show_png


def count_mlp_parameters(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """Weights and biases of each dense layer of an MLP with layer sizes ``sizes``.

    sizes: ``[inputs, hidden..., outputs]``, e.g. ``[784, 512, 512, 10]``. A layer
    from ``m`` to ``n`` units has ``m * n`` weights and ``n`` biases.
    Returns ``[(weights, biases), ...]``, one pair per layer.
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least [inputs, outputs], got {sizes}")
    if any(s <= 0 for s in sizes):
        raise ValueError(f"sizes: every layer needs at least one unit, got {sizes}")
    return [(m * n, n) for m, n in zip(sizes[:-1], sizes[1:])]


def draw_mlp(ax, sizes: Sequence[int], *, max_drawn: int = 10) -> None:
    """Draw an MLP diagram into ``ax``: one column of circles per layer, every
    connection between neighbouring layers as a faint line. Layers wider than
    ``max_drawn`` show ``max_drawn`` units with "⋮" and their true size below.
    """

    ax.clear()
    ax.set_axis_off()
    cmap = matplotlib.colormaps["viridis"]
    n_layers = len(sizes)
    shown = [min(s, max_drawn) for s in sizes]
    ys = [np.linspace(-1, 1, k) * (k / max_drawn) if k > 1 else np.zeros(1) for k in shown]
    for i in range(n_layers - 1):
        for y0 in ys[i]:
            for y1 in ys[i + 1]:
                ax.plot([i, i + 1], [y0, y1], color="0.75", lw=0.5, zorder=1)
    for i, (size, y) in enumerate(zip(sizes, ys)):
        colour = cmap(0.15 if i == 0 else (0.85 if i == n_layers - 1 else 0.5))
        ax.scatter(np.full(len(y), i), y, s=90, color=colour, edgecolor="black", zorder=2)
        if size > max_drawn:
            ax.text(i, 0, "⋮", ha="center", va="center", fontsize=14, zorder=3,
                    bbox=dict(boxstyle="round", fc="white", ec="none"))
        kind = "input" if i == 0 else ("output" if i == n_layers - 1 else f"hidden {i}")
        ax.text(i, -1.35, f"{kind}\n{size} units", ha="center", va="top", fontsize=MIN_FONT_PT)
    ax.set_xlim(-0.6, n_layers - 0.4)
    ax.set_ylim(-1.9, 1.25)


def parameter_counter(inputs: int = 784, outputs: int = 10) -> widgets.VBox:
    """Explore MLP sizes: sliders for the number and the width of hidden layers.

    Shows a table of weights and biases per layer with the total, and a diagram
    of the network, both redrawn in place whenever a slider moves.
    """
    n_hidden = widgets.IntSlider(value=2, min=0, max=4, description="hidden layers",
                                 style={"description_width": "initial"})
    width = widgets.SelectionSlider(options=[16, 32, 64, 128, 256, 512, 1024], value=512,
                                    description="units per layer", style={"description_width": "initial"},
                                    layout=widgets.Layout(width="420px"))
    table = widgets.HTML()
    picture = widgets.Image(format="png")
    fig = new_figure(6.0, 3.4)
    ax = fig.add_subplot()

    def update(_=None):
        sizes = [inputs] + [width.value] * n_hidden.value + [outputs]
        counts = count_mlp_parameters(sizes)
        rows = "".join(
            f"<tr><td>{m} → {n}</td><td>{m} × {n} = {w:,}</td><td>{b:,}</td><td>{w + b:,}</td></tr>"
            for (m, n), (w, b) in zip(zip(sizes[:-1], sizes[1:]), counts)
        )
        total = sum(w + b for w, b in counts)
        table.value = (
            "<table style='border-collapse:collapse' cellpadding='4'>"
            "<tr><th>layer</th><th>weights</th><th>biases</th><th>parameters</th></tr>"
            f"{rows}<tr><td colspan='3'><b>total</b></td><td><b>{total:,}</b></td></tr></table>"
        )
        draw_mlp(ax, sizes)
        ax.set_title(f"MLP {' → '.join(map(str, sizes))}: {total:,} parameters")
        show_png(picture, fig)

    n_hidden.observe(update, names="value")
    width.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox([n_hidden, width]), widgets.HBox([picture, table])])
    box.add_class("cnn-parameter-counter")
    return expose(box, controls={"hidden layers": n_hidden, "width": width},
                  outputs={"picture": picture, "table": table}, update=update)

