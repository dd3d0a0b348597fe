"""Figures that widgets redraw in place (lessons 00-13).

A widget draws into one figure that pyplot does not track (:func:`new_figure`) and sends
it to the page as PNG bytes (:func:`render_png`) for an ``ipywidgets.Image``: each update
replaces the picture, nothing piles up, and nothing is shown twice.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure


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

