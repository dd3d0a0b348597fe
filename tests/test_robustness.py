"""helpers.robustness against direct computations with torch: accuracy under FGSM, the
adversarial augment hook, balanced few-label subsets and frozen features."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from helpers.robustness import accuracy_under_fgsm, balanced_subset, embed, fgsm_augment


def _model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 6 * 6, 4))


def _data(n=30, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 8, 8, generator=g), torch.randint(0, 4, (n,), generator=g)


def _fgsm_by_hand(model, x, y, eps):
    x = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(x), y), x)
    return (x.detach() + eps * grad.sign()).clamp(0, 1)


def test_accuracy_under_fgsm_matches_a_direct_computation():
    model, (x, y) = _model().eval(), _data()
    epsilons = [0.0, 0.05, 0.3]
    got = accuracy_under_fgsm(model, x, y, epsilons, clip=(0.0, 1.0), batch_size=7)
    # batches of 7: the loss is a mean per batch, but its sign per pixel is the same as for one big batch
    expected = []
    for eps in epsilons:
        attacked = _fgsm_by_hand(model, x, y, eps)
        with torch.no_grad():
            pred = model(attacked).argmax(1)
        expected.append(float((pred == y).float().mean()))
    assert got == pytest.approx(expected)
    with torch.no_grad():
        assert got[0] == pytest.approx(float((model(x).argmax(1) == y).float().mean()))
    assert got[2] <= got[0]


def test_accuracy_under_fgsm_leaves_the_model_as_it_came():
    model, (x, y) = _model().train(), _data()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    accuracy_under_fgsm(model, x, y, [0.1], clip=(0.0, 1.0))
    assert model.training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # BN stats untouched
    assert all(p.grad is None and p.requires_grad for p in model.parameters())


@pytest.mark.parametrize("kwargs, error, match", [
    ({"epsilons": []}, TypeError, "epsilons"),
    ({"epsilons": "0.1"}, TypeError, "epsilons"),
    ({"epsilons": [-0.1]}, ValueError, "epsilons"),
    ({"epsilons": [0.1], "batch_size": 0}, ValueError, "batch_size"),
])
def test_accuracy_under_fgsm_rejects_bad_arguments(kwargs, error, match):
    model, (x, y) = _model(), _data()
    with pytest.raises(error, match=match):
        accuracy_under_fgsm(model, x, y, clip=(0.0, 1.0), **kwargs)


def test_accuracy_under_fgsm_rejects_bad_data():
    model, (x, y) = _model(), _data()
    with pytest.raises(ValueError, match="x: expected"):
        accuracy_under_fgsm(model, x[:, 0], y, [0.1], clip=(0.0, 1.0))
    with pytest.raises(ValueError, match="y: expected"):
        accuracy_under_fgsm(model, x, y[:-1], [0.1], clip=(0.0, 1.0))
    with pytest.raises(TypeError, match="model"):
        accuracy_under_fgsm("model", x, y, [0.1], clip=(0.0, 1.0))
    with pytest.raises(ValueError, match="at least one image"):
        accuracy_under_fgsm(model, x[:0], y[:0], [0.1], clip=(0.0, 1.0))
    with pytest.raises(ValueError, match="clip"):
        accuracy_under_fgsm(model, x, y, [0.1], clip=(1.0, 0.0))


def test_fgsm_augment_replaces_the_chosen_fraction_with_fgsm_images():
    model, (x, _) = _model().eval(), _data(n=200)
    with torch.no_grad():
        guess = model(x).argmax(1)
    augment = fgsm_augment(model, 0.1, clip=(0.0, 1.0), fraction=0.5, generator=torch.Generator().manual_seed(3))
    out = augment(x)
    chosen = torch.rand(200, generator=torch.Generator().manual_seed(3)) < 0.5
    assert torch.equal(out[~chosen], x[~chosen])
    assert torch.allclose(out[chosen], _fgsm_by_hand(model, x[chosen], guess[chosen], 0.1), atol=1e-6)
    assert 60 < int(chosen.sum()) < 140
    assert not torch.equal(out, x)


def test_fgsm_augment_fraction_zero_and_one():
    model, (x, _) = _model().eval(), _data()
    assert torch.equal(fgsm_augment(model, 0.1, clip=(0.0, 1.0), fraction=0.0)(x), x)
    out = fgsm_augment(model, 0.1, clip=(0.0, 1.0), fraction=1.0)(x)
    assert ((out - x).abs() > 0).float().mean() > 0.5


def test_fgsm_augment_keeps_the_model_training_and_its_gradients():
    model, (x, y) = _model().train(), _data()
    F.cross_entropy(model(x), y).backward()
    grads = [p.grad.clone() for p in model.parameters()]
    fgsm_augment(model, 0.1, clip=(0.0, 1.0), fraction=1.0)(x)
    assert model.training
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, model.parameters()))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"epsilon": -1.0}, ValueError, "epsilon"),
    ({"epsilon": "big"}, TypeError, "epsilon"),
    ({"fraction": 1.5}, ValueError, "fraction"),
    ({"clip": (1.0, 0.0)}, ValueError, "clip"),
    ({"clip": 1.0}, TypeError, "clip"),
    ({"generator": 3}, TypeError, "generator"),
])
def test_fgsm_augment_checks_its_arguments_when_built(kwargs, error, match):
    args = {"epsilon": 0.1, "clip": (0.0, 1.0)} | kwargs
    with pytest.raises(error, match=match):
        fgsm_augment(_model(), args.pop("epsilon"), **args)


def test_balanced_subset_draws_per_class_of_every_class():
    y = torch.tensor([0, 1, 2] * 20 + [2] * 5)
    idx = balanced_subset(y, 7, generator=torch.Generator().manual_seed(0))
    assert idx.shape == (21,)
    assert len(set(idx.tolist())) == 21
    assert torch.bincount(y[idx]).tolist() == [7, 7, 7]
    again = balanced_subset(y, 7, generator=torch.Generator().manual_seed(0))
    assert torch.equal(idx, again)
    assert not torch.equal(y[idx], y[idx].sort().values)  # classes shuffled together


def test_balanced_subset_errors():
    y = torch.tensor([0, 0, 1])
    with pytest.raises(ValueError, match="class 1 has only 1"):
        balanced_subset(y, 2)
    with pytest.raises(TypeError, match="y: expected"):
        balanced_subset(y.float(), 1)
    with pytest.raises(ValueError, match="per_class"):
        balanced_subset(y, 0)


def test_embed_matches_a_direct_forward_pass_in_eval_mode():
    model, (x, _) = _model().train(), _data(n=25)
    extractor = model[:3]
    for _ in range(3):  # give batch norm running statistics that differ from batch statistics
        extractor(torch.rand(16, 1, 8, 8) * 3)
    features = embed(extractor, x, batch_size=4)
    assert extractor.training
    extractor.eval()
    with torch.no_grad():
        expected = extractor(x).flatten(1)
    assert features.shape == (25, 3 * 6 * 6)
    assert torch.allclose(features, expected, atol=1e-6)
    assert not features.requires_grad


def test_embed_errors():
    with pytest.raises(ValueError, match="x: expected"):
        embed(_model(), torch.zeros(3, dtype=torch.int64))
    with pytest.raises(TypeError, match="extractor|model"):
        embed(lambda x: x, torch.zeros(2, 1, 8, 8))
