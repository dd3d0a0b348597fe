"""Widgets of the first lessons: does this front end run widgets (lesson 00), a digit
browser (lesson 01) and the invariance explorer (lesson 11).

Every builder returns its top-level widget carrying a ``cnn-...`` CSS class, so browser
tests find it; each redraws one picture in place. The other explorers live beside their
idea: :mod:`helpers.conv_widgets` (lessons 06-07), :mod:`helpers.mlp_widgets` (lesson 03),
:mod:`helpers.descent` (lesson 04), :mod:`helpers.neurons` (lesson 03),
:mod:`helpers.explain_widgets` (lesson 13).
"""

from __future__ import annotations

from typing import Sequence

import ipywidgets as widgets
import matplotlib
import matplotlib.patches
import numpy as np
import torch

from helpers.augment import affine
from helpers.figures import COLUMN_WIDTH, MIN_FONT_PT, expose, new_figure, show_png


def widget_check() -> widgets.VBox:
    """A slider that answers when moved: if the text changes, widgets work in this front end."""
    slider = widgets.IntSlider(value=0, min=0, max=10, description="Move me:", continuous_update=True)
    answer = widgets.HTML("<b>Waiting…</b> drag the slider (or click it and press the arrow keys).")

    def update(_=None):
        v = slider.value
        answer.value = (f"<b>Widgets work.</b> The slider is at {v}; its square is {v * v}. "
                        "Python received the change and sent this text back.")

    slider.observe(update, names="value")
    box = widgets.VBox([slider, answer])
    box.add_class("cnn-widget-check")
    return expose(box, controls={"slider": slider}, outputs={"answer": answer}, update=update)


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
        show_png(picture, fig)
        v = int(img[r, c])
        kind = "background" if v == 0 else ("full ink" if v == 255 else "partial ink")
        readout.value = (f"<code>images[{i}][{r}, {c}] = {v}</code> ({kind}); "
                         f"this image has {int((img > 0).sum())} of {h * w} pixels with ink.")

    for s in (index, row, col):
        s.observe(update, names="value")
    update()
    box = widgets.VBox([index, widgets.HBox([picture, widgets.VBox([row, col, readout])])])
    box.add_class("cnn-digit-browser")
    return expose(box, controls={"index": index, "row": row, "col": col},
                  outputs={"picture": picture, "readout": readout}, update=update)


def _invariance_figure(first: np.ndarray, value_range: tuple[float, float], model_names: list[str],
                       class_names: list[str]):
    """The explorer's figure: the image as the models see it, and one bar per class and model.
    Returns (figure, image axes, image artist, {model name: its bars})."""
    fig = new_figure(COLUMN_WIDTH, 3.6, layout="constrained")
    ax_img, ax_bar = fig.subplots(1, 2, width_ratios=[1, 2.2])
    im = ax_img.imshow(first, cmap="gray", vmin=value_range[0], vmax=value_range[1])
    fig.colorbar(im, ax=ax_img, fraction=0.046, pad=0.04, label="input value")
    ax_img.set(xlabel="column", ylabel="row")
    cmap = matplotlib.colormaps["viridis"]
    k, width = len(class_names), 0.8 / len(model_names)
    bars = {}
    for j, name in enumerate(model_names):
        positions = np.arange(k) - 0.4 + width * (j + 0.5)
        bars[name] = ax_bar.bar(positions, np.zeros(k), width=width, label=name,
                                color=cmap(0.2 + 0.6 * j / max(1, len(model_names) - 1)))
    ax_bar.set_xticks(range(k), class_names, rotation=30 if max(map(len, class_names)) > 2 else 0)
    ax_bar.set(ylim=(0, 1.05), xlabel="class", ylabel="probability", title="What each model believes")
    # The legend sits beside the bars, never on them.
    ax_bar.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="model")
    return fig, ax_img, im, bars


