"""The single-neuron picture and the softmax explorer of lesson 03, checked against torch."""

import numpy as np
import pytest
import torch

from helpers.neurons import draw_neuron, softmax, softmax_explorer


@pytest.mark.parametrize("z", [[2.0, 1.0, 0.1, -1.0], [1000.0, 999.0], [-3.0, -3.0, -3.0], [0.0] * 10])
@pytest.mark.parametrize("temperature", [0.1, 1.0, 7.5])
def test_softmax_matches_torch(z, temperature):
    expected = torch.softmax(torch.tensor(z, dtype=torch.float64) / temperature, dim=0).numpy()
    np.testing.assert_allclose(softmax(z, temperature), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("z, temperature, match", [
    ([], 1.0, "non-empty"), ([[1.0, 2.0]], 1.0, "vector"), ([1.0, np.nan], 1.0, "finite"),
    ([1.0, 2.0], 0.0, "temperature"), ([1.0, 2.0], -1.0, "temperature"), ([1.0, 2.0], float("inf"), "temperature"),
])
def test_softmax_rejects_bad_input(z, temperature, match):
    with pytest.raises(ValueError, match=match):
        softmax(z, temperature)


def test_draw_neuron_shows_the_weighted_sum():
    ax = draw_neuron(weights=(0.5, -1.0), inputs=(2.0, 0.25), bias=0.1)
    z = 0.5 * 2.0 - 1.0 * 0.25 + 0.1
    texts = [t.get_text() for t in ax.texts]
    assert any(f"z = {z:.2f}" in t for t in texts)
    assert f"ReLU(z) = {z:.2f}" in ax.get_title()
    assert any("+1.00" in t for t in texts) and any("-0.25" in t for t in texts)  # each product


def test_draw_neuron_negative_sum_gives_zero_output():
    ax = draw_neuron(weights=(1.0,), inputs=(1.0,), bias=-3.0)
    assert "ReLU(z) = 0.00" in ax.get_title()


@pytest.mark.parametrize("kwargs, match", [
    (dict(weights=(), inputs=()), "weights"), (dict(weights=(1,) * 7, inputs=(1,) * 7), "weights"),
    (dict(weights=(1, 2), inputs=(1,)), "inputs: expected 2"), (dict(bias=float("nan")), "finite"),
])
def test_draw_neuron_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        draw_neuron(**kwargs)


def test_explorer_redraws_probabilities_when_a_score_moves():
    box = softmax_explorer([1.0, 0.0, -1.0], class_names=["cat", "dog", "fish"])
    assert "cnn-softmax-explorer" in box._dom_classes
    before = box.outputs["picture"].value
    box.controls["fish"].value = 4.0
    after = box.outputs["picture"].value
    assert after != before
    expected = torch.softmax(torch.tensor([1.0, 0.0, 4.0], dtype=torch.float64), dim=0).numpy()
    np.testing.assert_allclose(box.update(), expected, rtol=1e-12)
    assert f"fish: score +4.0 → {expected[2]:.3f}" in box.outputs["readout"].value


def test_explorer_adding_a_constant_changes_nothing():
    box = softmax_explorer([1.0, 0.0, -1.0])
    p = box.update()
    for name in ("class 0", "class 1", "class 2"):
        box.controls[name].value += 2.0
    np.testing.assert_allclose(box.update(), p, rtol=1e-9)


def test_explorer_temperature_sharpens_and_flattens():
    box = softmax_explorer([1.0, 0.0])
    box.controls["temperature"].value = 0.1
    sharp = box.update()
    box.controls["temperature"].value = 10.0
    flat = box.update()
    assert sharp[0] > 0.99 and abs(flat[0] - 0.5) < 0.03


@pytest.mark.parametrize("kwargs, match", [
    (dict(logits=[1.0]), "2 to 10"), (dict(logits=[0.0] * 11), "2 to 10"), (dict(logits=[1.0, 50.0]), "between"),
    (dict(logits=[1.0, 2.0], class_names=["a"]), "class_names: expected 2"), (dict(logits="ab"), "logits"),
])
def test_explorer_rejects_bad_input_when_built(kwargs, match):
    with pytest.raises(ValueError, match=match):
        softmax_explorer(**kwargs)
