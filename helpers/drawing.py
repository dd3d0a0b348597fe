"""Draw a digit with the mouse and let a trained network read it.

MNIST digits were made from scanned handwriting in a fixed way: the ink's bounding
box was scaled (keeping its aspect ratio, with anti-aliasing) so that its longer side
is 20 pixels, then placed in a 28×28 field so that the ink's centre of mass sits at
the centre. A network trained on MNIST expects exactly that, so a drawing must go
through the same steps before the network sees it.

- :func:`canvas_to_ink`: canvas pixels (grey, RGB or RGBA) to ink amounts in [0, 1].
- :func:`preprocess_drawing`: a drawing of any size to a (28, 28) MNIST-style digit.
- :func:`center_of_mass`: where the ink's weight is, as (row, column).
- :func:`draw_digit_widget`: a canvas to draw on (ipycanvas), a Clear button, the
  28×28 preview and the network's class probabilities, updated after every stroke.
"""

from __future__ import annotations

from typing import Sequence

import ipywidgets as widgets
import numpy as np
import torch
import torch.nn.functional as F
from ipycanvas import Canvas, hold_canvas

from helpers.figures import expose, new_figure, show_png
from helpers.validate import array_of_ndim

__all__ = [
    "DIGIT_BOX",
    "DIGIT_SIZE",
    "canvas_to_ink",
    "center_of_mass",
    "draw_digit_widget",
    "preprocess_drawing",
]

DIGIT_SIZE = 28  # the output image is DIGIT_SIZE × DIGIT_SIZE
DIGIT_BOX = 20  # the ink's longer side is scaled to this many pixels
_INK_THRESHOLD = 0.02  # below this fraction of the strongest ink a pixel counts as paper


def canvas_to_ink(pixels: np.ndarray) -> np.ndarray:
    """How much ink each pixel holds, from 0 (paper) to 1 (full ink).

    pixels: one of
      - (H, W) grey, already ink-is-bright like MNIST: uint8 0..255 or float 0..1;
      - (H, W, 3) RGB uint8: dark paint on light paper (ink = 1 - brightness);
      - (H, W, 4) RGBA uint8, as read from a canvas: dark paint on a transparent or
        light background (ink = opacity × (1 - brightness)).
    Returns float32 (H, W) in [0, 1].
    """
    if isinstance(pixels, torch.Tensor):
        pixels = pixels.detach().cpu().numpy()
    if not isinstance(pixels, np.ndarray):
        raise TypeError(f"canvas: expected a numpy array of pixels, got {type(pixels).__name__}")
    a = pixels
    if a.ndim == 3 and a.shape[2] in (3, 4):
        if a.dtype != np.uint8:
            raise TypeError(f"canvas: colour pixels must be uint8 0..255, got dtype {a.dtype}")
        rgb = a[..., :3].astype(np.float32) / 255.0
        brightness = rgb.mean(axis=2)
        ink = 1.0 - brightness
        if a.shape[2] == 4:
            ink = ink * (a[..., 3].astype(np.float32) / 255.0)
        return np.clip(ink, 0.0, 1.0).astype(np.float32)
    if a.ndim != 2:
        raise ValueError(
            f"canvas: expected shape (H, W), (H, W, 3) or (H, W, 4), got {a.shape}"
        )
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255.0
    if not np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"canvas: grey pixels must be uint8 or float, got dtype {a.dtype}")
    if not np.all(np.isfinite(a)):
        raise ValueError("canvas: contains NaN or infinite values")
    if a.min() < 0 or a.max() > 1:
        raise ValueError(
            f"canvas: float grey pixels must lie in [0, 1], got {a.min():.3g}..{a.max():.3g}"
        )
    return a.astype(np.float32)


def center_of_mass(image: np.ndarray) -> tuple[float, float]:
    """The ink-weighted mean (row, column) of a (H, W) image with non-negative values."""
    img = array_of_ndim("image", image, 2).astype(np.float64)
    if not np.all(np.isfinite(img)):
        raise ValueError("image: expected finite ink values, got NaN or infinity")
    if img.min() < 0:
        raise ValueError(f"image: expected ink >= 0, got {img.min():.3g}")
    total = img.sum()
    if total <= 0:
        raise ValueError("image: has no ink (all values are 0)")
    rows = np.arange(img.shape[0])
    cols = np.arange(img.shape[1])
    return float(img.sum(axis=1) @ rows / total), float(img.sum(axis=0) @ cols / total)


