"""Interactive explorers for the lessons, built on ipywidgets 8.

Each builder returns its top-level widget, so a test can drive the controls and
check what changed. Widgets update one figure or image in place: nothing piles up.
Each carries a CSS class (``cnn-...``) so browser tests can find it.
"""

from __future__ import annotations

import io
from typing import Sequence

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.figure import Figure

# =========================================================================== #
# Shared rendering, the "do widgets work?" check (lesson 00) and the digit
# browser (lesson 01).
# =========================================================================== #


def new_figure(width: float = 4.0, height: float = 4.0, dpi: int = 80) -> Figure:
    """A figure that pyplot does not track: it is never shown by itself and never piles up.

    Widgets draw into one such figure and send it to the page as PNG bytes
    (see :func:`render_png`), so each update replaces the picture in place.
    """
    return Figure(figsize=(width, height), dpi=dpi)


def render_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, for an ``ipywidgets.Image``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def widget_check() -> widgets.VBox:
    """A slider that answers when moved: if the text changes, widgets work in this front end."""
    slider = widgets.IntSlider(value=0, min=0, max=10, description="Move me:", continuous_update=True)
    answer = widgets.HTML("<b>Waiting…</b> drag the slider (or click it and press the arrow keys).")

    def on_change(change):
        v = change["new"]
        answer.value = (f"<b>Widgets work.</b> The slider is at {v}; its square is {v * v}. "
                        "Python received the change and sent this text back.")

    slider.observe(on_change, names="value")
    box = widgets.VBox([slider, answer])
    box.add_class("cnn-widget-check")
    return box


def digit_browser(
    images,
    labels: Sequence[int],
    *,
    class_names: Sequence[str] | None = None,
    title: str = "Digit",
) -> widgets.VBox:
    """Browse a data set one image at a time and read any pixel's value.

    Args:
        images: (N, H, W) uint8 grey images.
        labels: (N,) class indices.
        class_names: names for the classes (default: the indices).
    Returns:
        The widget: an index slider, row and column sliders picking a pixel, the image
        with that pixel outlined, and a line of text with its value.
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3:
        raise ValueError(f"images: expected (N, H, W), got shape {images.shape}")
    if len(labels) != len(images):
        raise ValueError(f"labels: expected {len(images)} entries (one per image), got {len(labels)}")
    n, h, w = images.shape
    names = list(class_names) if class_names is not None else [str(i) for i in range(int(labels.max()) + 1)]

    index = widgets.IntSlider(value=0, min=0, max=n - 1, description="image", continuous_update=False,
                              layout=widgets.Layout(width="420px"))
    row = widgets.IntSlider(value=h // 2, min=0, max=h - 1, description="row")
    col = widgets.IntSlider(value=w // 2, min=0, max=w - 1, description="column")
    picture = widgets.Image(format="png")
    readout = widgets.HTML()

    fig = new_figure(4.2, 4.0)
    ax = fig.add_subplot()
    im = ax.imshow(images[0], cmap="gray", vmin=0, vmax=255)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="pixel value")
    marker = matplotlib.patches.Rectangle((0, 0), 1, 1, fill=False, edgecolor="#e69f00", linewidth=2)
    ax.add_patch(marker)
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    fig.tight_layout()

    def update(_=None):
        i, r, c = index.value, row.value, col.value
        img = images[i]
        im.set_data(img)
        marker.set_xy((c - 0.5, r - 0.5))
        ax.set_title(f"{title} #{i}: label {names[int(labels[i])]}")
        picture.value = render_png(fig)
        v = int(img[r, c])
        kind = "background" if v == 0 else ("full ink" if v == 255 else "partial ink")
        readout.value = (f"<code>images[{i}][{r}, {c}] = {v}</code> ({kind}); "
                         f"this image has {int((img > 0).sum())} of {h * w} pixels with ink.")

    for s in (index, row, col):
        s.observe(update, names="value")
    update()
    box = widgets.VBox([index, widgets.HBox([picture, widgets.VBox([row, col, readout])])])
    box.add_class("cnn-digit-browser")
    return box
