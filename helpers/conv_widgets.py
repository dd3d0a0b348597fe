"""Convolution and pooling widgets (lessons 06 and 07): a convolution stepper, a kernel
editor on a real photo and a digit, a stride/padding/kernel-size explorer and a pooling
stepper. Each returns its top-level widget with a ``cnn-...`` CSS class.
"""

from __future__ import annotations

import io
import time
from typing import Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib import cbook
from matplotlib.image import imread
from PIL import Image as PILImage

from helpers.animation import ConvolutionView, PoolingView
from helpers.conv import KERNELS, conv2d, output_size
from helpers.data import load_mnist
from helpers.figures import COLUMN_WIDTH, MIN_FONT_PT, expose, new_figure, show_png

_EDITOR_LIMIT = 100.0  # kernel entries are clipped to [-100, 100]


def _grey_bytes(pixels: np.ndarray, scale: int = 1, fmt: str = "png") -> bytes:
    """PNG or JPEG bytes of a (H, W) uint8 grey image, each pixel drawn as scale × scale.

    JPEG is for photos: about 15× faster to encode than PNG at 512×512 and a fraction
    of the bytes to send, so the kernel editor stays live.
    """

    if scale > 1:
        pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    buf = io.BytesIO()
    picture = PILImage.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8))
    if fmt == "jpeg":
        picture.save(buf, format="JPEG", quality=92)
    else:
        picture.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def to_display(values: np.ndarray, mode: str = "clip") -> np.ndarray:
    """Map filter output to uint8 grey for display. values: (H, W) floats -> (H, W) uint8.

    mode "clip": keep 0–255 as they are, cut off the rest (blur, sharpen);
    "stretch": the 0.5th percentile becomes black and the 99.5th white;
    "abs": the size of the response, 0 black and the 99.5th percentile white (edge
    detectors: both signs light up). Percentiles rather than min and max, so a few
    extreme pixels do not make everything else dark; values beyond them are clipped.
    Non-finite values count as 0; a constant image comes out black.
    """
    v = np.nan_to_num(np.asarray(values, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if mode == "clip":
        return np.clip(v, 0, 255).astype(np.uint8)
    if mode == "abs":
        v = np.abs(v)
        low, high = 0.0, float(np.percentile(v, 99.5))
    elif mode == "stretch":
        low, high = (float(q) for q in np.percentile(v, [0.5, 99.5]))
    else:
        raise ValueError(f'mode must be "clip", "stretch" or "abs", got {mode!r}')
    span = high - low
    if span <= 0:
        return np.zeros(v.shape, dtype=np.uint8)
    return np.clip((v - low) * (255.0 / span), 0, 255).astype(np.uint8)


def sample_photo(size: int = 512) -> np.ndarray:
    """matplotlib's bundled grace_hopper.jpg as a (size, size) uint8 grey image (centre crop)."""

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        rgb = imread(f, format="jpg")  # (600, 512, 3) uint8
    grey = rgb[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    h, w = grey.shape
    side = min(h, w, size)
    top, left = (h - side) // 2, (w - side) // 2
    return np.clip(grey[top : top + side, left : left + side], 0, 255).astype(np.uint8)


def _default_digit() -> np.ndarray:
    """The first MNIST test digit, (28, 28) uint8."""

    images, _ = load_mnist("test")
    return np.asarray(images[0])


def _clean_kernel(values: Sequence[float]) -> tuple[np.ndarray, list[str]]:
    """Nine typed numbers as a (3, 3) float32 kernel: NaN/inf become 0, big values are clipped."""
    notes = []
    kernel = np.zeros(9, dtype=np.float32)
    for i, value in enumerate(values):
        v = float(value) if value is not None else float("nan")
        if not np.isfinite(v):
            notes.append(f"entry ({i // 3}, {i % 3}) is not a number: used 0")
            v = 0.0
        elif abs(v) > _EDITOR_LIMIT:
            notes.append(f"entry ({i // 3}, {i % 3}) clipped to ±{_EDITOR_LIMIT:g}")
            v = float(np.clip(v, -_EDITOR_LIMIT, _EDITOR_LIMIT))
        kernel[i] = v
    return kernel.reshape(3, 3), notes


_EDGE_KERNELS = {"outline", "sobel x", "sobel y"}


def _kernel_cells() -> tuple[list[widgets.BoundedFloatText], widgets.GridBox]:
    """Nine number boxes, one per kernel entry, and the 3 × 3 grid that holds them."""
    cells = [widgets.BoundedFloatText(value=0.0, min=-_EDITOR_LIMIT, max=_EDITOR_LIMIT, step=0.1,
                                      description="", layout=widgets.Layout(width="76px"))
             for _ in range(9)]
    for i, cell in enumerate(cells):
        cell.tooltip = f"kernel[{i // 3}, {i % 3}]"
        cell.add_class("cnn-kernel-cell")
    grid = widgets.GridBox(cells, layout=widgets.Layout(grid_template_columns="repeat(3, 80px)", grid_gap="4px"))
    return cells, grid


def _captioned(caption: str, view: widgets.Widget) -> widgets.VBox:
    return widgets.VBox([widgets.HTML(f"<b>{caption}</b>"), view])


def kernel_editor(photo: np.ndarray | None = None, digit: np.ndarray | None = None) -> widgets.VBox:
    """Type nine numbers (or pick a named kernel) and see a photo and a digit filtered live.

    Args:
        photo: (H, W) uint8 grey image; default grace_hopper.jpg at 512×512.
        digit: (28, 28) uint8 digit; default the first MNIST test digit.
    Returns:
        The widget (CSS class ``cnn-kernel-editor``), with the parts of
        :func:`helpers.figures.expose`: controls ``preset``, ``cells`` (the 9 boxes), ``display``;
        outputs ``photo``, ``digit``, ``status``; state ``kernel`` (in use) and ``last_update_ms``.
    """

    photo = sample_photo() if photo is None else np.asarray(photo)
    digit = _default_digit() if digit is None else np.asarray(digit)
    if photo.ndim != 2 or digit.ndim != 2:
        raise ValueError(f"photo and digit must be (H, W) grey images, got shapes {photo.shape} and {digit.shape}")
    photo_f = photo.astype(np.float32)
    digit_f = digit.astype(np.float32)
    digit_scale = max(1, 224 // max(digit.shape))

    preset = widgets.Dropdown(options=[*KERNELS, "custom"], value="sharpen", description="kernel",
                              layout=widgets.Layout(width="260px"))
    cells, grid = _kernel_cells()
    display = widgets.Dropdown(
        options=[("clip to 0–255", "clip"), ("stretch min–max", "stretch"), ("absolute value", "abs")],
        value="clip", description="show", layout=widgets.Layout(width="260px"))
    photo_view = widgets.Image(format="jpeg", layout=widgets.Layout(width="320px", height="320px"))
    digit_view = widgets.Image(format="png", layout=widgets.Layout(width="224px", height="224px"))
    status = widgets.HTML()
    state = {"kernel": np.zeros((3, 3), np.float32), "last_update_ms": float("nan")}
    busy = {"setting": False}

    def update(_=None):
        if busy["setting"]:
            return
        start = time.perf_counter()
        kernel, notes = _clean_kernel([c.value for c in cells])
        with np.errstate(all="ignore"):
            filtered_photo = conv2d(photo_f, kernel, padding="same")
            filtered_digit = conv2d(digit_f, kernel, padding="same")
        photo_view.value = _grey_bytes(to_display(filtered_photo, display.value), fmt="jpeg")
        digit_view.value = _grey_bytes(to_display(filtered_digit, display.value), digit_scale)
        state["kernel"] = kernel
        state["last_update_ms"] = (time.perf_counter() - start) * 1000
        warning = f" <span style='color:#d55e00'>({'; '.join(notes)})</span>" if notes else ""
        status.value = (f"kernel sum = {float(kernel.sum()):.3g}; output range "
                        f"[{float(np.nanmin(filtered_photo)):.4g}, {float(np.nanmax(filtered_photo)):.4g}]"
                        f"{warning}")

    def on_preset(change):
        name = change["new"]
        if name == "custom":
            return
        busy["setting"] = True
        try:
            for cell, value in zip(cells, KERNELS[name].ravel()):
                cell.value = float(value)
            display.value = "abs" if name in _EDGE_KERNELS else "clip"
        finally:
            busy["setting"] = False
        update()

    def on_cell(_):
        if busy["setting"]:
            return
        kernel, _notes = _clean_kernel([c.value for c in cells])
        match = [n for n, k in KERNELS.items() if np.allclose(k, kernel, atol=1e-6)]
        busy["setting"] = True
        preset.value = match[0] if match else "custom"
        busy["setting"] = False
        update()

    preset.observe(on_preset, names="value")
    display.observe(update, names="value")
    for cell in cells:
        cell.observe(on_cell, names="value")
    on_preset({"new": preset.value})

    controls = widgets.VBox([preset, widgets.HTML("kernel (3×3), type any numbers:"), grid, display, status],
                            layout=widgets.Layout(width="300px"))
    box = widgets.VBox([widgets.HBox([
        controls,
        _captioned(f"photo, filtered ({photo.shape[0]}×{photo.shape[1]})", photo_view),
        _captioned(f"digit, filtered ({digit.shape[0]}×{digit.shape[1]})", digit_view),
    ])])
    box.add_class("cnn-kernel-editor")
    return expose(box, controls={"preset": preset, "cells": cells, "display": display},
                  outputs={"photo": photo_view, "digit": digit_view, "status": status}, update=update, state=state)


def _stepper_controls(n_steps: int, label: str, first: int = 0) -> tuple[widgets.Play, widgets.IntSlider]:
    """A play button linked to a slider over ``first .. first + n_steps - 1``."""
    last = first + n_steps - 1
    play = widgets.Play(value=first, min=first, max=last, step=1, interval=700, description="play")
    slider = widgets.IntSlider(value=first, min=first, max=last, description=label, continuous_update=True)
    widgets.link((play, "value"), (slider, "value"))
    return play, slider


def _default_binary_image() -> np.ndarray:
    """A 6×6 picture of a plus sign with a tail: 1 is ink, 0 background."""
    image = np.zeros((6, 6), dtype=np.int64)
    image[1:5, 2] = 1
    image[2, 1:5] = 1
    image[4, 3] = 1
    return image


def conv_stepper(image: np.ndarray | None = None, kernel: np.ndarray | str = "outline",
                 stride: int = 1, padding: int = 0) -> widgets.VBox:
    """Step through a convolution: play, pause or drag to any position.

    Args:
        image: (H, W) small image (default a 6×6 binary picture).
        kernel: (kh, kw) array or a name from ``KERNELS`` (a dropdown lets the student switch).
    Returns:
        The widget (CSS class ``cnn-conv-stepper``); the parts of :func:`helpers.figures.expose`: ``play``,
        ``slider``, ``kernel`` (dropdown), ``picture`` (PNG image) and ``sum`` (the
        products written out and added up).
    """

    image = _default_binary_image() if image is None else np.asarray(image)
    named = isinstance(kernel, str)
    choice = widgets.Dropdown(options=list(KERNELS) + ([] if named else ["given kernel"]),
                              value=kernel if named else "given kernel", description="kernel")
    given = None if named else np.asarray(kernel, dtype=float)
    fig = new_figure(COLUMN_WIDTH, 3.4)
    state = {"view": None}

    def build():
        fig.clear()
        k = KERNELS[choice.value] if choice.value in KERNELS else given
        state["view"] = ConvolutionView(fig, image, k, stride, padding)

    build()
    # steps counted from 1, as the caption counts them ("step 3 of 16")
    play, slider = _stepper_controls(state["view"].n_steps, "step", first=1)
    picture = widgets.Image(format="png")
    total = widgets.HTML()

    def show(_=None):
        view = state["view"]
        view.draw_step(slider.value - 1)
        step = view.steps[min(slider.value - 1, view.n_steps - 1)]
        show_png(picture, fig)
        terms = " + ".join(f"{_fmt(w)}×{_fmt(k)}" for w, k in zip(step.window.ravel(), view.kernel.ravel()))
        total.value = (f"<code>output[{step.row}, {step.col}] = {terms} = <b>{_fmt(step.total)}</b></code>")

    def on_kernel(_):
        build()
        show()

    slider.observe(show, names="value")
    choice.observe(on_kernel, names="value")
    show()
    box = widgets.VBox([widgets.HBox([play, slider, choice]), picture, total])
    box.add_class("cnn-conv-stepper")
    return expose(box, controls={"play": play, "slider": slider, "kernel": choice},
                  outputs={"picture": picture, "sum": total}, update=show, state=state)


def _fmt(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.3g}"


def pool_stepper(x: np.ndarray | None = None, size: int = 2, mode: str = "max") -> widgets.VBox:
    """Step through pooling of a small 2-D input, with a dropdown for max/avg/min/sum.

    Args:
        x: (H, W) input, e.g. a 6×6 feature map (default: a fixed pattern of small integers).
    Returns:
        The widget (CSS class ``cnn-pool-stepper``); the parts of :func:`helpers.figures.expose`: ``play``,
        ``slider``, ``mode``, ``picture`` and ``readout``.
    """

    x = (np.arange(36).reshape(6, 6) * 7 % 10) if x is None else np.asarray(x)
    choice = widgets.Dropdown(options=["max", "avg", "min", "sum"], value=mode, description="pooling")
    fig = new_figure(COLUMN_WIDTH, 3.4)
    state = {"view": None}

    def build():
        fig.clear()
        state["view"] = PoolingView(fig, x, size, None, choice.value)

    build()
    play, slider = _stepper_controls(state["view"].n_steps, "step", first=1)  # counted as the caption does
    picture = widgets.Image(format="png")
    readout = widgets.HTML()

    def show(_=None):
        view = state["view"]
        view.draw_step(slider.value - 1)
        step = view.steps[slider.value - 1]
        show_png(picture, fig)
        values = ", ".join(_fmt(v) for v in step.window.ravel())
        readout.value = f"<code>output[{step.row}, {step.col}] = {choice.value}({values}) = <b>{_fmt(step.value)}</b></code>"

    def on_mode(_):
        build()
        show()

    slider.observe(show, names="value")
    choice.observe(on_mode, names="value")
    show()
    box = widgets.VBox([widgets.HBox([play, slider, choice]), picture, readout])
    box.add_class("cnn-pool-stepper")
    return expose(box, controls={"play": play, "slider": slider, "mode": choice},
                  outputs={"picture": picture, "readout": readout}, update=show, state=state)


def conv_size_explorer(n: int = 7, kernel: int = 3, stride: int = 2, padding: int = 1) -> widgets.VBox:
    """Sliders for input size, kernel size, stride and padding; the output size by formula and by drawing.

    A position slider (with play) walks the window over the padded input, so the student
    sees where each output cell comes from and why the formula rounds down.
    Returns the widget (CSS class ``cnn-conv-size-explorer``); the parts of :func:`helpers.figures.expose`: the
    sliders ``n``, ``kernel``, ``stride``, ``padding``, ``position``, ``play`` and the
    outputs ``formula`` and ``picture``.
    """
    style = {"description_width": "110px"}
    n_s = widgets.IntSlider(value=n, min=3, max=10, description="input size n", style=style)
    k_s = widgets.IntSlider(value=kernel, min=1, max=7, description="kernel size k", style=style)
    s_s = widgets.IntSlider(value=stride, min=1, max=4, description="stride s", style=style)
    p_s = widgets.IntSlider(value=padding, min=0, max=3, description="padding p", style=style)
    play, position = _stepper_controls(1, "position")
    formula = widgets.HTML()
    picture = widgets.Image(format="png")
    fig = new_figure(COLUMN_WIDTH, 4.4)

    def draw(_=None):
        nn, k, s, p = n_s.value, k_s.value, s_s.value, p_s.value
        fig.clear()
        ax_in, ax_out = fig.subplots(1, 2, gridspec_kw={"width_ratios": [nn + 2 * p, max(1, nn)]})
        size = nn + 2 * p
        # padded input: padding cells 0, image cells 1, window cells 2
        grid = np.zeros((size, size))
        grid[p:p + nn, p:p + nn] = 1
        if k > size:
            formula.value = (f"<b>kernel does not fit</b>: k = {k} is larger than the padded input "
                             f"n + 2p = {nn} + 2·{p} = {size}. Make the kernel smaller or pad more.")
            out = 0
        else:
            out = output_size(nn, k, s, p)
            leftover = (size - k) % s
            formula.value = (
                f"output size = ⌊(n + 2p − k) / s⌋ + 1 = ⌊({nn} + 2·{p} − {k}) / {s}⌋ + 1 = "
                f"⌊{size - k}/{s}⌋ + 1 = <b>{out}</b>, so the output is <b>{out}×{out}</b>"
                + (f"; {leftover} row(s)/column(s) at the bottom/right are never reached by a window"
                   if leftover else ""))
        with position.hold_trait_notifications():
            position.max = max(0, out * out - 1)
            play.max = position.max
        t = min(position.value, max(0, out * out - 1))
        if out:
            i, j = divmod(t, out)
            grid[i * s:i * s + k, j * s:j * s + k] += 2  # window (on padding: 2, on image: 3)
        colours = np.array([[0.85, 0.85, 0.85], [0.35, 0.55, 0.75], [0.95, 0.75, 0.45], [0.90, 0.50, 0.10]])
        ax_in.imshow(colours[grid.astype(int)], interpolation="nearest")
        ax_in.set_title(f"padded input {size}×{size}\n(grey: zero padding; dots: window centres)", fontsize=10)
        ax_in.set_xticks(np.arange(size))  # whole cells only: row and column numbers
        ax_in.set_yticks(np.arange(size))
        ax_in.set_xticks(np.arange(-0.5, size, 1), minor=True)
        ax_in.set_yticks(np.arange(-0.5, size, 1), minor=True)
        ax_in.grid(which="minor", color="white", linewidth=1)
        ax_in.tick_params(which="both", length=0, labelsize=MIN_FONT_PT)
        ax_in.set_xlabel("column")
        ax_in.set_ylabel("row")
        if out:
            starts = np.arange(out) * s + (k - 1) / 2  # centres of all windows
            cx, cy = np.meshgrid(starts, starts)
            ax_in.plot(cx.ravel(), cy.ravel(), "k.", markersize=5)
            cells = np.zeros((out, out))
            cells[divmod(t, out)] = 1
            ax_out.imshow(cells, cmap="cividis", vmin=0, vmax=1.4, interpolation="nearest")
            ax_out.set_xticks(np.arange(max(out, nn)))
            ax_out.set_yticks(np.arange(max(out, nn)))
            ax_out.set_xticks(np.arange(-0.5, out, 1), minor=True)
            ax_out.set_yticks(np.arange(-0.5, out, 1), minor=True)
            ax_out.grid(which="minor", color="white", linewidth=1)
            ax_out.tick_params(which="both", length=0, labelsize=MIN_FONT_PT)
            ax_out.set_xlim(-0.5, max(out, nn) - 0.5)
            ax_out.set_ylim(max(out, nn) - 0.5, -0.5)
        ax_out.set_title(f"output {out}×{out}", fontsize=10)
        ax_out.set_xlabel("column")
        ax_out.set_ylabel("row")
        fig.suptitle(f"n={nn}, k={k}, s={s}, p={p}: window at output position {t}", fontsize=11)
        fig.subplots_adjust(top=0.80, bottom=0.12, left=0.07, right=0.98, wspace=0.25)
        show_png(picture, fig)

    for slider in (n_s, k_s, s_s, p_s, position):
        slider.observe(draw, names="value")
    draw()
    box = widgets.VBox([widgets.HBox([widgets.VBox([n_s, k_s, s_s, p_s]), widgets.VBox([play, position])]),
                        formula, picture])
    box.add_class("cnn-conv-size-explorer")
    return expose(box, controls={"n": n_s, "kernel": k_s, "stride": s_s, "padding": p_s, "position": position,
                                 "play": play}, outputs={"formula": formula, "picture": picture}, update=draw)