def preprocess_drawing(canvas: np.ndarray) -> np.ndarray:
    """Turn a drawing into a (28, 28) digit made the way MNIST's were.

    canvas: (H, W) grey (ink bright), (H, W, 3) RGB or (H, W, 4) RGBA (dark ink);
    see :func:`canvas_to_ink`. Steps:

    1. crop to the bounding box of the ink;
    2. resize (anti-aliased) so the longer side is 20 pixels, keeping the aspect ratio;
    3. paste into a 28×28 field of zeros so the ink's centre of mass is at (14, 14)
       (moved by whole pixels, as MNIST was; a very lopsided drawing stays inside the
       field and may end up slightly off centre);
    4. scale so the strongest ink is 1.

    Returns float32 (28, 28) in [0, 1], ink bright on a dark background.
    Raises ValueError if there is no ink.
    """
    ink = canvas_to_ink(canvas)
    peak = float(ink.max()) if ink.size else 0.0
    if peak <= 0.05:
        raise ValueError("canvas: is empty (no ink found); draw a digit first")
    mask = ink > _INK_THRESHOLD * peak
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = crop.shape
    if h >= w:
        new_h, new_w = DIGIT_BOX, max(1, round(DIGIT_BOX * w / h))
    else:
        new_h, new_w = max(1, round(DIGIT_BOX * h / w)), DIGIT_BOX
    t = torch.from_numpy(np.ascontiguousarray(crop))[None, None]
    small = F.interpolate(t, size=(new_h, new_w), mode="bilinear", antialias=True, align_corners=False)
    small = small[0, 0].clamp_(0.0, 1.0).numpy()
    if small.max() <= 0:
        raise ValueError("canvas: the ink is too faint to read")
    com_r, com_c = center_of_mass(small)
    centre = DIGIT_SIZE / 2
    top = int(np.clip(round(centre - com_r), 0, DIGIT_SIZE - new_h))
    left = int(np.clip(round(centre - com_c), 0, DIGIT_SIZE - new_w))
    out = np.zeros((DIGIT_SIZE, DIGIT_SIZE), dtype=np.float32)
    out[top : top + new_h, left : left + new_w] = small
    return out / out.max()


# --------------------------------------------------------------------------- #
# The widget
# --------------------------------------------------------------------------- #
def _probabilities(model: torch.nn.Module, digit: np.ndarray, mean: float | None, std: float | None) -> np.ndarray:
    x = torch.from_numpy(digit)[None, None].float()
    if mean is not None and std is not None:
        x = (x - mean) / std
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            probs = torch.softmax(model(x.to(device)), dim=1)[0].cpu().numpy()
    finally:
        model.train(was_training)
    return probs


def _drawing_canvas(size: int, line_width: float) -> Canvas:
    """A square canvas that draws thick, round, black strokes and sends its pixels back."""
    canvas = Canvas(width=size, height=size, sync_image_data=True,
                    layout=widgets.Layout(width=f"{size}px", height=f"{size}px", border="2px solid #555"))
    canvas.add_class("cnn-draw-canvas")
    canvas.line_width = line_width
    canvas.line_cap = "round"
    canvas.line_join = "round"
    canvas.stroke_style = "black"
    canvas.fill_style = "black"
    return canvas


def _prediction_figure(names: list[str]):
    """The figure beside the canvas: the 28 × 28 digit the network sees, and a bar per class."""
    fig = new_figure(6.4, 2.6)
    gs = fig.add_gridspec(1, 2, width_ratios=[1, 2.2], left=0.09, right=0.98, bottom=0.2, top=0.85, wspace=0.3)
    ax_img = fig.add_subplot(gs[0])
    ax_bar = fig.add_subplot(gs[1])
    im = ax_img.imshow(np.zeros((DIGIT_SIZE, DIGIT_SIZE)), cmap="gray", vmin=0, vmax=1)
    ax_img.set(title="what the network sees", xlabel="column", ylabel="row")
    bars = ax_bar.bar(range(len(names)), np.zeros(len(names)), color="#3b528b")
    ax_bar.set_xticks(range(len(names)), names)
    ax_bar.set(ylim=(0, 1), xlabel="class", ylabel="probability", title="class probabilities")
    return fig, im, bars


