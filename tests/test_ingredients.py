"""helpers.ingredients (lesson 09) against plain torch references: hand-made forward passes,
replayed training loops, torch.linalg norms."""

from __future__ import annotations

import copy

import matplotlib
import numpy as np
import pytest
import torch
from torch import nn

from helpers.ingredients import (Run, activation_stats, batch_order, compare_runs, lr_range_test,
                                 plot_activation_stats, plot_lr_range, plot_runs)

matplotlib.use("Agg")


def tiny_data(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 4, 4, generator=g)
    y = (x.flatten(1)[:, :3].argmax(1)).long()  # a learnable rule
    return x, y


def tiny_net(seed=0, hidden=8):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, hidden), nn.ReLU(), nn.Linear(hidden, 3), nn.ReLU())


# --- activation_stats -----------------------------------------------------------------

def test_activation_stats_match_a_hand_made_forward_pass():
    net, (x, _) = tiny_net(), tiny_data()
    stats = activation_stats(net, x)
    h1 = torch.relu(net[1](x.flatten(1)))
    h2 = torch.relu(net[3](h1))
    assert [name for name, _ in stats] == ["2", "4"]
    np.testing.assert_allclose([s for _, s in stats], [h1.std().item(), h2.std().item()], rtol=1e-6)
    linear = activation_stats(net, x, layer_types=(nn.Linear,))
    np.testing.assert_allclose(linear[0][1], net[1](x.flatten(1)).std().item(), rtol=1e-6)


def test_activation_stats_leave_the_model_as_it_was():
    net = nn.Sequential(nn.Linear(16, 8), nn.Dropout(0.5), nn.ReLU())
    net.train()
    x = torch.randn(50, 16)
    a, b = activation_stats(net, x), activation_stats(net, x)
    assert a == b  # eval mode inside: dropout off, so repeatable
    assert net.training
    assert all(not m._forward_hooks for m in net.modules())


def test_activation_stats_reject_bad_input():
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module"):
        activation_stats("net", torch.zeros(1, 16))
    with pytest.raises(TypeError, match="x: expected a tensor"):
        activation_stats(tiny_net(), np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="layer_types: the model has no layer"):
        activation_stats(tiny_net(), torch.zeros(2, 1, 4, 4), layer_types=(nn.Conv2d,))


# --- batch_order ----------------------------------------------------------------------

def test_batch_order_is_seeded_and_each_pass_is_a_permutation():
    batches = batch_order(10, 3, 7, seed=1)
    assert len(batches) == 7 and all(len(b) == 3 for b in batches)
    first_pass = torch.cat(batches[:3])
    assert len(set(first_pass.tolist())) == 9  # no index twice within a pass
    assert all(torch.equal(a, b) for a, b in zip(batches, batch_order(10, 3, 7, seed=1)))
    assert not all(torch.equal(a, b) for a, b in zip(batches, batch_order(10, 3, 7, seed=2)))
    with pytest.raises(ValueError, match="batch_size: expected at most n=10"):
        batch_order(10, 11, 1)
    with pytest.raises(ValueError, match="steps: expected a positive int"):
        batch_order(10, 2, 0)


# --- lr_range_test --------------------------------------------------------------------

def test_lr_range_test_rates_are_geometric():
    lrs, losses = lr_range_test(tiny_net(), tiny_data(), lr_min=1e-4, lr_max=1e-2, steps=9,
                                batch_size=16, device="cpu")
    assert len(lrs) == len(losses) == 9
    np.testing.assert_allclose(lrs, np.geomspace(1e-4, 1e-2, 9), rtol=1e-10)


def test_lr_range_test_losses_are_the_models_losses_on_those_batches():
    x, y = tiny_data()
    start = tiny_net()
    replay = copy.deepcopy(start)
    lrs, losses = lr_range_test(start, (x, y), lr_min=1e-3, lr_max=0.3, steps=12, batch_size=16, seed=3,
                                make_optimizer=torch.optim.SGD, device="cpu")
    opt = torch.optim.SGD(replay.parameters(), lr=1.0)
    expected = []
    for lr, idx in zip(lrs, batch_order(len(x), 16, len(lrs), seed=3)):
        opt.param_groups[0]["lr"] = lr
        loss = nn.functional.cross_entropy(replay(x[idx]), y[idx])
        expected.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(losses, expected, rtol=1e-5)
    for p, q in zip(start.parameters(), replay.parameters()):
        torch.testing.assert_close(p, q)  # the model was trained in place, the same way


