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


# =========================================================================== #
# Convolution and pooling (lessons 06 and 07): a convolution stepper, a kernel
# editor on a real photo and a digit, a stride/padding/kernel-size explorer and
# a pooling stepper.
# =========================================================================== #

from types import SimpleNamespace  # noqa: E402

from .conv import KERNELS, conv2d, output_size, pool2d  # noqa: E402

_EDITOR_LIMIT = 100.0  # kernel entries are clipped to [-100, 100]


def _grey_bytes(pixels: np.ndarray, scale: int = 1, fmt: str = "png") -> bytes:
    """PNG or JPEG bytes of a (H, W) uint8 grey image, each pixel drawn as scale × scale.

    JPEG is for photos: about 15× faster to encode than PNG at 512×512 and a fraction
    of the bytes to send, so the kernel editor stays live.
    """
    from PIL import Image as PILImage

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
    from matplotlib import cbook
    from matplotlib.image import imread

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        rgb = imread(f, format="jpg")  # (600, 512, 3) uint8
    grey = rgb[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    h, w = grey.shape
    side = min(h, w, size)
    top, left = (h - side) // 2, (w - side) // 2
    return np.clip(grey[top : top + side, left : left + side], 0, 255).astype(np.uint8)


def _default_digit() -> np.ndarray:
    """The first MNIST test digit, (28, 28) uint8."""
    from .data import load_mnist

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


def kernel_editor(photo: np.ndarray | None = None, digit: np.ndarray | None = None) -> widgets.VBox:
    """Type nine numbers (or pick a named kernel) and see a photo and a digit filtered live.

    Args:
        photo: (H, W) uint8 grey image; default grace_hopper.jpg at 512×512.
        digit: (28, 28) uint8 digit; default the first MNIST test digit.
    Returns:
        The widget (CSS class ``cnn-kernel-editor``). ``widget.parts`` holds the controls
        (``preset``, ``cells`` (9 boxes), ``display``) and outputs (``photo``, ``digit``,
        ``status``); ``widget.parts.last_update_ms`` is how long the last update took.
    """
    import time

    photo = sample_photo() if photo is None else np.asarray(photo)
    digit = _default_digit() if digit is None else np.asarray(digit)
    if photo.ndim != 2 or digit.ndim != 2:
        raise ValueError(f"photo and digit must be (H, W) grey images, got shapes {photo.shape} and {digit.shape}")
    photo_f = photo.astype(np.float32)
    digit_f = digit.astype(np.float32)
    digit_scale = max(1, 224 // max(digit.shape))

    preset = widgets.Dropdown(options=[*KERNELS, "custom"], value="sharpen", description="kernel",
                              layout=widgets.Layout(width="260px"))
    cells = [widgets.BoundedFloatText(value=0.0, min=-_EDITOR_LIMIT, max=_EDITOR_LIMIT, step=0.1,
                                      description="", layout=widgets.Layout(width="76px"))
             for _ in range(9)]
    for i, cell in enumerate(cells):
        cell.tooltip = f"kernel[{i // 3}, {i % 3}]"
        cell.add_class("cnn-kernel-cell")
    grid = widgets.GridBox(cells, layout=widgets.Layout(grid_template_columns="repeat(3, 80px)", grid_gap="4px"))
    display = widgets.Dropdown(
        options=[("clip to 0–255", "clip"), ("stretch min–max", "stretch"), ("absolute value", "abs")],
        value="clip", description="show", layout=widgets.Layout(width="260px"))
    photo_view = widgets.Image(format="jpeg", layout=widgets.Layout(width="320px", height="320px"))
    digit_view = widgets.Image(format="png", layout=widgets.Layout(width="224px", height="224px"))
    status = widgets.HTML()
    parts = SimpleNamespace(preset=preset, cells=cells, display=display, photo=photo_view, digit=digit_view,
                            status=status, last_update_ms=float("nan"), kernel=np.zeros((3, 3), np.float32))
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
        parts.kernel = kernel
        parts.last_update_ms = (time.perf_counter() - start) * 1000
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

    def captioned(caption: str, view: widgets.Widget) -> widgets.VBox:
        return widgets.VBox([widgets.HTML(f"<b>{caption}</b>"), view])

    controls = widgets.VBox([preset, widgets.HTML("kernel (3×3), type any numbers:"), grid, display, status],
                            layout=widgets.Layout(width="300px"))
    box = widgets.VBox([widgets.HBox([
        controls,
        captioned(f"photo, filtered ({photo.shape[0]}×{photo.shape[1]})", photo_view),
        captioned(f"digit, filtered ({digit.shape[0]}×{digit.shape[1]})", digit_view),
    ])])
    box.add_class("cnn-kernel-editor")
    box.parts = parts
    return box


def _stepper_controls(n_steps: int, label: str) -> tuple[widgets.Play, widgets.IntSlider]:
    play = widgets.Play(value=0, min=0, max=n_steps - 1, step=1, interval=700, description="play")
    slider = widgets.IntSlider(value=0, min=0, max=n_steps - 1, description=label, continuous_update=True)
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
        The widget (CSS class ``cnn-conv-stepper``); ``widget.parts`` holds ``play``,
        ``slider``, ``kernel`` (dropdown), ``picture`` (PNG image) and ``sum`` (the
        products written out and added up).
    """
    from .animation import ConvolutionView

    image = _default_binary_image() if image is None else np.asarray(image)
    named = isinstance(kernel, str)
    choice = widgets.Dropdown(options=list(KERNELS) + ([] if named else ["given kernel"]),
                              value=kernel if named else "given kernel", description="kernel")
    given = None if named else np.asarray(kernel, dtype=float)
    fig = new_figure(11, 3.6, dpi=72)
    state = {"view": None}

    def build():
        fig.clear()
        k = KERNELS[choice.value] if choice.value in KERNELS else given
        state["view"] = ConvolutionView(fig, image, k, stride, padding)

    build()
    play, slider = _stepper_controls(state["view"].n_steps, "position")
    picture = widgets.Image(format="png")
    total = widgets.HTML()

    def show(_=None):
        view = state["view"]
        view.draw_step(slider.value)
        step = view.steps[min(slider.value, view.n_steps - 1)]
        picture.value = render_png(fig)
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
    box.parts = SimpleNamespace(play=play, slider=slider, kernel=choice, picture=picture, sum=total)
    return box


def _fmt(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.3g}"


def pool_stepper(x: np.ndarray | None = None, size: int = 2, mode: str = "max") -> widgets.VBox:
    """Step through pooling of a small 2-D input, with a dropdown for max/avg/min/sum.

    Args:
        x: (H, W) input, e.g. a 6×6 feature map (default: a fixed pattern of small integers).
    Returns:
        The widget (CSS class ``cnn-pool-stepper``); ``widget.parts`` holds ``play``,
        ``slider``, ``mode``, ``picture`` and ``readout``.
    """
    from .animation import PoolingView

    x = (np.arange(36).reshape(6, 6) * 7 % 10) if x is None else np.asarray(x)
    choice = widgets.Dropdown(options=["max", "avg", "min", "sum"], value=mode, description="pooling")
    fig = new_figure(9.5, 3.6, dpi=72)
    state = {"view": None}

    def build():
        fig.clear()
        state["view"] = PoolingView(fig, x, size, None, choice.value)

    build()
    play, slider = _stepper_controls(state["view"].n_steps, "position")
    picture = widgets.Image(format="png")
    readout = widgets.HTML()

    def show(_=None):
        view = state["view"]
        view.draw_step(slider.value)
        step = view.steps[slider.value]
        picture.value = render_png(fig)
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
    box.parts = SimpleNamespace(play=play, slider=slider, mode=choice, picture=picture, readout=readout)
    return box


def conv_size_explorer(n: int = 7, kernel: int = 3, stride: int = 2, padding: int = 1) -> widgets.VBox:
    """Sliders for input size, kernel size, stride and padding; the output size by formula and by drawing.

    A position slider (with play) walks the window over the padded input, so the student
    sees where each output cell comes from and why the formula rounds down.
    Returns the widget (CSS class ``cnn-conv-size-explorer``); ``widget.parts`` holds the
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
    fig = new_figure(8.5, 4.2, dpi=72)

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
        ax_in.tick_params(which="both", length=0, labelsize=7)
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
            ax_out.tick_params(which="both", length=0, labelsize=7)
            ax_out.set_xlim(-0.5, max(out, nn) - 0.5)
            ax_out.set_ylim(max(out, nn) - 0.5, -0.5)
        ax_out.set_title(f"output {out}×{out}", fontsize=10)
        ax_out.set_xlabel("column")
        ax_out.set_ylabel("row")
        fig.suptitle(f"n={nn}, k={k}, s={s}, p={p}: window at output position {t}", fontsize=11)
        fig.subplots_adjust(top=0.80, bottom=0.12, left=0.07, right=0.98, wspace=0.25)
        picture.value = render_png(fig)

    for slider in (n_s, k_s, s_s, p_s, position):
        slider.observe(draw, names="value")
    draw()
    box = widgets.VBox([widgets.HBox([widgets.VBox([n_s, k_s, s_s, p_s]), widgets.VBox([play, position])]),
                        formula, picture])
    box.add_class("cnn-conv-size-explorer")
    box.parts = SimpleNamespace(n=n_s, kernel=k_s, stride=s_s, padding=p_s, position=position, play=play,
                                formula=formula, picture=picture)
    return box


# =========================================================================== #
# Multilayer perceptrons and gradient descent (lessons 03 and 04): a parameter
# counter with a network diagram, and a gradient-descent explorer on a 2-D
# loss surface.
# =========================================================================== #


def count_mlp_parameters(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """Weights and biases of each dense layer of an MLP with layer sizes ``sizes``.

    sizes: ``[inputs, hidden..., outputs]``, e.g. ``[784, 512, 512, 10]``. A layer
    from ``m`` to ``n`` units has ``m * n`` weights and ``n`` biases.
    Returns ``[(weights, biases), ...]``, one pair per layer.
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least [inputs, outputs], got {sizes}")
    if any(s <= 0 for s in sizes):
        raise ValueError(f"sizes: every layer needs at least one unit, got {sizes}")
    return [(m * n, n) for m, n in zip(sizes[:-1], sizes[1:])]


def draw_mlp(ax, sizes: Sequence[int], *, max_drawn: int = 10) -> None:
    """Draw an MLP diagram into ``ax``: one column of circles per layer, every
    connection between neighbouring layers as a faint line. Layers wider than
    ``max_drawn`` show ``max_drawn`` units with "⋮" and their true size below.
    """
    import matplotlib.cm as cm

    ax.clear()
    ax.set_axis_off()
    cmap = cm.get_cmap("viridis") if hasattr(cm, "get_cmap") else matplotlib.colormaps["viridis"]
    n_layers = len(sizes)
    shown = [min(s, max_drawn) for s in sizes]
    ys = [np.linspace(-1, 1, k) * (k / max_drawn) if k > 1 else np.zeros(1) for k in shown]
    for i in range(n_layers - 1):
        for y0 in ys[i]:
            for y1 in ys[i + 1]:
                ax.plot([i, i + 1], [y0, y1], color="0.75", lw=0.5, zorder=1)
    for i, (size, y) in enumerate(zip(sizes, ys)):
        colour = cmap(0.15 if i == 0 else (0.85 if i == n_layers - 1 else 0.5))
        ax.scatter(np.full(len(y), i), y, s=90, color=colour, edgecolor="black", zorder=2)
        if size > max_drawn:
            ax.text(i, 0, "⋮", ha="center", va="center", fontsize=14, zorder=3,
                    bbox=dict(boxstyle="round", fc="white", ec="none"))
        kind = "input" if i == 0 else ("output" if i == n_layers - 1 else f"hidden {i}")
        ax.text(i, -1.35, f"{kind}\n{size} units", ha="center", va="top", fontsize=8)
    ax.set_xlim(-0.6, n_layers - 0.4)
    ax.set_ylim(-1.9, 1.25)


def parameter_counter(inputs: int = 784, outputs: int = 10) -> widgets.VBox:
    """Explore MLP sizes: sliders for the number and the width of hidden layers.

    Shows a table of weights and biases per layer with the total, and a diagram
    of the network, both redrawn in place whenever a slider moves.
    """
    n_hidden = widgets.IntSlider(value=2, min=0, max=4, description="hidden layers",
                                 style={"description_width": "initial"})
    width = widgets.SelectionSlider(options=[16, 32, 64, 128, 256, 512, 1024], value=512,
                                    description="units per layer", style={"description_width": "initial"},
                                    layout=widgets.Layout(width="420px"))
    table = widgets.HTML()
    picture = widgets.Image(format="png")
    fig = new_figure(6.0, 3.4)
    ax = fig.add_subplot()

    def update(_=None):
        sizes = [inputs] + [width.value] * n_hidden.value + [outputs]
        counts = count_mlp_parameters(sizes)
        rows = "".join(
            f"<tr><td>{m} → {n}</td><td>{m} × {n} = {w:,}</td><td>{b:,}</td><td>{w + b:,}</td></tr>"
            for (m, n), (w, b) in zip(zip(sizes[:-1], sizes[1:]), counts)
        )
        total = sum(w + b for w, b in counts)
        table.value = (
            "<table style='border-collapse:collapse' cellpadding='4'>"
            "<tr><th>layer</th><th>weights</th><th>biases</th><th>parameters</th></tr>"
            f"{rows}<tr><td colspan='3'><b>total</b></td><td><b>{total:,}</b></td></tr></table>"
        )
        draw_mlp(ax, sizes)
        ax.set_title(f"MLP {' → '.join(map(str, sizes))}: {total:,} parameters")
        picture.value = render_png(fig)

    n_hidden.observe(update, names="value")
    width.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox([n_hidden, width]), widgets.HBox([picture, table])])
    box.add_class("cnn-parameter-counter")
    box.table = table  # for tests: the counts shown
    return box


def bowl_loss(w: np.ndarray) -> np.ndarray:
    """A stretched, tilted bowl: the 2-D loss surface of the gradient-descent explorer.

    w: (..., 2) points -> (...) loss values; the minimum, 0, is at (1, -0.5).
    Curvature is 1 along one axis and 12 along the other, as for badly scaled inputs.
    """
    w = np.asarray(w, dtype=float)
    d = w - np.array([1.0, -0.5])
    u = 0.8 * d[..., 0] + 0.6 * d[..., 1]
    v = -0.6 * d[..., 0] + 0.8 * d[..., 1]
    return 0.5 * (1.0 * u**2 + 12.0 * v**2)


def bowl_gradient(w: np.ndarray) -> np.ndarray:
    """Gradient of :func:`bowl_loss`. w: (..., 2) -> (..., 2)."""
    w = np.asarray(w, dtype=float)
    d = w - np.array([1.0, -0.5])
    u = 0.8 * d[..., 0] + 0.6 * d[..., 1]
    v = -0.6 * d[..., 0] + 0.8 * d[..., 1]
    gu, gv = 1.0 * u, 12.0 * v
    return np.stack([0.8 * gu - 0.6 * gv, 0.6 * gu + 0.8 * gv], axis=-1)


def gradient_descent_path(grad, start: Sequence[float], lr: float, steps: int,
                          momentum: float = 0.0) -> np.ndarray:
    """Points visited by gradient descent: ``v = momentum * v - lr * grad(w); w = w + v``.

    grad: function (2,) -> (2,). Returns (steps + 1, 2), the start first. Stops
    early (shorter array) once the point leaves any sensible range (|w| > 1e6).
    """
    if not lr > 0:
        raise ValueError(f"lr: expected a positive learning rate, got {lr}")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum: expected 0 <= momentum < 1, got {momentum}")
    w = np.asarray(start, dtype=float).copy()
    v = np.zeros_like(w)
    path = [w.copy()]
    for _ in range(int(steps)):
        v = momentum * v - lr * np.asarray(grad(w), dtype=float)
        w = w + v
        path.append(w.copy())
        if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e6:
            break
    return np.array(path)


def gradient_descent_explorer(start: Sequence[float] = (-2.0, 1.5)) -> widgets.VBox:
    """Gradient descent on :func:`bowl_loss`: sliders for learning rate, steps and momentum.

    The loss surface is drawn as contours (viridis) with the steps on top, in one
    figure redrawn in place; a line of text reports the final loss and whether the
    run crawled, converged or diverged.
    """
    lr = widgets.FloatLogSlider(value=0.05, base=10, min=-3, max=-0.6, step=0.05,
                                description="learning rate", readout_format=".3f",
                                style={"description_width": "initial"}, continuous_update=False)
    steps = widgets.IntSlider(value=20, min=1, max=100, description="steps",
                              continuous_update=False)
    momentum = widgets.FloatSlider(value=0.0, min=0.0, max=0.95, step=0.05, description="momentum",
                                   continuous_update=False)
    readout = widgets.HTML()
    picture = widgets.Image(format="png")
    fig = new_figure(5.6, 4.4)
    ax = fig.add_subplot()
    g1, g2 = np.meshgrid(np.linspace(-3, 4, 200), np.linspace(-3, 2.5, 200))
    levels = np.geomspace(0.01, 60, 14)
    cs = ax.contour(g1, g2, bowl_loss(np.stack([g1, g2], axis=-1)), levels=levels, cmap="viridis")
    fig.colorbar(cs, ax=ax, label="loss")
    ax.plot([1.0], [-0.5], marker="*", color="black", ms=12, ls="none", label="minimum")
    (line,) = ax.plot([], [], "-o", color="#d55e00", ms=3, lw=1, label="steps")
    ax.set(xlim=(-3, 4), ylim=(-3, 2.5), xlabel="weight $w_1$", ylabel="weight $w_2$")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()

    def update(_=None):
        path = gradient_descent_path(bowl_gradient, start, lr.value, steps.value, momentum.value)
        line.set_data(path[:, 0], path[:, 1])
        final = float(bowl_loss(path[-1]))
        start_loss = float(bowl_loss(path[0]))
        if not np.isfinite(final) or final > start_loss:
            verdict = "<b style='color:#d55e00'>diverged</b>: each step overshoots further"
        elif final > 0.05 * start_loss:
            verdict = "<b>crawling</b>: still far from the minimum"
        else:
            verdict = "<b style='color:#009e73'>converged</b> close to the minimum"
        ax.set_title(f"lr = {lr.value:.3f}, momentum = {momentum.value:.2f}\n"
                     f"loss {start_loss:.2f} → {final:.3g}", fontsize=10)
        readout.value = f"After {len(path) - 1} steps the loss is {final:.4g}: {verdict}."
        picture.value = render_png(fig)

    for s in (lr, steps, momentum):
        s.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox([lr, steps, momentum]), picture, readout])
    box.add_class("cnn-gd-explorer")
    box.readout = readout
    return box


# =========================================================================== #
# Lesson 11: the invariance explorer (rotate, shift and zoom a digit and watch
# the predictions of one or more trained models).
# =========================================================================== #


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
        a line of text with each model's prediction. ``box.controls`` holds the sliders.
    """
    import torch

    from helpers.augment import affine

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

    fig = new_figure(9.0, 3.4)
    ax_img, ax_bar = fig.subplots(1, 2, width_ratios=[1, 2.2])
    im = ax_img.imshow(images[0, 0].cpu().numpy(), cmap="gray", vmin=lo, vmax=hi)
    fig.colorbar(im, ax=ax_img, fraction=0.046, pad=0.04, label="pixel value")
    ax_img.set(xlabel="column", ylabel="row")
    cmap = matplotlib.colormaps["viridis"]
    width = 0.8 / len(models)
    bars = {}
    for j, name in enumerate(models):
        positions = np.arange(k) - 0.4 + width * (j + 0.5)
        bars[name] = ax_bar.bar(positions, np.zeros(k), width=width, label=name,
                                color=cmap(0.2 + 0.6 * j / max(1, len(models) - 1)))
    ax_bar.set_xticks(range(k), names, rotation=30 if max(map(len, names)) > 2 else 0)
    ax_bar.set(ylim=(0, 1.05), xlabel="class", ylabel="probability", title="What each model believes")
    ax_bar.legend(loc="upper right", fontsize=8)
    fig.tight_layout()

    def update(_=None):
        i = index.value
        x = affine(images[i : i + 1], degrees=angle.value, dx=dx.value, dy=dy.value, scale=scale.value, fill=fill)
        im.set_data(x[0, 0].cpu().numpy())
        true = int(labels[i])
        ax_img.set_title(f"#{i} (true: {names[true]})\n{angle.value}°, shift ({dx.value}, {dy.value}), "
                         f"zoom {scale.value:.2f}", fontsize=9)
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
        picture.value = render_png(fig)
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
    box.controls = {"index": index, "angle": angle, "dx": dx, "dy": dy, "zoom": scale, "reset": reset}
    box.readout = readout
    box.picture = picture
    return box