def _draw_strokes_on(canvas: Canvas, line_width: float, state: dict, when_done) -> None:
    """Mouse down, move and up draw a stroke on ``canvas``; ``when_done()`` runs once it is finished."""

    def on_down(x: float, y: float) -> None:
        state["drawing"] = True
        state["last"] = (x, y)
        canvas.fill_circle(x, y, line_width / 2)

    def on_move(x: float, y: float) -> None:
        if not state["drawing"]:
            return
        x0, y0 = state["last"]
        with hold_canvas(canvas):
            canvas.stroke_line(x0, y0, x, y)
        state["last"] = (x, y)

    def on_up(x: float, y: float) -> None:
        if state["drawing"]:
            state["drawing"] = False
            when_done()

    def on_image(change) -> None:
        # The front end sends the pixels after each batch of drawing commands; read
        # them once the stroke is finished (the mouse is up).
        if not state["drawing"]:
            when_done()

    canvas.on_mouse_down(on_down)
    canvas.on_mouse_move(on_move)
    canvas.on_mouse_up(on_up)
    canvas.on_mouse_out(on_up)
    canvas.observe(on_image, names="image_data")


def draw_digit_widget(
    model: torch.nn.Module,
    *,
    mean: float | None = None,
    std: float | None = None,
    class_names: Sequence[str] | None = None,
    size: int = 280,
    line_width: float = 20.0,
):
    """A canvas to draw a digit on, and the network's opinion of it, live.

    model: takes (1, 1, 28, 28) images standardized with ``mean`` and ``std`` (on the
    [0, 1] scale; ``None``: no standardization) and returns logits (1, 10).
    Draw with the mouse (thick, round strokes); after each stroke the drawing is read
    back from the canvas (``sync_image_data=True``), turned into an MNIST-style digit
    by :func:`preprocess_drawing`, and the preview and the probability bar chart are
    redrawn in place. "Clear" wipes the canvas.

    CSS classes for browser tests: ``cnn-draw-digit`` (container), ``cnn-draw-canvas``
    (canvas), ``cnn-draw-clear`` (button), ``cnn-draw-prediction`` (text).
    The returned box also has ``.classify(pixels)`` (update from an array, as if drawn)
    and ``.canvas``.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(size, int) or size < 56:
        raise ValueError(f"size: expected an int of at least 56 pixels, got {size!r}")
    names = [str(c) for c in class_names] if class_names is not None else [str(i) for i in range(10)]

    canvas = _drawing_canvas(size, line_width)
    clear = widgets.Button(description="Clear", icon="eraser", tooltip="wipe the canvas")
    clear.add_class("cnn-draw-clear")
    prediction = widgets.HTML("<b>Draw a digit</b> in the box (hold the mouse button down).")
    prediction.add_class("cnn-draw-prediction")
    picture = widgets.Image(format="png")

    fig, im, bars = _prediction_figure(names)
    state = {"drawing": False, "last": None, "probs": None}

    def show(digit: np.ndarray | None, probs: np.ndarray | None) -> None:
        im.set_data(np.zeros((DIGIT_SIZE, DIGIT_SIZE)) if digit is None else digit)
        best = None if probs is None else int(probs.argmax())
        for k, bar in enumerate(bars):
            bar.set_height(0.0 if probs is None else float(probs[k]))
            bar.set_color("#5ec962" if k == best else "#3b528b")  # viridis green / blue
        show_png(picture, fig)

    def classify(pixels: np.ndarray) -> np.ndarray | None:
        try:
            digit = preprocess_drawing(pixels)
        except ValueError:
            show(None, None)
            prediction.value = "<b>Draw a digit</b> in the box (hold the mouse button down)."
            state["probs"] = None
            return None
        probs = _probabilities(model, digit, mean, std)
        best = int(probs.argmax())
        prediction.value = f"The network reads <b>{names[best]}</b> ({probs[best]:.0%} sure)."
        state["probs"] = probs
        show(digit, probs)
        return probs

    def refresh(*_) -> None:
        if canvas.image_data is None:
            return
        classify(canvas.get_image_data())

    def on_clear(_) -> None:
        state["drawing"] = False
        canvas.clear()
        classify(np.zeros((8, 8), dtype=np.uint8))

    _draw_strokes_on(canvas, line_width, state, when_done=refresh)
    clear.on_click(on_clear)
    show(None, None)

    box = widgets.VBox([
        widgets.HBox([canvas, widgets.VBox([picture, prediction, clear])]),
    ])
    box.add_class("cnn-draw-digit")
    box.classify = classify  # classify(pixels) -> probabilities: what a finished stroke triggers
    return expose(box, controls={"canvas": canvas, "clear": clear}, outputs={"picture": picture, "prediction": prediction},
                  update=refresh, state=state)
