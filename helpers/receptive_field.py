"""Receptive fields: which input pixels a cell deep in a CNN depends on (lesson 08).

A convolution or pooling layer with kernel k, stride s and padding p reads, for its output
cell i, the cells i·s − p … i·s − p + k − 1 of its input. Following this back layer by layer
gives the input pixels one deep cell depends on. Three numbers per layer say it all for
cell 0 (and, shifted, for every cell):

- **jump**: how many input pixels apart two neighbouring cells of the layer are,
  ``jump = jump_before · s``;
- **size**: how many input pixels (per side) one cell sees,
  ``size = size_before + (k − 1) · jump_before``;
- **start**: the input coordinate of the first pixel cell 0 sees (negative: it starts in the
  padding), ``start = start_before − p · jump_before``.

Cell i of the layer then sees input pixels ``start + i·jump`` … ``start + i·jump + size − 1``
(in rows and in columns), cut to the image. :func:`receptive_field` makes this table,
:func:`input_region` follows the exact dependence back, and
:func:`receptive_field_explorer` is the widget. ReLU, batch norm and dropout act pixel by
pixel and change nothing here; only convolution and pooling layers count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.patches
from matplotlib.ticker import MaxNLocator
import numpy as np
import torch
from torch import nn

from helpers.conv import output_size
from helpers.figures import expose, new_figure, show_png

__all__ = ["FieldRow", "format_receptive_field", "input_region", "receptive_field", "receptive_field_explorer"]

_KINDS = ("conv", "pool")
_POOLS = (nn.MaxPool2d, nn.AvgPool2d)


@dataclass(frozen=True)
class FieldRow:
    """One conv/pool layer of a receptive-field table (lesson 08).

    kind: "conv" or "pool"; kernel, stride, padding: the layer's (square) settings; jump,
    size, start: see the module docstring; out_size: the side of the layer's output map
    when an input size was given, else None.
    """

    kind: str
    kernel: int
    stride: int
    padding: int
    jump: int
    size: int
    start: int
    out_size: int | None = None


def _square(value: object, what: str, layer: str) -> int:
    """An int, or a pair of equal ints (torch keeps kernel sizes as pairs), as one int."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and value[0] == value[1]:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what}: expected an int (square layers only) in {layer}, got {value!r}")
    return int(value)


def _module_layers(model: nn.Module) -> list[tuple[str, int, int, int]]:
    """(kind, kernel, stride, padding) of every Conv2d / MaxPool2d / AvgPool2d, in registration order."""
    specs = []
    for module in model.modules():
        name = type(module).__name__
        if isinstance(module, nn.Conv2d):
            if _square(module.dilation, "dilation", name) != 1 or isinstance(module.padding, str):
                raise ValueError(f"model: expected convolutions without dilation and with numeric padding, got {module}")
            specs.append(("conv", module.kernel_size, module.stride, module.padding))
        elif isinstance(module, _POOLS):
            if getattr(module, "ceil_mode", False) or getattr(module, "dilation", 1) not in (1, (1, 1)):
                raise ValueError(f"model: expected pooling without ceil_mode or dilation, got {module}")
            specs.append(("pool", module.kernel_size, module.stride, module.padding))
    return specs


def _layer_specs(layers: object) -> list[tuple[str, int, int, int]]:
    """Check ``layers`` (a module or a list of tuples) and return clean (kind, k, s, p) tuples."""
    if isinstance(layers, nn.Module):
        raw = _module_layers(layers)
    elif isinstance(layers, Sequence) and not isinstance(layers, str):
        raw = list(layers)
    else:
        raise TypeError(f"layers: expected an nn.Module or a list of (kind, kernel_size, stride, padding), "
                        f"got {type(layers).__name__}")
    if not raw:
        raise ValueError("layers: expected at least one convolution or pooling layer, got none")
    specs = []
    for n, spec in enumerate(raw):
        where = f"layer {n}"
        if not isinstance(spec, (tuple, list)) or len(spec) != 4:
            raise ValueError(f"layers[{n}]: expected a tuple (kind, kernel_size, stride, padding), got {spec!r}")
        kind, k, s, p = spec
        if kind not in _KINDS:
            raise ValueError(f"layers[{n}]: expected kind 'conv' or 'pool', got {kind!r}")
        k, s, p = _square(k, "kernel_size", where), _square(s, "stride", where), _square(p, "padding", where)
        if k < 1 or s < 1 or p < 0:
            raise ValueError(f"layers[{n}]: expected kernel_size ≥ 1, stride ≥ 1, padding ≥ 0, got {k}, {s}, {p}")
        specs.append((kind, k, s, p))
    return specs


