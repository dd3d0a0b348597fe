"""Looking inside a trained network: its filters and its feature maps.

- :func:`capture` is a context manager that records what chosen layers output
  during a forward pass (forward hooks), and removes the hooks afterwards.
- :func:`feature_maps` runs one batch through a model and returns those outputs.
- :func:`plot_filters` draws the learned kernels of a convolution layer as a grid.
- :func:`plot_feature_maps` draws the feature maps of one image at one layer.
- :func:`feature_map_explorer` is a widget: pick a digit and a layer, see its maps.
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterator, Mapping, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from helpers.figures import COLUMN_WIDTH, MIN_FONT_PT, expose, new_figure, show_png
from helpers.validate import array_of_ndim, label_array, module, positive_int

__all__ = [
    "capture",
    "feature_map_explorer",
    "feature_maps",
    "inspectable_layers",
    "plot_feature_maps",
    "plot_filters",
]

_INTERESTING = (nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.MaxPool2d, nn.AvgPool2d)


def inspectable_layers(model: nn.Module) -> dict[str, nn.Module]:
    """The layers of ``model`` whose outputs are images (feature maps), in order.

    Returns ``{name: module}`` for every convolution, batch norm, ReLU and pooling
    layer, named as in ``model.named_modules()`` (e.g. ``"features.0"``). ReLUs in
    the dense part of the network are included too; :func:`feature_maps` only
    keeps outputs of shape (N, C, H, W) when asked for everything.
    """
    module("model", model)
    found = {name: m for name, m in model.named_modules() if name and isinstance(m, _INTERESTING)}
    if not found:
        raise ValueError(f"model: expected a network with convolution, batch norm, ReLU or pooling layers, "
                         f"got a {type(model).__name__} without any")
    return found


def _resolve(model: nn.Module, layers: Sequence[str] | Mapping[str, nn.Module] | None) -> dict[str, nn.Module]:
    if layers is None:
        return inspectable_layers(model)
    if isinstance(layers, Mapping):
        out = dict(layers)
        for name, m in out.items():
            if not isinstance(m, nn.Module):
                raise TypeError(f"layers: entry {name!r} is a {type(m).__name__}, expected an nn.Module")
        return out
    if isinstance(layers, str):
        layers = [layers]
    modules = dict(model.named_modules())
    out = {}
    for name in layers:
        if name not in modules or not name:
            known = ", ".join(n for n in modules if n)
            raise ValueError(f"layers: the model has no layer named {name!r}; it has: {known}")
        out[name] = modules[name]
    return out


@contextlib.contextmanager
def capture(
    model: nn.Module, layers: Sequence[str] | Mapping[str, nn.Module] | None = None
) -> Iterator[dict[str, torch.Tensor]]:
    """Record the outputs of chosen layers during forward passes inside the ``with`` block.

    ``layers``: layer names as in ``model.named_modules()`` (e.g. ``["features.0"]``),
    a ``{name: module}`` mapping, or ``None`` for every :func:`inspectable_layers`.
    Yields a dict ``{name: output}`` filled by forward hooks (detached copies; the last
    forward pass wins). The hooks are removed when the block ends, even on an error::

        with capture(model, ["features.0"]) as maps:
            model(x)
        maps["features.0"].shape   # (N, 32, 26, 26)
    """
    chosen = _resolve(model, layers)
    outputs: dict[str, torch.Tensor] = {}
    handles = []

    def make_hook(name: str):
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            if isinstance(output, torch.Tensor):
                outputs[name] = output.detach().clone()

        return hook

    try:
        for name, layer in chosen.items():
            handles.append(layer.register_forward_hook(make_hook(name)))
        yield outputs
    finally:
        for h in handles:
            h.remove()


def feature_maps(
    model: nn.Module,
    x: torch.Tensor,
    layers: Sequence[str] | Mapping[str, nn.Module] | None = None,
) -> dict[str, torch.Tensor]:
    """Outputs of ``layers`` when ``x`` goes through ``model`` (eval mode, no gradients).

    x: (N, C, H, W) or a single image (C, H, W). Returns ``{name: (N, C', H', W')}``
    in layer order, on the CPU. With ``layers=None`` every layer whose output is an
    image stack (4-D) is kept. The model's train/eval mode is restored afterwards.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x: expected a torch tensor, got {type(x).__name__}")
    if x.ndim == 3:
        x = x.unsqueeze(0)
    if x.ndim != 4:
        raise ValueError(f"x: expected shape (N, C, H, W) or (C, H, W), got {tuple(x.shape)}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"x: expected float (normalized) images, got dtype {x.dtype}")
    chosen = _resolve(model, layers)
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), capture(model, chosen) as maps:
            model(x.to(device))
    finally:
        model.train(was_training)
    ordered = {name: maps[name].cpu() for name in chosen if name in maps}
    if layers is None:
        ordered = {k: v for k, v in ordered.items() if v.ndim == 4}
    return ordered


def _grid(n: int, cols: int | None) -> tuple[int, int]:
    cols = cols or min(n, max(4, math.ceil(math.sqrt(n))))
    return math.ceil(n / cols), cols


def plot_filters(
    weight: torch.Tensor | np.ndarray | nn.Conv2d,
    *,
    in_channel: int = 0,
    cols: int | None = None,
    title: str = "Learned filters of the first convolution",
    fig=None,
):
    """Draw each filter (kernel) of a convolution layer as a small image.

    weight: (C_out, C_in, kh, kw), or the ``nn.Conv2d`` itself; the slice for
    ``in_channel`` is shown. One shared colour scale, centred at 0 on a diverging map
    (blue = negative weight, white = 0, red = positive), with a colour bar. Returns the figure.
    """
    if isinstance(weight, nn.Conv2d):
        weight = weight.weight
    w = array_of_ndim("weight", weight, 4).astype(np.float64)
    in_channel = positive_int("in_channel", in_channel, minimum=0)
    if cols is not None:
        cols = positive_int("cols", cols)
    if not 0 <= in_channel < w.shape[1]:
        raise ValueError(f"in_channel: expected 0..{w.shape[1] - 1}, got {in_channel}")
    kernels = w[:, in_channel]
    rows, cols = _grid(len(kernels), cols)
    if fig is None:
        panel = min(1.1, (COLUMN_WIDTH - 1.2) / cols)  # the grid fits the column: never shrunk by the page
        fig = plt.figure(figsize=(panel * cols + 1.2, (panel + 0.15) * rows + 0.8), layout="constrained")
    else:
        fig.clear()
    axes = fig.subplots(rows, cols, squeeze=False)
    limit = float(np.abs(kernels).max()) or 1.0
    im = None
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(kernels):
            ax.axis("off")
            continue
        im = ax.imshow(kernels[i], cmap="RdBu_r", vmin=-limit, vmax=limit)  # signed: diverging, 0 is white
        ax.set_title(f"filter {i}", fontsize=MIN_FONT_PT)
    fig.colorbar(im, ax=axes, shrink=0.8, label="weight")
    fig.suptitle(f"{title}\n({kernels.shape[1]}×{kernels.shape[2]} kernels; columns → x, rows → y)")
    return fig


def plot_feature_maps(
    maps: torch.Tensor | np.ndarray,
    *,
    cols: int | None = None,
    max_maps: int = 32,
    title: str = "Feature maps",
    fig=None,
):
    """Draw the feature maps of one image at one layer as a grid.

    maps: (C, H, W) (or (1, C, H, W)); the first ``max_maps`` channels are shown
    with one shared viridis scale and a colour bar (bright = strong response).
    Pass ``fig`` to redraw an existing figure in place. Returns the figure.
    """
    m = array_of_ndim("maps", maps, (3, 4)).astype(np.float64)
    if m.ndim == 4 and m.shape[0] == 1:
        m = m[0]
    if m.ndim != 3:
        raise ValueError(f"maps: expected shape (C, H, W), got {m.shape}")
    max_maps = positive_int("max_maps", max_maps)
    if cols is not None:
        cols = positive_int("cols", cols)
    m = m[:max_maps]
    rows, cols = _grid(len(m), cols)
    if fig is None:
        panel = min(1.3, (COLUMN_WIDTH - 1.2) / cols)
        fig = plt.figure(figsize=(panel * cols + 1.2, (panel + 0.15) * rows + 0.8), layout="constrained")
    else:
        fig.clear()
    axes = fig.subplots(rows, cols, squeeze=False)
    low, high = float(m.min()), float(m.max())
    if high <= low:
        high = low + 1.0
    im = None
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(m):
            ax.axis("off")
            continue
        im = ax.imshow(m[i], cmap="viridis", vmin=low, vmax=high)
        ax.set_title(f"map {i}", fontsize=MIN_FONT_PT)
    fig.colorbar(im, ax=axes, shrink=0.8, label="activation")
    fig.suptitle(f"{title} ({m.shape[1]}×{m.shape[2]} pixels each)")
    return fig


def _describe(name: str, module: nn.Module) -> str:
    return f"{name}: {type(module).__name__}"


def feature_map_explorer(
    model: nn.Module,
    images: torch.Tensor,
    labels: Sequence[int] | torch.Tensor | np.ndarray,
    *,
    class_names: Sequence[str] | None = None,
    layers: Sequence[str] | None = None,
    raw_images: np.ndarray | None = None,
    max_maps: int = 16,
):
    """A widget: choose an image and a layer, see that layer's feature maps for it.

    images: (N, 1, H, W) float, normalized the way the model was trained.
    labels: (N,) class numbers. ``raw_images`` (N, H, W) are shown as the input
    picture if given (otherwise ``images``). ``layers`` defaults to every layer with
    image-shaped output. One figure is redrawn in place and sent as a PNG.
    The container carries the CSS class ``cnn-feature-maps``.
    """


    module("model", model)
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images: expected a tensor of shape (N, C, H, W), got {type(images).__name__}")
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"images: expected a tensor of shape (N, C, H, W) with N >= 1, got {tuple(images.shape)}")
    names = list(class_names) if class_names is not None else [str(i) for i in range(10)]
    labels = label_array("labels", labels)
    if len(labels) != len(images):
        raise ValueError(f"labels: expected {len(images)} entries (one per image), got {len(labels)}")
    if labels.max() >= len(names):
        raise ValueError(f"labels: expected class numbers 0..{len(names) - 1} (one per class name), "
                         f"got {labels.max()}; pass class_names with a name for each class")
    max_maps = positive_int("max_maps", max_maps)
    if raw_images is not None:
        pictures = array_of_ndim("raw_images", raw_images, 3)
        if len(pictures) != len(images):
            raise ValueError(f"raw_images: expected {len(images)} pictures (one per image), got {len(pictures)}")
    else:
        pictures = images[:, 0].cpu().numpy()
    chosen = _resolve(model, layers)
    # Keep only layers producing image stacks for a sample input.
    probe = feature_maps(model, images[:1], chosen)
    layer_names = [n for n in chosen if n in probe and probe[n].ndim == 4]
    if not layer_names:
        raise ValueError("layers: none of them outputs feature maps of shape (N, C, H, W)")

    index = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="image",
                              continuous_update=False, layout=widgets.Layout(width="380px"))
    layer = widgets.Dropdown(
        options=[(_describe(n, chosen[n]) + f" → {tuple(probe[n].shape[1:])}", n) for n in layer_names],
        value=layer_names[0], description="layer", layout=widgets.Layout(width="380px"))
    picture = widgets.Image(format="png")
    summary = widgets.HTML()
    fig = new_figure(COLUMN_WIDTH, 5.4, layout="constrained")

    def update(_=None) -> None:
        i = index.value
        maps = feature_maps(model, images[i : i + 1], {layer.value: chosen[layer.value]})[layer.value][0]
        fig.clear()
        gs = fig.add_gridspec(1, 2, width_ratios=[1, 3.2])
        ax_in = fig.add_subplot(gs[0])
        ax_in.imshow(pictures[i], cmap="gray")
        ax_in.set(title=f"input #{i} (label {names[int(labels[i])]})", xlabel="column", ylabel="row")
        sub = gs[1].subgridspec(*_grid(min(len(maps), max_maps), None))
        m = maps[:max_maps].numpy()
        low, high = float(m.min()), float(m.max())
        im = None
        for k in range(len(m)):
            ax = fig.add_subplot(sub[k])
            im = ax.imshow(m[k], cmap="viridis", vmin=low, vmax=high if high > low else low + 1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(str(k), fontsize=MIN_FONT_PT)
        fig.colorbar(im, ax=fig.axes[1:], shrink=0.8, label="activation")
        fig.suptitle(f"{layer.value} ({type(chosen[layer.value]).__name__}): first {len(m)} of "
                     f"{len(maps)} maps, {maps.shape[1]}×{maps.shape[2]} pixels")
        show_png(picture, fig)
        active = float((maps > 0).float().mean())
        summary.value = (f"Layer output shape for one image: <code>{tuple(maps.shape)}</code>; "
                         f"{active:.0%} of its values are positive.")

    index.observe(update, names="value")
    layer.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox([index, layer]), summary, picture])
    box.add_class("cnn-feature-maps")
    return expose(box, controls={"index": index, "layer": layer}, outputs={"summary": summary, "picture": picture},
                  update=update)
