"""Receptive fields (lesson 08): the table and the lit pixels against torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from helpers.models import CourseCNN, TutorialCNN
from helpers.receptive_field import format_receptive_field, input_region, receptive_field, receptive_field_explorer


def torch_stack(specs, channels=2):
    """The stack as torch layers with positive weights; pooling as average pooling, whose
    gradient reaches every pixel of the window (max pooling's reaches only the winner)."""
    layers, c_in = [], 1
    for kind, k, s, p in specs:
        if kind == "conv":
            conv = nn.Conv2d(c_in, channels, k, stride=s, padding=p)
            with torch.no_grad():
                conv.weight.uniform_(0.5, 1.5)
                conv.bias.zero_()
            layers.append(conv)
            c_in = channels
        else:
            layers.append(nn.AvgPool2d(k, stride=s, padding=p))
    return nn.Sequential(*layers).double()


def autograd_support(stack, layer_index, row, col, shape):
    x = torch.rand(1, 1, *shape, dtype=torch.float64, requires_grad=True)
    out = stack[: layer_index + 1](x)
    out[0, 0, row, col].backward()
    return (x.grad[0, 0] != 0).numpy()


@st.composite
def stacks(draw):
    side = draw(st.integers(6, 30))
    specs, current = [], side
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "pool"]))
        k = draw(st.integers(1, 5))
        s = draw(st.integers(1, 3))
        p = draw(st.integers(0, k // 2))
        if current + 2 * p < k:
            break
        specs.append((kind, k, s, p))
        current = (current + 2 * p - k) // s + 1
    if not specs:
        specs, current = [("conv", 3, 1, 1)], side
    row, col = draw(st.integers(0, current - 1)), draw(st.integers(0, current - 1))
    return specs, (side, side), row, col


@settings(max_examples=60, deadline=None)
@given(stacks())
def test_lit_pixels_are_exactly_the_pixels_with_a_gradient(case):
    specs, shape, row, col = case
    last = len(specs) - 1
    mask = input_region(specs, last, row, col, shape)
    np.testing.assert_array_equal(mask, autograd_support(torch_stack(specs), last, row, col, shape))


@settings(max_examples=60, deadline=None)
@given(stacks())
def test_the_table_gives_the_region_when_windows_leave_no_gaps(case):
    """The region lies inside the table's square (cut to the image); it is all of it when no
    stride exceeds its kernel (no gaps) and no layer drops rows its stride cannot reach."""
    specs, shape, row, col = case
    table = receptive_field(specs, input_size=shape[0])
    last = table[-1]
    mask = input_region(specs, len(specs) - 1, row, col, shape)
    rows = [r for r in range(last.start + row * last.jump, last.start + row * last.jump + last.size) if 0 <= r < shape[0]]
    cols = [c for c in range(last.start + col * last.jump, last.start + col * last.jump + last.size) if 0 <= c < shape[1]]
    square = np.zeros(shape, dtype=bool)
    square[np.ix_(rows, cols)] = True
    assert not (mask & ~square).any()
    sides = [shape[0]] + [r.out_size for r in table[:-1]]
    if all(k >= s and (n + 2 * p - k) % s == 0 for (_, k, s, p), n in zip(specs, sides)):
        np.testing.assert_array_equal(mask, square)


def test_gaps_appear_when_the_stride_is_larger_than_the_kernel():
    specs = [("conv", 1, 2, 0), ("conv", 3, 1, 0)]
    mask = input_region(specs, 1, 0, 0, (9, 9))
    np.testing.assert_array_equal(np.nonzero(mask[0])[0], [0, 2, 4])
    np.testing.assert_array_equal(mask, autograd_support(torch_stack(specs), 1, 0, 0, (9, 9)))


def test_course_cnn_table_matches_its_layers_and_autograd():
    model = CourseCNN()
    table = receptive_field(model, input_size=28)
    assert [(r.kind, r.kernel, r.stride) for r in table] == [("conv", 5, 1), ("pool", 2, 2), ("conv", 5, 1), ("pool", 2, 2)]
    assert [r.size for r in table] == [5, 6, 14, 16]
    assert [r.jump for r in table] == [1, 2, 2, 4]
    assert [r.out_size for r in table] == [24, 12, 8, 4]
    # the torch model itself: every output shape, and the support of a deep cell under autograd
    feats = model.features.double().eval()
    x = torch.rand(1, 1, 28, 28, dtype=torch.float64)
    shapes = [feats[:i + 1](x).shape[-1] for i, m in enumerate(feats) if isinstance(m, (nn.Conv2d, nn.MaxPool2d))]
    assert shapes == [r.out_size for r in table]
    specs = [(r.kind, r.kernel, r.stride, r.padding) for r in table]
    np.testing.assert_array_equal(input_region(model, 3, 1, 2, (28, 28)),
                                  autograd_support(torch_stack(specs), 3, 1, 2, (28, 28)))


def test_tutorial_cnn_table():
    table = receptive_field(TutorialCNN(), input_size=28)
    assert [(r.size, r.jump, r.out_size) for r in table] == [(3, 1, 26), (4, 2, 13)]
    text = format_receptive_field(table)
    assert text.splitlines()[0].split() == ["layer", "kind", "kernel", "stride", "pad", "out", "jump", "size", "start"]
    assert len(text.splitlines()) == 3


def test_padding_moves_the_start_into_the_border():
    table = receptive_field([("conv", 3, 1, 1), ("pool", 2, 2, 0), ("conv", 3, 1, 1)])
    assert [(r.size, r.jump, r.start) for r in table] == [(3, 1, -1), (4, 2, -1), (8, 2, -3)]


@pytest.mark.parametrize("layers, match", [
    ("conv", "expected an nn.Module or a list"),
    ([], "at least one"),
    ([("dense", 3, 1, 0)], "kind 'conv' or 'pool'"),
    ([("conv", 3, 0, 0)], "stride ≥ 1"),
    ([("conv", (3, 5), 1, 0)], "kernel_size: expected an int"),
    ([("conv", 3, 1)], "expected a tuple"),
    (nn.Sequential(nn.Conv2d(1, 1, 3, dilation=2)), "dilation"),
    (nn.Sequential(nn.ReLU()), "at least one"),
])
def test_bad_layers_are_rejected(layers, match):
    with pytest.raises((ValueError, TypeError), match=match):
        receptive_field(layers)


def test_bad_cells_are_rejected():
    specs = [("conv", 3, 1, 0), ("pool", 2, 2, 0)]
    with pytest.raises(ValueError, match="row: expected an int in 0…12"):
        input_region(specs, 1, 13, 0, (28, 28))
    with pytest.raises(ValueError, match="layer_index"):
        input_region(specs, 2, 0, 0, (28, 28))
    with pytest.raises(ValueError, match="input_shape"):
        input_region(specs, 0, 0, 0, (28,))
    with pytest.raises(ValueError, match="does not fit"):
        receptive_field([("conv", 5, 1, 0)] * 8, input_size=28)


def test_explorer_follows_its_sliders():
    torch.manual_seed(0)
    image = np.random.default_rng(0).random((28, 28))
    box = receptive_field_explorer(CourseCNN(), image)
    assert "cnn-receptive-field" in box._dom_classes
    assert set(box.controls) == {"layer", "row", "col"} and set(box.outputs) == {"picture", "readout"}
    first = box.outputs["picture"].value
    box.controls["row"].value = 0
    box.controls["col"].value = 3
    assert box.outputs["picture"].value != first
    np.testing.assert_array_equal(box.update(), input_region(CourseCNN(), 3, 0, 3, (28, 28)))
    assert box.state["layer"] == 4 and box.state["cell"] == (0, 3)
    np.testing.assert_array_equal(box.state["mask"], input_region(CourseCNN(), 3, 0, 3, (28, 28)))
    box.controls["layer"].value = 1  # the 24×24 map: the ranges follow, the cell stays
    assert box.controls["row"].max == 23
    assert box.update().sum() == 25
    box.controls["row"].value = 23
    box.controls["layer"].value = 4  # back to the 4×4 map: the row is clamped
    assert box.controls["row"].value == 3


def test_explorer_rejects_bad_arguments():
    with pytest.raises(TypeError, match="model: expected an nn.Module"):
        receptive_field_explorer("CourseCNN", np.zeros((28, 28)))
    with pytest.raises(ValueError, match="image: expected a finite"):
        receptive_field_explorer(CourseCNN(), np.zeros((1, 28, 28)))
    with pytest.raises(ValueError, match="layer: expected an int in 1…4"):
        receptive_field_explorer(CourseCNN(), np.zeros((28, 28)), layer=5)