def receptive_field(layers: object, input_size: int | None = None) -> list[FieldRow]:
    """The receptive-field table of a stack of conv/pool layers, one row per layer. (Lesson 08.)

    layers: a list of (kind, kernel_size, stride, padding) with kind "conv" or "pool", or an
    nn.Module whose Conv2d / MaxPool2d / AvgPool2d layers are taken in the order they are
    registered (other layers act pixel by pixel and do not count). input_size: the side of a
    square input (e.g. 28), to fill in each layer's ``out_size``.
    Returns a list of :class:`FieldRow`: jump, size and start after each layer.
    """
    specs = _layer_specs(layers)
    if input_size is not None and (isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 1):
        raise ValueError(f"input_size: expected a positive int or None, got {input_size!r}")
    rows, jump, size, start, side = [], 1, 1, 0, input_size
    for n, (kind, k, s, p) in enumerate(specs):
        size, start, jump = size + (k - 1) * jump, start - p * jump, jump * s
        if side is not None:
            if side + 2 * p < k:
                raise ValueError(f"layers[{n}]: a {k}×{k} window does not fit its {side}×{side} input "
                                 f"(padding {p}); the stack is too deep for input_size {input_size}")
            side = output_size(side, k, s, p)
        rows.append(FieldRow(kind, k, s, p, jump, size, start, side))
    return rows


def format_receptive_field(rows: Sequence[FieldRow]) -> str:
    """The table of :func:`receptive_field` as aligned text, one line per layer. (Lesson 08.)"""
    lines = [f"{'layer':>5} {'kind':>5} {'kernel':>6} {'stride':>6} {'pad':>4} {'out':>4} {'jump':>5} "
             f"{'size':>5} {'start':>6}"]
    for n, r in enumerate(rows, start=1):
        out = "" if r.out_size is None else str(r.out_size)
        lines.append(f"{n:>5} {r.kind:>5} {r.kernel:>6} {r.stride:>6} {r.padding:>4} {out:>4} {r.jump:>5} "
                     f"{r.size:>5} {r.start:>6}")
    return "\n".join(lines)


def _index(value: object, name: str, upper: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < upper:
        raise ValueError(f"{name}: expected an int in 0…{upper - 1}, got {value!r}")
    return int(value)


def input_region(layers: object, layer_index: int, row: int, col: int, input_shape: tuple[int, int]) -> np.ndarray:
    """The input pixels one cell of a layer depends on, as a (H, W) boolean mask. (Lesson 08.)

    layers: as for :func:`receptive_field`; layer_index: 0 for the first conv/pool layer;
    row, col: the cell in that layer's output map; input_shape: (H, W) of the input.
    The dependence is followed back exactly, layer by layer (output cell i reads input cells
    i·s − p … i·s − p + k − 1, those inside the map). Usually this is the square of
    :func:`receptive_field` cut to the image; it has gaps when a stride is larger than its
    kernel, and loses an edge where a layer drops the last rows its stride cannot reach.
    """
    specs = _layer_specs(layers)
    if (not isinstance(input_shape, (tuple, list)) or len(input_shape) != 2
            or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in input_shape)):
        raise ValueError(f"input_shape: expected (H, W) with two positive ints, got {input_shape!r}")
    layer_index = _index(layer_index, "layer_index", len(specs))
    sides = [list(map(int, input_shape))]  # [(H, W) before layer 0, after layer 0, ...]
    for n, (_, k, s, p) in enumerate(specs[: layer_index + 1]):
        if min(sides[-1]) + 2 * p < k:
            raise ValueError(f"layers[{n}]: a {k}×{k} window does not fit its {sides[-1]} input (padding {p})")
        sides.append([output_size(side, k, s, p) for side in sides[-1]])
    out_h, out_w = sides[layer_index + 1]
    cells = [{_index(row, "row", out_h)}, {_index(col, "col", out_w)}]
    for n in range(layer_index, -1, -1):  # back through the layers
        _, k, s, p = specs[n]
        for axis in (0, 1):
            cells[axis] = {i * s - p + u for i in cells[axis] for u in range(k)
                           if 0 <= i * s - p + u < sides[n][axis]}
    mask = np.zeros(tuple(sides[0]), dtype=bool)
    mask[np.ix_(sorted(cells[0]), sorted(cells[1]))] = True
    return mask


def _feature_maps(model: nn.Module, image: np.ndarray) -> list[np.ndarray]:
    """The output of each conv/pool layer of ``model`` on ``image`` (H, W), averaged over channels."""
    captured = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: captured.append(out.detach()))
             for m in model.modules() if isinstance(m, (nn.Conv2d, *_POOLS))]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.as_tensor(image, dtype=torch.float32)[None, None])
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    return [out[0].mean(dim=0).numpy() for out in captured]


