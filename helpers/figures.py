"""The course's figure style, and figures that widgets redraw in place (lessons 00-14).

One style for every figure (:func:`apply_style`, applied when a plotting module is
imported): a light background, text no smaller than :data:`MIN_FONT_PT` points at the
size a figure is shown, figures drawn at :data:`DISPLAY_DPI` pixels per inch and sent at
twice that so they stay sharp, and widths from :func:`figure_size` so that nothing is
wider than the notebook column (:data:`COLUMN_WIDTH` inches) and scaled down.

A widget draws into one figure that pyplot does not track (:func:`new_figure`) and sends
it as PNG bytes to an image sized to the figure (:func:`show_png`): each update replaces the picture, nothing piles up, nothing is
shown twice, and the picture is never scaled up. Every builder hands its parts out the
same way: :func:`expose`.
"""

from __future__ import annotations

import io
import threading
from typing import Callable

import ipywidgets as widgets
import matplotlib as mpl
from IPython import get_ipython
from matplotlib.figure import Figure
from matplotlib_inline.config import InlineBackend

DISPLAY_DPI = 100  # CSS pixels per inch of figure, as every figure is shown
SHARP_DPI = 2 * DISPLAY_DPI  # pixels per inch sent to the page: sharp on high-density screens
COLUMN_WIDTH = 9.0  # inches: the widest a figure may be before the notebook column shrinks it
MIN_FONT_PT = 9.0  # the smallest text, in points at the size a figure is shown

STYLE = {
    "figure.dpi": DISPLAY_DPI,
    "savefig.dpi": SHARP_DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 12,
    "image.interpolation": "nearest",
    "animation.embed_limit": 40.0,
}

_SIZES = {"single": (5.2, 3.6), "wide": (COLUMN_WIDTH, 3.6)}


def figure_size(kind: str = "single", n: int = 1, *, cols: int | None = None, panel: float = 2.2,
                aspect: float = 1.0) -> tuple[float, float]:
    """(width, height) in inches for a figure of one kind: the course's sizes in one place.

    ``kind="single"``: one plot; ``"wide"``: one plot across the column; ``"row"``: ``n``
    panels side by side, each ``panel`` inches wide (shrunk to fit the column);
    ``"grid"``: ``n`` panels wrapped into rows of ``cols`` (default: as many as fit).
    ``aspect`` is a panel's height over its width.
    """
    if kind in _SIZES:
        return _SIZES[kind]
    if kind not in ("row", "grid"):
        raise ValueError(f"kind: expected 'single', 'wide', 'row' or 'grid', got {kind!r}")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n: expected a positive int (panels), got {n!r}")
    if kind == "row":
        cols = n
    elif cols is None:
        cols = min(n, max(1, int(COLUMN_WIDTH // panel)))
    rows = -(-n // cols)
    width = min(COLUMN_WIDTH, panel * cols)
    return width, (width / cols) * aspect * rows


def apply_style() -> None:
    """Apply the course's figure style to matplotlib (and, in a notebook, sharp inline PNGs).

    Idempotent; the plotting modules call it when they are imported.
    """
    mpl.rcParams.update(STYLE)
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        inline = InlineBackend.instance(parent=shell)
        if inline.figure_formats != {"retina"}:
            inline.figure_formats = {"retina"}  # sent at 2x, shown at the size drawn


def text_inches(chars: int, points: float = MIN_FONT_PT) -> float:
    """About how wide ``chars`` characters of text are, in inches (a character is ~0.6 em)."""
    return 0.6 * points * chars / 72 + 0.1


def new_figure(width: float = 4.0, height: float = 4.0, dpi: int = DISPLAY_DPI,
               layout: str | None = None) -> Figure:
    """A figure that pyplot does not track: it is never shown by itself and never piles up.

    Widgets draw into one such figure and send it to the page as PNG bytes
    (see :func:`show_png`), shown at the size it is drawn
    (``width`` x ``height`` inches at :data:`DISPLAY_DPI`).
    ``layout="constrained"`` re-fits titles and colour bars at every redraw.
    """
    return Figure(figsize=(width, height), dpi=dpi, layout=layout)


# One figure drawn at a time. savefig sets the figure's dpi for the duration of a draw, so
# two draws of one figure at once (widget events handled on two threads; ipykernel 7 can
# dispatch comm messages concurrently) mix two scales into one picture, and the picture
# sent last may not be the one drawn last. Such a mixed picture was seen in the browser:
# lesson 09's drawing widget after "Clear".
_RENDERING = threading.RLock()


def render_png(fig: Figure, dpi: float | None = None) -> bytes:
    """The figure as PNG bytes, at ``dpi`` pixels per inch (default: the figure's own dpi).

    An image that shows the bytes as they come is as wide as the PNG; :func:`show_png`
    sends twice the pixels and sizes the image to the figure instead.
    """
    buf = io.BytesIO()
    with _RENDERING:
        fig.savefig(buf, format="png", dpi=fig.dpi if dpi is None else dpi)
    return buf.getvalue()


def show_png(picture: widgets.Image, fig: Figure) -> None:
    """Send ``fig`` to ``picture`` and size the image to the figure: shown as drawn, never scaled up."""
    width, height = (f"{round(v * DISPLAY_DPI)}px" for v in fig.get_size_inches())
    with _RENDERING:  # drawn and sent in one go: the last picture sent is the last one drawn
        if picture.layout.width != width or picture.layout.height != height:
            picture.layout.width, picture.layout.height = width, height
        picture.value = render_png(fig, SHARP_DPI)


def expose(box: widgets.Widget, *, controls: dict, outputs: dict, update: Callable[[], None],
           state: dict | None = None) -> widgets.Widget:
    """The one contract of every widget builder in the course; returns ``box``.

    ``box.controls``: name -> the widget a person moves, types into or clicks (a list of
    widgets under one name where they come as a group, e.g. the nine kernel cells);
    ``box.outputs``: name -> the widget that shows the result (an image, a readout);
    ``box.update()``: redraw from the controls' current values (the builders call it once,
    and on every change); ``box.state``: name -> values the widget computed last (e.g. the
    kernel in use), for tests and benchmarks. Tests and browser steps reach a widget's
    parts only through these.
    """
    box.controls = dict(controls)
    box.outputs = dict(outputs)
    box.update = update
    box.state = state if state is not None else {}
    return box


apply_style()