def test_lr_range_test_stops_when_the_loss_blows_up():
    lrs, losses = lr_range_test(tiny_net(hidden=32), tiny_data(), lr_min=1e-3, lr_max=1e4, steps=60,
                                batch_size=16, make_optimizer=torch.optim.SGD, device="cpu")
    assert len(lrs) < 60
    assert not np.isfinite(losses[-1]) or losses[-1] > 4 * losses[:-1].min()


def test_lr_range_test_rejects_bad_rates():
    with pytest.raises(ValueError, match="lr_min, lr_max: expected 0 < lr_min < lr_max"):
        lr_range_test(tiny_net(), tiny_data(), lr_min=0.1, lr_max=0.01)
    with pytest.raises(TypeError, match="train: expected a pair"):
        lr_range_test(tiny_net(), torch.zeros(3))


# --- compare_runs ---------------------------------------------------------------------

def sgd_setup(lr=0.1, hidden=8, scheduled=False):
    def build():
        net = nn.Sequential(nn.Flatten(), nn.Linear(16, hidden), nn.ReLU(), nn.Linear(hidden, 3))
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5) if scheduled else None
        return net, opt, sched
    return build


def test_compare_runs_matches_a_replayed_loop():
    x, y = tiny_data()
    val = tiny_data(40, seed=5)
    runs = compare_runs({"a": sgd_setup(), "b": sgd_setup(scheduled=True)}, (x, y), val, steps=7,
                        batch_size=16, seed=4, device="cpu")
    torch.manual_seed(4)
    net, opt, sched = sgd_setup(scheduled=True)()
    losses, norms, lrs = [], [], []
    for idx in batch_order(len(x), 16, 7, seed=4):
        lrs.append(opt.param_groups[0]["lr"])
        loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        norms.append(torch.linalg.vector_norm(torch.cat([net[1].weight.flatten(), net[3].weight.flatten()])).item())
    run = runs["b"]
    np.testing.assert_allclose(run.losses, losses, rtol=1e-5)
    np.testing.assert_allclose(run.weight_norms, norms, rtol=1e-5)
    np.testing.assert_allclose(run.lrs, lrs)
    with torch.no_grad():
        logits = net(val[0])
    assert run.val_accuracy == pytest.approx((logits.argmax(1) == val[1]).float().mean().item())
    assert run.val_loss == pytest.approx(nn.functional.cross_entropy(logits, val[1]).item(), rel=1e-5)
    # the same seed and batches: without a schedule the first step is identical, later ones differ
    assert runs["a"].losses[:3] == pytest.approx(run.losses[:3], rel=1e-6)
    assert runs["a"].losses[-1] != pytest.approx(run.losses[-1], rel=1e-6)


def test_compare_runs_rejects_bad_setups():
    with pytest.raises(TypeError, match="setups: expected a non-empty dict"):
        compare_runs({}, tiny_data(), tiny_data(), steps=2)
    with pytest.raises(ValueError, match="steps: expected a positive int"):
        compare_runs({"a": sgd_setup()}, tiny_data(), tiny_data(), steps=0)


# --- plots ----------------------------------------------------------------------------

def test_plots_label_their_axes():
    runs = {"a": Run(losses=[1.0, 0.8, 0.5, 0.4, 0.3, 0.2], weight_norms=[1, 2, 3, 4, 5, 6], lrs=[0.1] * 6,
                     val_accuracy=0.9)}
    figures = [plot_activation_stats({"he": [("1", 1.0), ("3", 0.9)]}), plot_lr_range([1e-3, 1e-2], [2.0, 1.0], chosen=5e-3),
               plot_runs(runs), plot_runs(runs, metric="weight_norms"), plot_runs(runs, metric="lrs")]
    for fig in figures:
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert figures[1].axes[0].get_xscale() == "log"
    with pytest.raises(ValueError, match="metric: expected"):
        plot_runs(runs, metric="accuracy")
    with pytest.raises(ValueError, match="lrs, losses: expected two 1-D arrays"):
        plot_lr_range([1, 2], [1])
    with pytest.raises(TypeError, match="runs: expected a dict"):
        plot_runs({"a": 1})
    matplotlib.pyplot.close("all")
