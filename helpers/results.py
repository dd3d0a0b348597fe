"""What a trained classifier got right and wrong (lessons 05, 09 and 10): the confusion
matrix, the most confident mistakes, one image's class probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from helpers.figures import COLUMN_WIDTH, MIN_FONT_PT  # importing helpers.figures applies the course style
from helpers.validate import array_of_ndim, label_array, positive_int


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