def receptive_field_explorer(model: nn.Module, image: np.ndarray, layer: int | None = None) -> widgets.VBox:
    """Pick a layer and a cell of its feature map; see the input pixels that cell depends on. (Lesson 08.)

    model: an nn.Module taking (1, 1, H, W) (e.g. helpers.models.CourseCNN); its conv/pool
    layers are the choices. image: (H, W) floats, e.g. a digit scaled to [0, 1].
    layer: the starting layer, 1 = first conv/pool layer (default: the last).
    Left: the chosen layer's feature map (mean over its channels) with the cell marked;
    right: the image, the pixels outside the cell's receptive field dimmed.
    ``box.state``: the layer (1-based), cell (row, col) and input mask last shown.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected an nn.Module, got {type(model).__name__}")
    img = np.asarray(image, dtype=float) if isinstance(image, (np.ndarray, list)) else None
    if img is None or img.ndim != 2 or not np.all(np.isfinite(img)):
        raise ValueError(f"image: expected a finite (H, W) array, got {getattr(image, 'shape', type(image).__name__)}")
    specs = _layer_specs(model)
    maps = _feature_maps(model, img)
    if len(maps) != len(specs):
        raise ValueError(f"model: expected each of its {len(specs)} conv/pool layers to run once, got {len(maps)} outputs")
    if layer is None:
        layer = len(specs)
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= len(specs):
        raise ValueError(f"layer: expected an int in 1…{len(specs)}, got {layer!r}")
    rows = receptive_field(specs)
    style = {"description_width": "50px"}
    layer_slider = widgets.IntSlider(value=layer, min=1, max=len(specs), description="layer", style=style)
    row_slider = widgets.IntSlider(value=0, min=0, max=maps[layer - 1].shape[0] - 1, description="row", style=style)
    col_slider = widgets.IntSlider(value=0, min=0, max=maps[layer - 1].shape[1] - 1, description="col", style=style)
    row_slider.value, col_slider.value = row_slider.max // 2, col_slider.max // 2
    picture, readout = widgets.Image(format="png"), widgets.HTML()
    fig = new_figure(8.4, 4.0, dpi=90)
    ax_map, ax_img = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.86, wspace=0.3)

    state: dict = {}  # what the last update showed: layer (1-based), cell, mask
    busy = []  # set while update() moves the sliders' ranges, so their change events do not redraw twice

    def update(_=None) -> np.ndarray | None:
        if busy:
            return None
        n = layer_slider.value - 1
        fmap = maps[n]
        busy.append(True)
        try:
            row_slider.max, col_slider.max = fmap.shape[0] - 1, fmap.shape[1] - 1  # clamps the values too
        finally:
            busy.clear()
        r, c = row_slider.value, col_slider.value
        mask = input_region(specs, n, r, c, img.shape)
        ax_map.clear()
        ax_map.imshow(fmap, cmap="cividis")
        ax_map.add_patch(matplotlib.patches.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec="#e69f00", lw=2.5))
        ax_map.set(title=f"layer {n + 1} ({specs[n][0]} {specs[n][1]}×{specs[n][1]}): "
                         f"{fmap.shape[0]}×{fmap.shape[1]} map", xlabel="column", ylabel="row")
        for axis in (ax_map.xaxis, ax_map.yaxis):
            axis.set_major_locator(MaxNLocator(integer=True))
        ax_img.clear()
        ax_img.imshow(img, cmap="gray")
        ax_img.imshow(np.where(mask, np.nan, 1.0), cmap="gray_r", alpha=0.6, vmin=0, vmax=1)
        ys, xs = np.nonzero(mask)
        ax_img.add_patch(matplotlib.patches.Rectangle((xs.min() - 0.5, ys.min() - 0.5), xs.max() - xs.min() + 1,
                                                      ys.max() - ys.min() + 1, fill=False, ec="#e69f00", lw=2))
        ax_img.set(title=f"input pixels cell ({r}, {c}) sees", xlabel="column", ylabel="row")
        show_png(picture, fig)
        readout.value = (f"<code>layer {n + 1}: receptive field {rows[n].size}×{rows[n].size}, jump {rows[n].jump}; "
                         f"cell ({r}, {c}) depends on {int(mask.sum())} input pixels</code>")
        state.update(layer=n + 1, cell=(r, c), mask=mask)
        return mask

    for control in (layer_slider, row_slider, col_slider):
        control.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox([layer_slider, row_slider, col_slider]), picture, readout])
    box.add_class("cnn-receptive-field")
    return expose(box, controls={"layer": layer_slider, "row": row_slider, "col": col_slider},
                  outputs={"picture": picture, "readout": readout}, update=update, state=state)