def invariance_explorer(
    models: dict,
    images,
    labels: Sequence[int],
    *,
    class_names: Sequence[str] | None = None,
    fill: float = 0.0,
) -> widgets.VBox:
    """Rotate, shift and zoom one image with sliders while trained models classify it.

    Args:
        models: ``{"name": model}``; each maps (N, C, H, W) float to (N, K) logits.
        images: (N, C, H, W) float tensor, exactly what the models take as input.
        labels: (N,) true classes.
        class_names: names of the K classes (default: the indices).
        fill: the value that enters the image where it was moved away (the background).
    Returns:
        The widget (CSS class ``cnn-invariance-explorer``): sliders for the image index,
        angle (degrees, counter-clockwise), shift (pixels, right and down) and zoom; one
        figure with the transformed image and each model's probabilities, redrawn in place;
        a line of text with each model's prediction. Parts as in :func:`helpers.figures.expose`.
    """
    if not isinstance(models, dict) or not models:
        raise TypeError(f"models: expected a non-empty dict {{name: model}}, got {type(models).__name__}")
    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        shape = tuple(getattr(images, "shape", ()))
        raise ValueError(f"images: expected a (N, C, H, W) float tensor, got {type(images).__name__} of shape {shape}")
    labels = np.asarray(labels)
    if len(labels) != len(images):
        raise ValueError(f"labels: expected {len(images)} entries (one per image), got {len(labels)}")
    n = len(images)
    for m in models.values():
        m.eval()
    first_param = next(next(iter(models.values())).parameters(), None)
    device = first_param.device if first_param is not None else images.device
    with torch.no_grad():
        k = next(iter(models.values()))(images[:1].to(device)).shape[1]
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    if len(names) != k:
        raise ValueError(f"class_names: expected {k} names (one per output of the models), got {len(names)}")
    lo, hi = float(images.min()), float(images.max())

    slider = {"layout": widgets.Layout(width="330px"), "continuous_update": False}
    index = widgets.IntSlider(value=0, min=0, max=n - 1, description="image", **slider)
    angle = widgets.IntSlider(value=0, min=-180, max=180, step=5, description="angle °", **slider)
    dx = widgets.IntSlider(value=0, min=-10, max=10, description="shift right", **slider)
    dy = widgets.IntSlider(value=0, min=-10, max=10, description="shift down", **slider)
    scale = widgets.FloatSlider(value=1.0, min=0.4, max=1.8, step=0.05, description="zoom", **slider)
    reset = widgets.Button(description="reset transform", icon="undo")
    picture = widgets.Image(format="png")
    readout = widgets.HTML()

    fig, ax_img, im, bars = _invariance_figure(images[0, 0].cpu().numpy(), (lo, hi), list(models), names)

    def update(_=None):
        i = index.value
        x = affine(images[i : i + 1], degrees=angle.value, dx=dx.value, dy=dy.value, scale=scale.value, fill=fill)
        im.set_data(x[0, 0].cpu().numpy())
        true = int(labels[i])
        ax_img.set_title(f"#{i} (true: {names[true]})\n{angle.value}°, shift ({dx.value}, {dy.value}), "
                         f"zoom {scale.value:.2f}", fontsize=MIN_FONT_PT)
        parts = []
        with torch.no_grad():
            for name, m in models.items():
                probs = torch.softmax(m(x.to(device)), dim=1)[0].cpu().numpy()
                for bar, p in zip(bars[name], probs):
                    bar.set_height(float(p))
                best = int(probs.argmax())
                mark = "<span style='color:#009e73'>right</span>" if best == true else \
                    "<span style='color:#d55e00'>wrong</span>"
                parts.append(f"<b>{name}</b>: {names[best]} ({probs[best]:.0%}, {mark})")
        show_png(picture, fig)
        readout.value = " &nbsp;|&nbsp; ".join(parts)

    def on_reset(_):
        for s, v in ((angle, 0), (dx, 0), (dy, 0), (scale, 1.0)):
            s.value = v  # each change redraws once

    for s in (index, angle, dx, dy, scale):
        s.observe(update, names="value")
    reset.on_click(on_reset)
    update()
    controls = widgets.VBox([index, angle, dx, dy, scale, reset])
    box = widgets.VBox([widgets.HBox([controls, readout]), picture])
    box.add_class("cnn-invariance-explorer")
    return expose(box, controls={"index": index, "angle": angle, "dx": dx, "dy": dy, "zoom": scale, "reset": reset},
                  outputs={"picture": picture, "readout": readout}, update=update)
