"""Images as pictures and as numbers (lessons 00-01): grids of images, one array with its
values written in, images per class, a colour photo's channels.

Grey images use a grey colour map with a colour bar where the values matter; other maps
are perceptually uniform (viridis, cividis).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from helpers.figures import COLUMN_WIDTH, MIN_FONT_PT, text_inches  # importing helpers.figures applies the course style
from helpers.validate import array_of_ndim, finite_number, label_array, positive_int

# =========================================================================== #
# Images as pictures and as numbers (lessons 00-01).
# =========================================================================== #


def _as_images(images, name: str = "images") -> np.ndarray:
    arr = np.asarray(images)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[1] == 1:  # (N, 1, H, W), PyTorch's layout for grey images
        arr = arr[:, 0]
    if arr.ndim not in (3, 4):
        raise ValueError(f"{name}: expected (N, H, W), (N, 1, H, W) or (N, H, W, 3), got shape {arr.shape}")
    if arr.dtype.kind not in "uifb":
        raise TypeError(f"{name}: expected numbers, got dtype {arr.dtype}")
    return arr


def show_images(
    images,
    labels: Sequence[int] | None = None,
    *,
    class_names: Sequence[str] | None = None,
    predictions: Sequence[int] | None = None,
    ncols: int = 10,
    title: str | None = None,
    size: float = 1.2,
    cmap: str = "gray",
):
    """A grid of images with their labels (and predictions, marked when wrong).

    Args:
        images: (N, H, W) grey, (N, 1, H, W), or (N, H, W, 3) colour; any numeric dtype.
        labels: (N,) class indices shown above each image.
        class_names: names for the class indices (default: the indices themselves).
        predictions: (N,) predicted classes; a wrong one is shown in orange as "pred: …".
        ncols: images per row.
    Returns:
        The matplotlib Figure.
    """
    arr = _as_images(images)
    n = len(arr)
    if n == 0:
        raise ValueError("images: expected at least one image, got none")
    ncols = positive_int("ncols", ncols)
    k = None if class_names is None else len(class_names)
    for name, seq in (("labels", labels), ("predictions", predictions)):
        if seq is not None:
            if np.ndim(seq) != 1 or len(seq) != n:
                raise ValueError(f"{name}: expected {n} entries (one per image), got shape {np.shape(seq)}")
            values = label_array(name, seq)
            if k is not None and values.max() >= k:
                raise ValueError(f"{name}: expected class numbers 0..{k - 1} (one per name in class_names), "
                                 f"got {values.max()}")
    name_of = (lambda c: class_names[int(c)]) if class_names is not None else (lambda c: str(int(c)))
    longest = max([len(name_of(c)) + (6 if predictions is not None else 0)
                   for seq in (labels, predictions) if seq is not None for c in seq] or [0])
    size = max(size, text_inches(longest))  # each caption fits above its own image
    ncols = max(1, min(ncols, n, int(COLUMN_WIDTH // size)))  # more rows rather than a shrunk page
    nrows = -(-n // ncols)
    size = min(size, COLUMN_WIDTH / ncols)
    lines = (labels is not None) + (predictions is not None)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + 0.2 * lines) * nrows + 0.3 * bool(title)),
                             squeeze=False, layout="constrained")
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(arr[i], cmap=None if arr.ndim == 4 else cmap, vmin=None if arr.ndim == 4 else 0,
                  vmax=None if arr.ndim == 4 else (255 if arr.dtype == np.uint8 else None))
        text, colour = "", "black"
        if labels is not None:
            text = name_of(labels[i])
        if predictions is not None:
            wrong = labels is not None and int(predictions[i]) != int(labels[i])
            text += ("\n" if text else "") + f"pred: {name_of(predictions[i])}"
            colour = "#d55e00" if wrong else "black"
        if text:
            ax.set_title(text, fontsize=MIN_FONT_PT, color=colour)
    if title:
        fig.suptitle(title)
    return fig



def show_array(
    image,
    *,
    title: str = "Pixel values",
    ax=None,
    cmap: str = "gray",
    fmt: str | None = None,
    fontsize: float | None = None,
    colorbar: bool = True,
):
    """A heat map of a small 2-D array with each value written in its cell.

    Args:
        image: (H, W) array of numbers (a digit, a kernel, a feature map).
        fmt: how to write each value (default: integers as they are, floats with 2 decimals).
        ax: draw into this Axes instead of a new figure.
    Returns:
        The Axes drawn into.
    """
    arr = array_of_ndim("image", image, 2)
    if fmt is not None and not isinstance(fmt, str):
        raise TypeError(f"fmt: expected a format string such as '{{:.2f}}', got {type(fmt).__name__}")
    if fontsize is not None:
        fontsize = finite_number("fontsize", fontsize, positive=True)
    h, w = arr.shape
    values = arr.astype(np.float64)
    if fmt is None:
        fmt = "{:.0f}" if arr.dtype.kind in "uib" or np.allclose(values, np.round(values)) else "{:.2f}"
    widest = max(len(fmt.format(v)) for v in values.ravel()) if values.size else 1
    if ax is None:
        cell = max(0.38, text_inches(widest))  # a cell is wide enough for its number
        side = max(3.0, min(COLUMN_WIDTH - 1.6, cell * w))  # room for the labels and the colour bar
        _, ax = plt.subplots(figsize=(side + 1.6, side * h / w + 0.9), layout="constrained")
    im = ax.imshow(values, cmap=cmap)
    if fontsize is None:
        fontsize = max(MIN_FONT_PT, min(12.0, 200 / max(h, w)))
    finite = values[np.isfinite(values)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    mid = (lo + hi) / 2
    light_is_high = cmap in ("gray", "grey", "viridis", "cividis", "magma", "inferno")
    for r in range(h):
        for c in range(w):
            v = values[r, c]
            dark_cell = (v < mid) == light_is_high
            ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=fontsize,
                    color="white" if dark_cell else "black")
    ax.set_title(title)
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_xticks(range(0, w, max(1, w // 7)))
    ax.set_yticks(range(0, h, max(1, h // 7)))
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="value")
    return ax


def plot_class_counts(labels, *, class_names: Sequence[str] | None = None, title: str = "Images per class", ax=None):
    """A bar chart of how many examples each class has.

    Args:
        labels: (N,) integer class indices.
    Returns:
        The Axes drawn into.
    """
    labels = label_array("labels", labels, None if class_names is None else len(class_names))
    if labels.size == 0:
        raise ValueError("labels: expected at least one label, got none")
    n_classes = len(class_names) if class_names is not None else int(labels.max()) + 1
    counts = np.bincount(labels, minlength=n_classes)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3), layout="constrained")
    names = list(class_names) if class_names is not None else [str(i) for i in range(n_classes)]
    ax.bar(range(n_classes), counts, color="#0072b2")
    ax.set_xticks(range(n_classes), names, rotation=30 if max(map(len, names)) > 2 else 0, ha="right" if max(map(len, names)) > 2 else "center")
    ax.set_xlabel("class")
    ax.set_ylabel("number of images")
    ax.set_title(title)
    return ax


def show_channels(photo, *, title: str = "A colour photo is three grey images"):
    """The photo and its red, green and blue channels side by side.

    Args:
        photo: (H, W, 3) array, uint8 0–255 or float 0–1.
    Returns:
        The matplotlib Figure.
    """
    arr = array_of_ndim("photo", photo, 3)
    if arr.shape[-1] < 3:
        raise ValueError(f"photo: expected (H, W, 3), got shape {arr.shape}")
    arr = arr[..., :3]
    fig, axes = plt.subplots(1, 4, figsize=(COLUMN_WIDTH, 2.9), layout="constrained")
    axes[0].imshow(arr)
    axes[0].set_title("colour (H, W, 3)")
    vmax = 255 if arr.dtype == np.uint8 else 1.0
    for ax, i, name in zip(axes[1:], range(3), ("red", "green", "blue")):
        im = ax.imshow(arr[..., i], cmap="gray", vmin=0, vmax=vmax)
        ax.set_title(f"{name} [..., {i}]")
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    for ax in axes:
        ax.set_xlabel("column")
    axes[0].set_ylabel("row")
    fig.suptitle(title)
    return fig
