"""The convolution and pooling widgets, driven headlessly: move the controls, check the output changed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.conv import KERNELS, conv2d, pool2d  # noqa: E402
from helpers.conv_widgets import (  # noqa: E402
    conv_size_explorer,
    conv_stepper,
    kernel_editor,
    pool_stepper,
    sample_photo,
    to_display,
)

from tests.widget_parts import parts as widget_parts  # noqa: E402

PNG = b"\x89PNG"
JPEG = b"\xff\xd8"


@pytest.fixture
def digit():
    d = np.zeros((28, 28), dtype=np.uint8)
    d[4:24, 12:16] = 255
    d[4:8, 8:16] = 200
    return d


@pytest.fixture
def photo():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (64, 64)).astype(np.uint8)


@pytest.fixture(autouse=True)
def no_figure_pile_up():
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before, "a widget left pyplot figures open"


def test_sample_photo_is_grey_512():
    photo = sample_photo()
    assert photo.shape == (512, 512) and photo.dtype == np.uint8
    assert 20 < photo.mean() < 235 and photo.std() > 10  # a real picture, not blank


def test_kernel_editor_presets_and_typing(photo, digit):
    box = kernel_editor(photo=photo, digit=digit)
    parts = widget_parts(box)
    assert "cnn-kernel-editor" in box._dom_classes
    assert parts.photo.value[:2] == JPEG and parts.digit.value[:4] == PNG
    np.testing.assert_allclose(parts.kernel, KERNELS["sharpen"])

    before = (parts.photo.value, parts.digit.value)
    parts.preset.value = "sobel x"
    np.testing.assert_allclose([c.value for c in parts.cells], KERNELS["sobel x"].ravel())
    assert parts.display.value == "abs"
    assert parts.photo.value != before[0] and parts.digit.value != before[1]

    # typing one number makes the kernel custom and changes the picture
    before = parts.digit.value
    parts.cells[4].value = 3.0
    assert parts.preset.value == "custom"
    assert parts.kernel[1, 1] == 3.0
    assert parts.digit.value != before

    # typing the identity by hand is recognised as the named kernel
    for cell, value in zip(parts.cells, KERNELS["identity"].ravel()):
        cell.value = float(value)
    assert parts.preset.value == "identity"


def test_kernel_editor_survives_extreme_values(photo, digit):
    box = kernel_editor(photo=photo, digit=digit)
    parts = widget_parts(box)
    for cell in parts.cells:
        cell.value = 0.0
    assert parts.kernel.sum() == 0 and parts.photo.value[:2] == JPEG
    parts.cells[0].value = float("nan")
    assert parts.kernel[0, 0] == 0 and "not a number" in parts.status.value
    parts.cells[1].value = 1e9  # the box itself clips to its bounds
    assert parts.cells[1].value == 100.0 and parts.kernel[0, 1] == 100.0
    parts.cells[2].value = -1e9
    for mode in ("clip", "stretch", "abs"):
        parts.display.value = mode
        assert parts.photo.value[:2] == JPEG
    assert np.isfinite(parts.last_update_ms)


def test_to_display_handles_constant_and_nonfinite():
    assert to_display(np.zeros((3, 3)), "stretch").max() == 0
    out = to_display(np.array([[np.nan, np.inf], [-5.0, 300.0]]), "clip")
    np.testing.assert_array_equal(out, [[0, 0], [0, 255]])
    np.testing.assert_array_equal(to_display(np.array([[-2.0, 1.0]]), "abs"), [[255, 127]])
    # one extreme pixel does not turn everything else black
    edges = np.arange(1000.0).reshape(10, 100)
    edges[0, 0] = 1e6
    shown = to_display(edges, "abs")
    assert shown[0, 0] == 255 and shown[5, 0] > 100
    assert to_display(edges, "stretch")[5, 0] > 100
    with pytest.raises(ValueError, match="mode"):
        to_display(np.zeros((2, 2)), "log")


def test_conv_stepper_steps_and_switches_kernel():
    box = conv_stepper()
    parts = widget_parts(box)
    assert "cnn-conv-stepper" in box._dom_classes
    # 6x6 image, 3x3 kernel: 4x4 outputs, steps counted from 1 as the caption counts them
    assert (parts.slider.min, parts.slider.max, parts.play.min, parts.play.max) == (1, 16, 1, 16)
    assert parts.slider.description == "step" and box.state["view"].caption.get_text().startswith("step 1 of 16")
    first_picture, first_sum = parts.picture.value, parts.sum.value
    assert first_picture[:4] == PNG and "output[0, 0]" in first_sum

    parts.play.value = 6  # play and slider are linked; step 6 is output[1, 1]
    assert parts.slider.value == 6
    assert box.state["view"].caption.get_text().startswith("step 6 of 16")
    assert "output[1, 1]" in parts.sum.value and parts.picture.value != first_picture
    image = np.zeros((6, 6))
    image[1:5, 2] = 1
    image[2, 1:5] = 1
    image[4, 3] = 1
    expected = conv2d(image, KERNELS["outline"])[1, 1]
    assert parts.sum.value.endswith(f"<b>{int(expected)}</b></code>")

    parts.kernel.value = "box blur"
    assert "0.111" in parts.sum.value


def test_conv_stepper_with_given_kernel_and_padding():
    kernel = np.array([[1, 2], [3, 4]])
    box = conv_stepper(np.arange(9).reshape(3, 3), kernel, stride=1, padding=1)
    assert widget_parts(box).slider.max == 16  # (3 + 2 - 2 + 1)^2 = 16 steps
    widget_parts(box).slider.value = 16
    assert widget_parts(box).sum.value.endswith(f"<b>{int(conv2d(np.arange(9).reshape(3, 3), kernel, padding=1)[3, 3])}</b></code>")


def test_pool_stepper_modes():
    x = np.arange(36).reshape(6, 6) * 7 % 10
    box = pool_stepper(x)
    parts = widget_parts(box)
    assert "cnn-pool-stepper" in box._dom_classes and (parts.slider.min, parts.slider.max) == (1, 9)
    for mode in ("max", "avg", "min", "sum"):
        parts.mode.value = mode
        parts.slider.value = 5  # step 5 of 9: the middle window
        expected = pool2d(x, 2, mode=mode)[1, 1]
        assert f"{mode}(" in parts.readout.value
        assert f"<b>{expected:g}</b>" in parts.readout.value
        assert parts.picture.value[:4] == PNG


def test_size_explorer_formula_and_drawing():
    box = conv_size_explorer(n=7, kernel=3, stride=2, padding=1)
    parts = widget_parts(box)
    assert "cnn-conv-size-explorer" in box._dom_classes
    assert "<b>4</b>" in parts.formula.value and parts.position.max == 15
    picture = parts.picture.value
    parts.position.value = 15
    assert parts.picture.value != picture

    parts.stride.value = 1
    assert "<b>7</b>" in parts.formula.value and parts.position.max == 48
    parts.padding.value = 0
    parts.stride.value = 2
    parts.n.value = 6
    # (6 - 3) / 2 rounds down: one column is never reached
    assert "<b>2</b>" in parts.formula.value and "never reached" in parts.formula.value
    parts.kernel.value = 7
    assert "does not fit" in parts.formula.value and parts.position.max == 0
    parts.kernel.value = 1
    assert "<b>3</b>" in parts.formula.value
