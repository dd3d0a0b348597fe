"""Figures that widgets redraw in place (lessons 00-13).

A widget draws into one figure that pyplot does not track (:func:`new_figure`) and sends
it to the page as PNG bytes (:func:`render_png`) for an ``ipywidgets.Image``: each update
replaces the picture, nothing piles up, and nothing is shown twice. Every builder hands
its parts out the same way: :func:`expose`.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Callable

from matplotlib.figure import Figure

if TYPE_CHECKING:
    import ipywidgets as widgets


def new_figure(width: float = 4.0, height: float = 4.0, dpi: int = 80, layout: str | None = None) -> Figure:
    """A figure that pyplot does not track: it is never shown by itself and never piles up.

    Widgets draw into one such figure and send it to the page as PNG bytes
    (see :func:`render_png`), so each update replaces the picture in place.
    ``layout="constrained"`` re-fits titles and colour bars at every redraw.
    """
    return Figure(figsize=(width, height), dpi=dpi, layout=layout)


def render_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, for an ``ipywidgets.Image``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()



def expose(box: "widgets.Widget", *, controls: dict, outputs: dict, update: Callable[[], None],
           state: dict | None = None) -> "widgets.Widget":
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
