"""Tests for the lesson 03-04 widgets: parameter counter and gradient-descent explorer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from helpers.descent import bowl_gradient, bowl_loss, gradient_descent_explorer, gradient_descent_path
from helpers.mlp_widgets import count_mlp_parameters, parameter_counter


@pytest.mark.parametrize("sizes", [[784, 10], [784, 512, 512, 10], [5, 3, 7, 2, 4]])
def test_count_mlp_parameters_matches_pytorch(sizes):
    layers = [nn.Linear(m, n) for m, n in zip(sizes[:-1], sizes[1:])]
    counts = count_mlp_parameters(sizes)
    assert [w for w, _ in counts] == [layer.weight.numel() for layer in layers]
    assert [b for _, b in counts] == [layer.bias.numel() for layer in layers]
    assert sum(w + b for w, b in counts) == sum(p.numel() for p in nn.Sequential(*layers).parameters())


def test_count_mlp_parameters_rejects_bad_sizes():
    with pytest.raises(ValueError, match="sizes"):
        count_mlp_parameters([784])
    with pytest.raises(ValueError, match="sizes"):
        count_mlp_parameters([784, 0, 10])


def test_parameter_counter_updates_table_and_picture_in_place():
    box = parameter_counter()
    n_hidden, width = box.controls["hidden layers"], box.controls["width"]
    picture, table = box.outputs["picture"], box.outputs["table"]
    assert "669,706" in table.value  # 784-512-512-10
    before = picture.value
    n_hidden.value = 1
    width.value = 128
    expected = sum(p.numel() for p in nn.Sequential(nn.Linear(784, 128), nn.Linear(128, 10)).parameters())
    assert f"{expected:,}" in table.value
    assert picture.value != before  # same Image widget, new picture
    assert box.outputs["picture"] is picture
    n_hidden.value = 0
    assert "7,850" in table.value


def test_bowl_gradient_matches_autograd():
    pts = np.array([[-2.0, 1.5], [0.3, 0.7], [1.0, -0.5]])
    w = torch.tensor(pts, requires_grad=True)
    d = w - torch.tensor([1.0, -0.5], dtype=torch.float64)
    u = 0.8 * d[:, 0] + 0.6 * d[:, 1]
    v = -0.6 * d[:, 0] + 0.8 * d[:, 1]
    loss = 0.5 * (u**2 + 12 * v**2)
    loss.sum().backward()
    np.testing.assert_allclose(bowl_loss(pts), loss.detach().numpy())
    np.testing.assert_allclose(bowl_gradient(pts), w.grad.numpy())
    assert bowl_loss([1.0, -0.5]) == 0


def test_gradient_descent_path_matches_pytorch_sgd():
    start = [-2.0, 1.5]
    for lr, momentum in [(0.05, 0.0), (0.02, 0.9)]:
        path = gradient_descent_path(bowl_gradient, start, lr, 15, momentum)
        w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([w], lr=lr, momentum=momentum)
        ref = [w.detach().clone().numpy()]
        for _ in range(15):
            opt.zero_grad()
            w.grad = torch.from_numpy(bowl_gradient(w.detach().numpy()))
            opt.step()
            ref.append(w.detach().clone().numpy())
        np.testing.assert_allclose(path, np.array(ref), rtol=1e-10)


def test_gradient_descent_path_stops_when_diverging_and_checks_input():
    path = gradient_descent_path(bowl_gradient, [-2.0, 1.5], 0.5, 1000)
    assert len(path) < 1001 and np.abs(path[-1]).max() > 1e6
    with pytest.raises(ValueError, match="lr"):
        gradient_descent_path(bowl_gradient, [0, 0], 0.0, 5)
    with pytest.raises(ValueError, match="momentum"):
        gradient_descent_path(bowl_gradient, [0, 0], 0.1, 5, momentum=1.0)


def test_explorer_reports_crawl_converge_diverge():
    box = gradient_descent_explorer()
    lr, steps, momentum = (box.controls[k] for k in ("lr", "steps", "momentum"))
    picture = box.outputs["picture"]
    assert "converged" in box.outputs["readout"].value
    first = picture.value
    lr.value = 0.001
    assert "crawling" in box.outputs["readout"].value
    lr.value = 0.2
    assert "diverged" in box.outputs["readout"].value
    assert picture.value != first and box.outputs["picture"] is picture
    lr.value = 0.01
    momentum.value = 0.9
    steps.value = 100
    assert "converged" in box.outputs["readout"].value
