"""Pictures of images, arrays and training results.

Every figure has a title and labelled axes; grey images use a grey colour map with
a colour bar where the values matter, and other maps are perceptually uniform
(viridis, cividis).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from helpers.figures import COLUMN_WIDTH, MIN_FONT_PT  # importing helpers.figures applies the course style
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
    size = max(size, _text_inches(longest))  # each caption fits above its own image
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


def _text_inches(chars: int, points: float = MIN_FONT_PT) -> float:
    """About how wide ``chars`` characters of text are, in inches (a character is ~0.6 em)."""
    return 0.6 * points * chars / 72 + 0.1


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
        cell = max(0.38, _text_inches(widest))  # a cell is wide enough for its number
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
    import matplotlib.pyplot as plt

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
    fits = max(1, int(COLUMN_WIDTH // (_text_inches(max(map(len, labels), default=1)) + 0.6)))
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4, fits), frameon=False)
    fig.suptitle(title)
    return fig


def confusion_matrix(true: Any, predicted: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` = how many examples of true class i were predicted as j.

    true, predicted: (N,) integer class numbers (whole-number floats are accepted,
    ``0.5`` is refused, not truncated), each below ``num_classes`` if it is given.
    Returns int64 (K, K). Lesson 09.
    """
    if num_classes is not None:
        num_classes = positive_int("num_classes", num_classes)
    t = label_array("true", true, num_classes)
    p = label_array("predicted", predicted, num_classes)
    if t.shape != p.shape:
        raise ValueError(f"true and predicted: lengths differ ({t.size} and {p.size})")
    k = int(max(t.max(initial=-1), p.max(initial=-1)) + 1) if num_classes is None else num_classes
    return np.bincount(t.astype(np.int64) * k + p.astype(np.int64), minlength=k * k).reshape(k, k)


def plot_confusion_matrix(
    true: Any,
    predicted: Any,
    class_names: Sequence[str] | None = None,
    *,
    normalize: bool = False,
    title: str | None = None,
    ax: Any = None,
):
    """Confusion matrix as a heat map with the number in every cell.

    Rows are the true classes, columns the predicted ones. ``normalize=True``
    divides each row by its total, so a cell reads "fraction of class i predicted
    as j" and the diagonal is each class's recall. Returns the figure; the matrix
    drawn is stored on it as ``fig.matrix``.
    """
    import matplotlib.pyplot as plt

    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize: expected True or False, got {type(normalize).__name__}")
    k = None if class_names is None else len(class_names)
    counts = confusion_matrix(true, predicted, k)
    k = counts.shape[0]
    names = [str(i) for i in range(k)] if class_names is None else [str(c) for c in class_names]
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        matrix = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    else:
        matrix = counts
    if ax is None:
        size = min(COLUMN_WIDTH, 4.5 + 0.4 * k)
        fig, ax = plt.subplots(figsize=(size, size * 0.85), layout="constrained")
    else:
        fig = ax.figure
    im = ax.imshow(matrix, cmap="viridis", vmin=0, vmax=1 if normalize else None)
    fig.colorbar(im, ax=ax, shrink=0.8, label="fraction of the true class" if normalize else "count")
    threshold = (1.0 if normalize else matrix.max()) / 2
    for i in range(k):
        for j in range(k):
            text = f"{matrix[i, j]:.2f}" if normalize else f"{matrix[i, j]:d}"
            ax.text(j, i, text, ha="center", va="center", fontsize=MIN_FONT_PT,
                    color="black" if matrix[i, j] > threshold else "white")
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 2 else 0, ha="right"
                  if max(map(len, names)) > 2 else "center")
    ax.set_yticks(range(k), names)
    ax.set(xlabel="predicted class", ylabel="true class",
           title=title or ("Confusion matrix (row-normalized)" if normalize else "Confusion matrix (counts)"))
    fig.matrix = matrix
    return fig


def most_confident_mistakes(probabilities: Any, true: Any, n: int = 12) -> np.ndarray:
    """Indices of the ``n`` wrong predictions made with the highest probability.

    probabilities: (N, K), rows sum to 1; true: (N,). Returns up to ``n`` indices,
    most confident first.
    """
    probs = array_of_ndim("probabilities", probabilities, (1, 2), allow_empty=True).astype(np.float64)
    if probs.ndim != 2:
        raise ValueError(f"probabilities: expected shape (N, classes), got {probs.shape}")
    t = label_array("true", true, probs.shape[1])
    n = positive_int("n", n)
    if len(probs) != len(t):
        raise ValueError(f"probabilities and true: lengths differ ({len(probs)} and {len(t)})")
    pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(pred != t)
    confidence = probs[wrong, pred[wrong]]
    order = np.argsort(-confidence, kind="stable")
    return wrong[order[:n]]


