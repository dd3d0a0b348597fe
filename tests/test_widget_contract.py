"""Every widget builder of the course hands out its parts one way (helpers.figures.expose):
``controls`` and ``outputs`` (name -> widget), ``update()`` and ``state``. Browser steps and
unit tests reach widgets only through these."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest
import torch

from helpers.conv_widgets import conv_size_explorer, conv_stepper, kernel_editor, pool_stepper
from helpers.descent import gradient_descent_explorer
from helpers.drawing import draw_digit_widget
from helpers.explain_widgets import explanation_explorer
from helpers.features import feature_map_explorer
from helpers.figures import expose
from helpers.mlp_widgets import parameter_counter
from helpers.models import CourseCNN
from helpers.neurons import softmax_explorer
from helpers.receptive_field import receptive_field_explorer
from helpers.widgets import digit_browser, invariance_explorer, widget_check


def _digits(n=4):
    rng = np.random.default_rng(0)
    return (rng.random((n, 28, 28)) * 255).astype(np.uint8), np.arange(n) % 10


def _model():
    torch.manual_seed(0)
    return CourseCNN().eval()


BUILDERS = {
    "widget_check": lambda: widget_check(),
    "digit_browser": lambda: digit_browser(*_digits()),
    "invariance_explorer": lambda: invariance_explorer({"cnn": _model()}, torch.rand(4, 1, 28, 28), [0, 1, 2, 3]),
    "kernel_editor": lambda: kernel_editor(photo=np.zeros((32, 32), np.uint8), digit=_digits(1)[0][0]),
    "conv_stepper": lambda: conv_stepper(),
    "pool_stepper": lambda: pool_stepper(),
    "conv_size_explorer": lambda: conv_size_explorer(),
    "parameter_counter": lambda: parameter_counter(),
    "gradient_descent_explorer": lambda: gradient_descent_explorer(),
    "softmax_explorer": lambda: softmax_explorer(),
    "explanation_explorer": lambda: explanation_explorer(
        _model(), torch.rand(3, 1, 28, 28), [0, 1, 2], layers=["features.0"], class_names=[str(k) for k in range(10)]),
    "receptive_field_explorer": lambda: receptive_field_explorer(_model(), np.random.default_rng(0).random((28, 28))),
    "feature_map_explorer": lambda: feature_map_explorer(_model(), torch.rand(3, 1, 28, 28), [0, 1, 2]),
    "draw_digit_widget": lambda: draw_digit_widget(_model()),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_builder_follows_the_contract(name):
    box = BUILDERS[name]()
    assert isinstance(box, widgets.DOMWidget)
    assert any(c.startswith("cnn-") for c in box._dom_classes), f"{name}: no cnn-... CSS class"
    for attr, kind in (("controls", dict), ("outputs", dict), ("state", dict)):
        assert isinstance(getattr(box, attr, None), kind), f"{name}: .{attr} should be a dict"
    assert box.controls and box.outputs, f"{name}: no controls or no outputs"
    assert callable(box.update)
    for group in (box.controls, box.outputs):
        for part, widget in group.items():
            members = widget if isinstance(widget, (list, tuple)) else [widget]
            assert all(isinstance(w, widgets.Widget) for w in members), f"{name}.{part} is not a widget"
    box.update()  # redraws from the current controls without raising


def test_expose_sets_the_four_parts():
    box = widgets.VBox()
    slider, out = widgets.IntSlider(), widgets.HTML()
    assert expose(box, controls={"s": slider}, outputs={"o": out}, update=lambda: None) is box
    assert box.controls == {"s": slider} and box.outputs == {"o": out} and box.state == {}
