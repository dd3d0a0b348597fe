"""A widget for lesson 13: pick an image, a class and a layer, see the three attribution maps.

:func:`explanation_explorer` draws, side by side, the input, its occlusion map, its
gradient saliency map and its Grad-CAM (from :mod:`helpers.explain`), redrawn in place
in one figure. The container carries the CSS class ``cnn-explain-explorer``.
"""

from __future__ import annotations

from typing import Sequence

import ipywidgets as widgets
import numpy as np
import torch
from torch import nn

from helpers.explain import resolve_layer, grad_cam, occlusion_map, saliency_map
from helpers.figures import COLUMN_WIDTH, MIN_FONT_PT, expose, new_figure, show_png

__all__ = ["explanation_explorer"]

PREDICTED = -1  # the "class" dropdown's value for "the predicted class"


def _checked_inputs(model, images, labels, layers, class_names, raw_images, patch, fill):
    """Check the explorer's arguments now, not in a callback; return (labels, layer modules,
    the model's class probabilities, the pictures to show)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        shape = tuple(images.shape) if hasattr(images, "shape") else type(images).__name__
        raise ValueError(f"images: expected a tensor of shape (N, C, H, W), got {shape}")
    if len(images) == 0:
        raise ValueError("images: expected at least one image, got 0")
    labels = np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels)
    if labels.shape != (len(images),):
        raise ValueError(f"labels: expected {len(images)} entries (one per image), got shape {labels.shape}")
    if isinstance(layers, str) or not isinstance(layers, Sequence) or not layers:
        raise TypeError(f"layers: expected a non-empty list of layer names, got {layers!r}")
    modules = {name: resolve_layer(model, name) for name in layers}
    if isinstance(class_names, str) or not isinstance(class_names, Sequence):
        raise TypeError(f"class_names: expected a list of names, got {type(class_names).__name__}")
    was_training = model.training
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(images), dim=1).cpu()
    model.train(was_training)
    if len(class_names) != probabilities.shape[1]:
        raise ValueError(f"class_names: expected {probabilities.shape[1]} names (one per output of the model), "
                         f"got {len(class_names)}")
    if labels.min() < 0 or labels.max() >= len(class_names):
        raise ValueError(f"labels: expected class numbers in 0..{len(class_names) - 1}, "
                         f"got values from {labels.min()} to {labels.max()}")
    pictures = np.asarray(raw_images) if raw_images is not None else images[:, 0].cpu().numpy()
    if pictures.shape[0] != len(images) or pictures.ndim != 3:
        raise ValueError(f"raw_images: expected shape ({len(images)}, H, W), got {pictures.shape}")
    occlusion_map(model, images[0], patch=patch, fill=fill)  # checks patch and fill now, not in a callback
    return labels, modules, probabilities, pictures


def _draw_maps(fig, picture: np.ndarray, caption: str, maps: dict) -> None:
    """The picture, then each map over a faint copy of it: occlusion on a diverging scale
    centred at 0 (it is signed), the others on magma."""
    fig.clear()
    axes = fig.subplots(1, 1 + len(maps))
    axes[0].imshow(picture, cmap="gray")
    axes[0].set(title=caption, xlabel="column", ylabel="row")
    for ax, (title, m) in zip(axes[1:], maps.items()):
        m = m.numpy()
        if title.startswith("occlusion"):
            bound = max(float(np.abs(m).max()), 1e-6)
            im = ax.imshow(m, cmap="RdBu_r", vmin=-bound, vmax=bound)
        else:
            im = ax.imshow(m, cmap="magma")
        ax.imshow(picture, cmap="gray", alpha=0.25)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        ax.set(title=title, xlabel="column")
        ax.title.set_fontsize(MIN_FONT_PT)


def explanation_explorer(
    model: nn.Module,
    images: torch.Tensor,
    labels: Sequence[int] | torch.Tensor | np.ndarray,
    *,
    layers: Sequence[str],
    class_names: Sequence[str],
    raw_images: np.ndarray | None = None,
    patch: int = 4,
    fill: float = 0.0,
) -> widgets.VBox:
    """Choose an image, the class to explain and the Grad-CAM layer; see what the model looks at.

    images: (N, C, H, W) float, normalised as in training; labels: (N,) true classes.
    layers: names of convolution-stage layers of ``model`` for Grad-CAM (e.g. ``["features.0",
    "features.4"]``). class_names: one name per output of the model. raw_images: (N, H, W)
    pictures to show (default: ``images[:, 0]``). ``patch`` and ``fill`` go to
    :func:`helpers.explain.occlusion_map`. Everything is checked here, when the widget is
    built. Returns the widget (CSS class ``cnn-explain-explorer``) with the course's widget
    contract: ``controls`` (the image slider, the class and layer dropdowns), ``outputs``
    (the picture and the summary line) and ``update()``. Introduced in lesson 13.
    """
    labels, modules, probabilities, pictures = _checked_inputs(model, images, labels, layers, class_names,
                                                               raw_images, patch, fill)
    names = list(class_names)

    index = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="image",
                              continuous_update=False, layout=widgets.Layout(width="380px"))
    target = widgets.Dropdown(options=[("predicted class", PREDICTED)] + [(n, k) for k, n in enumerate(names)],
                              value=PREDICTED, description="explain", layout=widgets.Layout(width="300px"))
    layer = widgets.Dropdown(options=[(f"{n} ({type(m).__name__})", n) for n, m in modules.items()],
                             value=layers[-1], description="Grad-CAM", layout=widgets.Layout(width="300px"))
    picture = widgets.Image(format="png")
    summary = widgets.HTML()
    fig = new_figure(COLUMN_WIDTH, 3.2, layout="constrained")

    def update(_=None) -> None:
        i = index.value
        probs = probabilities[i]
        predicted = int(probs.argmax())
        k = predicted if target.value == PREDICTED else target.value
        maps = {
            "occlusion: drop in p": occlusion_map(model, images[i], k, patch=patch, fill=fill),
            "saliency |∂score/∂pixel|": saliency_map(model, images[i], k),
            f"Grad-CAM at {layer.value}": grad_cam(model, images[i], layer.value, k),
        }
        _draw_maps(fig, pictures[i], f"#{i}: label {names[int(labels[i])]}", maps)
        fig.suptitle(f"What the network uses to say '{names[k]}'")
        show_png(picture, fig)
        verdict = "correct" if predicted == int(labels[i]) else "<b>wrong</b>"
        summary.value = (f"Predicted <b>{names[predicted]}</b> ({probs[predicted]:.1%}), {verdict}; "
                         f"true class {names[int(labels[i])]}. Explaining <b>{names[k]}</b> "
                         f"(probability {probs[k]:.1%}).")

    for control in (index, target, layer):
        control.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox([index, target, layer]), picture, summary])
    box.add_class("cnn-explain-explorer")
    expose(box, controls={"index": index, "target": target, "layer": layer},
           outputs={"picture": picture, "summary": summary}, update=update)
    return box
