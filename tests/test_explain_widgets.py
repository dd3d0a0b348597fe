"""The lesson 13 explorer, driven headlessly: every control redraws; bad arguments fail when it is built."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from helpers.explain import grad_cam
from helpers.explain_widgets import explanation_explorer


def small_setup():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1),
                          nn.ReLU(), nn.Flatten(), nn.Linear(6 * 6 * 6, 3))
    images = torch.randn(4, 1, 12, 12, generator=torch.Generator().manual_seed(1))
    return model, images, [0, 1, 2, 1]


def build(**kw):
    model, images, labels = small_setup()
    args = dict(layers=["1", "4"], class_names=["a", "b", "c"])
    args.update(kw)
    return explanation_explorer(model, images, labels, **args), model, images


def test_every_control_redraws_the_picture():
    box, model, images = build()
    assert "cnn-explain-explorer" in box._dom_classes
    picture, summary = box.outputs["picture"], box.outputs["summary"]
    seen = {bytes(picture.value)}
    with torch.no_grad():
        predicted = int(model.eval()(images[2:3]).argmax())
    model.train()
    others = [k for k in range(3) if k != predicted]
    for name, value in [("index", 2), ("target", others[0]), ("layer", "1"), ("target", others[1])]:
        box.controls[name].value = value
        assert bytes(picture.value) not in seen, f"moving {name} did not change the picture"
        seen.add(bytes(picture.value))
    assert f"Explaining <b>{'abc'[others[1]]}</b>" in summary.value
    assert model.training  # the widget hands the model back as it came
    assert all(p.grad is None for p in model.parameters())


def test_the_map_drawn_is_the_one_explain_computes():
    box, model, images = build()
    box.controls["index"].value = 3
    with torch.no_grad():
        predicted = int(model.eval()(images[3:4]).argmax())
    model.train()
    assert f"Predicted <b>{'abc'[predicted]}</b>" in box.outputs["summary"].value
    # Grad-CAM on the chosen layer is a proper map of the input's size
    assert grad_cam(model, images[3], "4", predicted).shape == (12, 12)


def test_bad_arguments_fail_when_the_widget_is_built():
    model, images, labels = small_setup()
    with pytest.raises(ValueError, match="layer: expected the name of a layer"):
        explanation_explorer(model, images, labels, layers=["features.9"], class_names=list("abc"))
    with pytest.raises(TypeError, match="layers: expected a non-empty list"):
        explanation_explorer(model, images, labels, layers="4", class_names=list("abc"))
    with pytest.raises(ValueError, match="class_names: expected 3 names"):
        explanation_explorer(model, images, labels, layers=["4"], class_names=list("abcd"))
    with pytest.raises(ValueError, match=r"labels: expected 4 entries"):
        explanation_explorer(model, images, labels[:3], layers=["4"], class_names=list("abc"))
    with pytest.raises(ValueError, match=r"labels: expected class numbers in 0\.\.2"):
        explanation_explorer(model, images, [0, 1, 5, 1], layers=["4"], class_names=list("abc"))
    with pytest.raises(ValueError, match=r"images: expected a tensor of shape \(N, C, H, W\)"):
        explanation_explorer(model, images[0], labels, layers=["4"], class_names=list("abc"))
    with pytest.raises(ValueError, match="patch: expected a positive int"):
        explanation_explorer(model, images, labels, layers=["4"], class_names=list("abc"), patch=0)
    with pytest.raises(ValueError, match=r"raw_images: expected shape \(4, H, W\)"):
        explanation_explorer(model, images, labels, layers=["4"], class_names=list("abc"),
                             raw_images=np.zeros((3, 12, 12)))
