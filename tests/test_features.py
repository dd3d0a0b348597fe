"""Tests for helpers.features: captured feature maps equal the layers' outputs computed by hand."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from helpers.features import (  # noqa: E402
    capture,
    feature_map_explorer,
    feature_maps,
    inspectable_layers,
    plot_feature_maps,
    plot_filters,
)
from helpers.models import CourseCNN, TutorialCNN  # noqa: E402


@pytest.fixture()
def course_cnn():
    torch.manual_seed(0)
    model = CourseCNN()
    # Give batch norm non-trivial running statistics so eval mode differs from identity.
    model.train()
    with torch.no_grad():
        model(torch.randn(64, 1, 28, 28))
    return model.eval()


def test_capture_matches_manual_conv_relu_pool():
    torch.manual_seed(1)
    model = TutorialCNN().eval()
    x = torch.randn(2, 1, 28, 28)
    with capture(model, ["features.0", "features.1", "features.2"]) as maps:
        model(x)
    conv = model.features[0]
    by_hand = F.conv2d(x, conv.weight, conv.bias)
    torch.testing.assert_close(maps["features.0"], by_hand)
    torch.testing.assert_close(maps["features.1"], by_hand.clamp(min=0))
    torch.testing.assert_close(maps["features.2"], F.max_pool2d(by_hand.clamp(min=0), 2))
    assert maps["features.2"].shape == (2, 32, 13, 13)


def test_feature_maps_of_course_cnn_match_step_by_step_computation(course_cnn):
    x = torch.randn(3, 1, 28, 28)
    maps = feature_maps(course_cnn, x)
    f = course_cnn.features
    h = x
    expected = {}
    for i, layer in enumerate(f):
        if isinstance(layer, torch.nn.Conv2d):
            h = F.conv2d(h, layer.weight, layer.bias)
        elif isinstance(layer, torch.nn.BatchNorm2d):
            h = F.batch_norm(h, layer.running_mean, layer.running_var, layer.weight, layer.bias,
                             training=False, eps=layer.eps)
        elif isinstance(layer, torch.nn.ReLU):
            h = torch.clamp(h, min=0)
        else:
            h = F.max_pool2d(h, 2)
        expected[f"features.{i}"] = h
    assert list(maps) == list(expected)  # in layer order; the dense ReLU (2-D output) is dropped
    for name, value in expected.items():
        torch.testing.assert_close(maps[name], value, rtol=1e-4, atol=1e-5)
    assert maps["features.7"].shape == (3, 32, 4, 4)


def test_hooks_are_removed_even_after_an_error(course_cnn):
    conv = course_cnn.features[0]
    assert len(conv._forward_hooks) == 0
    with pytest.raises(RuntimeError):
        with capture(course_cnn, ["features.0"]):
            assert len(conv._forward_hooks) == 1
            course_cnn(torch.randn(1, 3, 28, 28))  # wrong channel count: the forward fails
    assert len(conv._forward_hooks) == 0


def test_feature_maps_keeps_mode_and_accepts_single_image(course_cnn):
    course_cnn.train()
    maps = feature_maps(course_cnn, torch.randn(1, 28, 28), ["features.3"])
    assert course_cnn.training
    assert maps["features.3"].shape == (1, 16, 12, 12)


def test_inspectable_layers_lists_image_layers_in_order():
    names = list(inspectable_layers(TutorialCNN()))
    assert names[:3] == ["features.0", "features.1", "features.2"]


def test_bad_input_is_named():
    model = TutorialCNN()
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        feature_maps(model, torch.zeros(1, 1, 28, 28), ["nope"])
    with pytest.raises(TypeError, match="x: expected float"):
        feature_maps(model, torch.zeros(1, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match="x: expected shape"):
        feature_maps(model, torch.zeros(28, 28))
    with pytest.raises(ValueError, match="weight"):
        plot_filters(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="maps"):
        plot_feature_maps(torch.zeros(28, 28))


def test_plot_filters_draws_each_kernel_with_symmetric_scale():
    model = TutorialCNN()
    fig = plot_filters(model.features[0])
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 32
    w = model.features[0].weight.detach()[:, 0].numpy()
    np.testing.assert_allclose(images[5].get_array(), w[5])
    low, high = images[0].get_clim()
    assert low == pytest.approx(-high) and high == pytest.approx(np.abs(w).max())
    assert fig._suptitle.get_text()
    plt.close(fig)


def test_plot_feature_maps_redraws_one_figure():
    maps = torch.rand(8, 12, 12)
    fig = plot_feature_maps(maps)
    again = plot_feature_maps(maps * 2, fig=fig)
    assert again is fig
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(shown) == 8
    np.testing.assert_allclose(shown[3], (maps[3] * 2).numpy(), rtol=1e-6)
    plt.close(fig)


def test_explorer_updates_picture_when_controls_change(course_cnn):
    images = torch.randn(4, 1, 28, 28)
    box = feature_map_explorer(course_cnn, images, [0, 1, 2, 3])
    assert "cnn-feature-maps" in box._dom_classes
    index, layer = box.children[0].children
    picture = box.children[2]
    first = picture.value
    layer.value = layer.options[-1][1]
    assert picture.value != first
    assert "(1, 32, 4, 4)" in box.children[1].value or "(32, 4, 4)" in box.children[1].value
    before = picture.value
    index.value = 2
    assert picture.value != before


# --------------------------------------------------------------------------- checked when built
def test_explorer_refuses_a_label_without_a_name_at_build(course_cnn):
    before = plt.get_fignums()
    x = torch.randn(2, 1, 28, 28)
    with pytest.raises(ValueError, match=r"labels: expected class numbers 0..9 .* got 99"):
        feature_map_explorer(course_cnn, x, [0, 99])
    with pytest.raises(ValueError, match=r"labels: expected class numbers 0..1"):
        feature_map_explorer(course_cnn, x, [0, 2], class_names=["a", "b"])
    with pytest.raises(ValueError, match="labels: expected whole class numbers"):
        feature_map_explorer(course_cnn, x, [0, 0.5])
    with pytest.raises(TypeError, match="model"):
        feature_map_explorer(None, x, [0, 1])
    with pytest.raises(ValueError, match="raw_images: expected 2 pictures"):
        feature_map_explorer(course_cnn, x, [0, 1], raw_images=np.zeros((3, 28, 28)))
    assert plt.get_fignums() == before


@pytest.mark.parametrize("empty", [np.zeros((0, 1, 3, 3)), np.zeros((4, 0, 3, 3)), torch.zeros(0, 1, 3, 3)])
def test_plot_filters_refuses_empty_weights(empty):
    with pytest.raises(ValueError, match="weight"):
        plot_filters(empty)


@pytest.mark.parametrize("empty", [np.zeros((0, 5, 5)), np.zeros((1, 0, 5, 5)), torch.zeros(3, 0, 4)])
def test_plot_feature_maps_refuses_empty_maps(empty):
    with pytest.raises(ValueError, match="maps"):
        plot_feature_maps(empty)


@pytest.mark.parametrize("call, name", [(lambda: plot_filters(np.ones((2, 1, 3, 3)), cols=0), "cols"),
                                        (lambda: plot_filters(np.ones((2, 1, 3, 3)), in_channel=0.0), "in_channel"),
                                        (lambda: plot_feature_maps(np.ones((2, 3, 3)), max_maps=True), "max_maps")])
def test_plot_options_are_checked(call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call()