def show_mistakes(
    images: Any,
    probabilities: Any,
    true: Any,
    class_names: Sequence[str] | None = None,
    *,
    n: int = 12,
    cols: int = 6,
    title: str = "Most confident mistakes",
):
    """Grid of the ``n`` most confident wrong predictions.

    images: (N, H, W) or (N, 1, H, W); probabilities: (N, K); true: (N,).
    Each panel shows the image with its true label, the predicted label and the
    probability the model gave it. Returns the figure; the indices shown are
    stored on it as ``fig.indices``.
    """
    import matplotlib.pyplot as plt

    imgs = np.asarray(images.detach().cpu() if hasattr(images, "detach") else images)
    if imgs.ndim == 4 and imgs.shape[1] == 1:
        imgs = imgs[:, 0]
    if imgs.ndim != 3:
        raise ValueError(f"images: expected shape (N, H, W) or (N, 1, H, W), got {imgs.shape}")
    probs = np.asarray(probabilities.detach().cpu() if hasattr(probabilities, "detach") else probabilities)
    t = np.asarray(true.detach().cpu() if hasattr(true, "detach") else true)
    if len(imgs) != len(probs):
        raise ValueError(f"images and probabilities: lengths differ ({len(imgs)} and {len(probs)})")
    cols = positive_int("cols", cols)
    idx = most_confident_mistakes(probs, t, n)
    names = [str(i) for i in range(probs.shape[1])] if class_names is None else list(class_names)
    rows = max(1, -(-len(idx) // cols))
    panel = min(1.9, COLUMN_WIDTH / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(panel * cols, panel * 1.2 * rows), squeeze=False,
                             layout="constrained")
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, idx):
        p = int(probs[i].argmax())
        ax.imshow(imgs[i], cmap="gray")
        ax.set_title(f"true: {names[int(t[i])]}\npred: {names[p]} ({probs[i, p]:.0%})", fontsize=MIN_FONT_PT)
    if len(idx) == 0:
        axes.flat[0].text(0.5, 0.5, "no mistakes", ha="center", va="center")
    fig.suptitle(title)
    fig.indices = idx
    return fig


def plot_probabilities(
    image: Any,
    probabilities: Any,
    class_names: Sequence[str] | None = None,
    *,
    true: int | None = None,
    title: str = "What the network believes",
):
    """One image (left) and its class probabilities as a bar chart (right).

    image: (H, W) or (1, H, W); probabilities: (K,). The predicted class's bar is
    highlighted; ``true`` (optional) is named in the title.
    """
    import matplotlib.pyplot as plt

    img = np.asarray(image.detach().cpu() if hasattr(image, "detach") else image)
    if img.ndim == 3 and img.shape[0] == 1:
        img = img[0]
    if img.ndim != 2:
        raise ValueError(f"image: expected shape (H, W) or (1, H, W), got {img.shape}")
    probs = array_of_ndim("probabilities", probabilities, (1, 2)).astype(float).reshape(-1)
    names = [str(i) for i in range(len(probs))] if class_names is None else [str(c) for c in class_names]
    if len(names) != len(probs):
        raise ValueError(f"class_names: {len(names)} names for {len(probs)} probabilities")
    if true is not None:
        true = int(label_array("true", [true], len(probs))[0])
    fig, (ax_img, ax_bar) = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.2), width_ratios=[1, 2.4],
                                         layout="constrained")
    im = ax_img.imshow(img, cmap="gray")
    # below 0 cannot be a raw pixel: the input was standardized ((x - mean) / std)
    fig.colorbar(im, ax=ax_img, shrink=0.8, label="pixel value" if img.min() >= 0 else "standardized value")
    ax_img.set(title="input" if true is None else f"input (true: {names[int(true)]})",
               xlabel="column", ylabel="row")
    viridis = plt.get_cmap("viridis")
    best = int(probs.argmax())
    colours = [viridis(0.75) if i == best else viridis(0.3) for i in range(len(probs))]
    bars = ax_bar.bar(range(len(probs)), probs, color=colours)
    ax_bar.bar_label(bars, labels=[f"{p:.2f}" for p in probs], fontsize=MIN_FONT_PT)
    ax_bar.set_xticks(range(len(probs)), names, rotation=30 if max(map(len, names)) > 2 else 0,
                      ha="right" if max(map(len, names)) > 2 else "center")
    ax_bar.set(ylim=(0, 1.1), xlabel="class", ylabel="probability",
               title=f"predicted: {names[best]} ({probs[best]:.0%})")
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
    import matplotlib.pyplot as plt

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
        from IPython.display import display

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
