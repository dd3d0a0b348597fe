"""The building blocks of landmark CNNs, drawn and read (lesson 12).

:func:`draw_block` draws a block as boxes and arrows: what goes in, each layer, where
paths split and join (addition or concatenation), what comes out. :func:`forward_source`
returns the code that runs a block: its ``forward`` method, or, for a block that is an
``nn.Sequential`` (which runs its layers in order), the ``__init__`` that lists them.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch
from torch import nn

from helpers.figures import (
    COLUMN_WIDTH,  # importing helpers.figures applies the course style
)


@dataclass(frozen=True)
class Diagram:
    """A block as a graph: ``nodes`` name -> (x, y, label, kind); ``edges`` (from, to, bend)."""

    title: str
    nodes: dict[str, tuple[float, float, str, str]]
    edges: tuple[tuple[str, str, float], ...]


def _chain(title: str, labels: list[tuple[str, str]]) -> Diagram:
    nodes = {f"n{k}": (0.0, -float(k), label, kind) for k, (label, kind) in enumerate(labels)}
    edges = tuple((f"n{k}", f"n{k + 1}", 0.0) for k in range(len(labels) - 1))
    return Diagram(title, nodes, edges)


def _inception() -> Diagram:
    nodes = {"in": (1.5, 0, "input (C channels)", "io"),
             "a": (0, -1.5, "1×1 conv", "layer"),
             "b1": (1, -1, "1×1 conv\n(reduce)", "layer"), "b2": (1, -2, "3×3 conv", "layer"),
             "c1": (2, -1, "1×1 conv\n(reduce)", "layer"), "c2": (2, -2, "5×5 conv", "layer"),
             "d1": (3, -1, "3×3 max pool\nstride 1", "layer"), "d2": (3, -2, "1×1 conv", "layer"),
             "cat": (1.5, -3, "concatenate channels", "join"), "out": (1.5, -4, "output", "io")}
    edges = (("in", "a", 0), ("in", "b1", 0), ("in", "c1", 0), ("in", "d1", 0), ("b1", "b2", 0),
             ("c1", "c2", 0), ("d1", "d2", 0), ("a", "cat", 0), ("b2", "cat", 0), ("c2", "cat", 0),
             ("d2", "cat", 0), ("cat", "out", 0))
    return Diagram("Inception block: four window sizes side by side", nodes, edges)


def _residual() -> Diagram:
    nodes = {"in": (0, 0, "input x", "io"), "c1": (0, -1, "3×3 conv → BN → ReLU", "layer"),
             "c2": (0, -2, "3×3 conv → BN", "layer"), "add": (0, -3, "+  (add)", "join"),
             "relu": (0, -4, "ReLU", "layer"), "out": (0, -5, "output", "io")}
    edges = (("in", "c1", 0), ("c1", "c2", 0), ("c2", "add", 0), ("in", "add", -0.6),
             ("add", "relu", 0), ("relu", "out", 0))
    return Diagram("Residual block: out = ReLU(F(x) + x)\ndashed: the shortcut "
                   "(a 1×1 conv when shapes change)", nodes, edges)


def _dense() -> Diagram:
    nodes = {"in": (0, 0, "input (C channels)", "io"),
             "l1": (0, -1, "BN → ReLU → 3×3 conv\n(+ k channels)", "layer"),
             "j1": (0, -2, "concatenate (C + k)", "join"),
             "l2": (0, -3, "BN → ReLU → 3×3 conv\n(+ k channels)", "layer"),
             "j2": (0, -4, "concatenate (C + 2k)", "join"), "out": (0, -5, "output", "io")}
    edges = (("in", "l1", 0), ("l1", "j1", 0), ("in", "j1", -0.6), ("j1", "l2", 0), ("l2", "j2", 0),
             ("j1", "j2", -0.6), ("j2", "out", 0))
    return Diagram("Dense block: each layer sees all earlier maps\n(k = growth rate)", nodes, edges)


def _diagrams() -> dict[str, Diagram]:
    return {
        "vgg": _chain("VGG block: stacked 3×3 convolutions, then pooling",
                      [("input", "io"), ("3×3 conv → BN → ReLU", "layer"), ("3×3 conv → BN → ReLU", "layer"),
                       ("2×2 max pool (halves H, W)", "layer"), ("output", "io")]),
        "bottleneck": _chain("1×1 bottleneck: squeeze channels, convolve, expand",
                             [("input (256 channels)", "io"), ("1×1 conv → 64 channels", "layer"),
                              ("3×3 conv, 64 → 64", "layer"), ("1×1 conv → 256 channels", "layer"),
                              ("output (256 channels)", "io")]),
        "inception": _inception(),
        "residual": _residual(),
        "dense": _dense(),
        "global average pooling": _chain("Global average pooling: one number per channel",
                                         [("feature maps (N, C, H, W)", "io"), ("mean over H × W", "join"),
                                          ("(N, C)", "io"), ("dense C → classes", "layer"),
                                          ("class scores", "io")]),
    }


BLOCKS = tuple(_diagrams())
_COLOURS = {"io": "#e8eef7", "layer": "#fde9c9", "join": "#d7f0dd"}


def draw_block(name: str, ax: Axes | None = None) -> Axes:
    """Draw the block ``name`` (one of :data:`BLOCKS`) as boxes and arrows; returns the Axes."""
    if not isinstance(name, str) or name not in BLOCKS:
        raise ValueError(f"name: expected one of {list(BLOCKS)}, got {name!r}")
    diagram = _diagrams()[name]
    xs = [x for x, _, _, _ in diagram.nodes.values()]
    ys = [y for _, y, _, _ in diagram.nodes.values()]
    title = textwrap.fill(diagram.title, int(COLUMN_WIDTH * 72 / (0.6 * 11)) - 4)  # 11 pt fits the column
    if ax is None:
        title_width = max(map(len, title.split("\n"))) * 0.6 * 11 / 72 + 0.4
        width = min(COLUMN_WIDTH, max(3.2 + 1.9 * (max(xs) - min(xs)), title_width))  # never shrunk by the page
        _, ax = plt.subplots(figsize=(width, 0.75 * (max(ys) - min(ys)) + 1.6), layout="constrained")
    boxes = {}
    for key, (x, y, label, kind) in diagram.nodes.items():
        boxes[key] = ax.text(x, y, label, ha="center", va="center", fontsize=10, zorder=3,
                             bbox=dict(boxstyle="round,pad=0.35", facecolor=_COLOURS[kind], edgecolor="#555"))
    for a, b, bend in diagram.edges:
        (xa, ya, _, _), (xb, yb, _, _) = diagram.nodes[a], diagram.nodes[b]
        ax.add_patch(FancyArrowPatch((xa, ya), (xb, yb), arrowstyle="-|>", mutation_scale=12, color="#333",
                                     connectionstyle=f"arc3,rad={bend}", shrinkA=14, shrinkB=14, zorder=2,
                                     linestyle="--" if bend else "-"))
    ax.set_xlim(min(xs) - 1.0, max(xs) + 1.0)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_title(title, fontsize=11)
    ax.axis("off")
    return ax


def forward_source(block: type[nn.Module]) -> str:
    """The code that runs ``block`` (a class): its own ``forward``, or for an ``nn.Sequential``
    subclass (which runs its layers in order) the ``__init__`` that lists those layers."""
    if not (isinstance(block, type) and issubclass(block, nn.Module)):
        raise TypeError(f"block: expected an nn.Module class (e.g. ResidualBlock), got {block!r}")
    if "forward" in vars(block):
        return inspect.getsource(block.forward)
    if issubclass(block, nn.Sequential) and "__init__" in vars(block):
        return ("# an nn.Sequential: its forward runs these layers in order\n"
                + inspect.getsource(block.__init__))
    raise ValueError(f"block: {block.__name__} defines neither forward nor the layers of a Sequential")
