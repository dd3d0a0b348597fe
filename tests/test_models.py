"""Tests for helpers.models: shapes, parameter counts by formula, recipe validation."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from helpers.models import (
    FASHION_RECIPE,
    FlipAveraged,
    MNIST_RECIPE,
    CourseCNN,
    Recipe,
    TutorialCNN,
    build_mlp,
    count_parameters,
)


def conv_params(c_in: int, c_out: int, k: int) -> int:
    return c_out * (c_in * k * k + 1)


def dense_params(n_in: int, n_out: int) -> int:
    return n_out * (n_in + 1)


@pytest.mark.parametrize("model_fn", [TutorialCNN, CourseCNN, build_mlp,
                                      MNIST_RECIPE.build_model, FASHION_RECIPE.build_model])
def test_networks_map_digits_to_ten_logits(model_fn):
    torch.manual_seed(0)
    model = model_fn()
    out = model(torch.randn(3, 1, 28, 28))
    assert out.shape == (3, 10)
    assert torch.isfinite(out).all()


def test_tutorial_cnn_parameter_count_matches_formula():
    expected = conv_params(1, 32, 3) + dense_params(32 * 13 * 13, 100) + dense_params(100, 10)
    assert count_parameters(TutorialCNN()) == expected == 542_230


def test_course_cnn_parameter_count_matches_formula():
    c1, c2, hidden = 16, 32, 100
    expected = (conv_params(1, c1, 5) + 2 * c1 + conv_params(c1, c2, 5) + 2 * c2
                + dense_params(c2 * 16, hidden) + dense_params(hidden, 10))
    assert count_parameters(CourseCNN(channels=(c1, c2), hidden=hidden)) == expected


def test_mlp_is_the_classic_784_512_512_10():
    mlp = build_mlp()
    linears = [m for m in mlp if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 512), (512, 512), (512, 10)]
    assert count_parameters(mlp) == dense_params(784, 512) + dense_params(512, 512) + dense_params(512, 10)


def test_count_parameters_skips_frozen_and_buffers():
    model = CourseCNN()
    total = count_parameters(model)
    model.features[0].weight.requires_grad_(False)
    frozen = model.features[0].weight.numel()
    assert count_parameters(model) == total - frozen
    assert count_parameters(model, trainable_only=False) == total
    # Batch-norm running statistics are buffers, never counted.
    assert total == sum(p.numel() for p in CourseCNN().parameters())


def test_count_parameters_rejects_non_modules():
    with pytest.raises(TypeError, match="model"):
        count_parameters([torch.zeros(3)])


def test_course_cnn_validates_arguments():
    with pytest.raises(ValueError, match="channels"):
        CourseCNN(channels=(16,))
    with pytest.raises(ValueError, match="dropout"):
        CourseCNN(dropout=1.0)
    with pytest.raises(ValueError, match="num_classes"):
        TutorialCNN(num_classes=1)
    with pytest.raises(ValueError, match="hidden"):
        build_mlp(hidden=(0,))


@pytest.mark.parametrize("recipe", [MNIST_RECIPE, FASHION_RECIPE])
def test_recipes_build_a_one_cycle_schedule_over_all_batches(recipe):
    model = recipe.build_model()
    opt = recipe.build_optimizer(model)
    steps_per_epoch = 7
    sched = recipe.build_scheduler(opt, steps_per_epoch)
    assert recipe.scheduler_interval == "batch"
    lrs = []
    for _ in range(recipe.epochs * steps_per_epoch):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    peak = max(lrs)
    # Warm up from low, peak in the first half, end far below the peak.
    assert lrs[0] < peak / 5
    assert lrs.index(peak) < len(lrs) / 2
    assert lrs[-1] < peak / 100


def test_recipe_validates_fields():
    with pytest.raises(ValueError, match="scheduler_interval"):
        dataclasses.replace(MNIST_RECIPE, scheduler_interval="step")
    with pytest.raises(ValueError, match="mean and std"):
        dataclasses.replace(MNIST_RECIPE, std=None)
    with pytest.raises(ValueError, match="epochs"):
        dataclasses.replace(MNIST_RECIPE, epochs=0)
    assert isinstance(MNIST_RECIPE, Recipe)
    with pytest.raises(dataclasses.FrozenInstanceError):
        MNIST_RECIPE.epochs = 5  # type: ignore[misc]


def test_standardization_constants_match_the_training_split():
    from helpers.data import load_fashion_mnist, load_mnist

    for recipe, loader in ((MNIST_RECIPE, load_mnist), (FASHION_RECIPE, load_fashion_mnist)):
        x = loader("train")[0].astype("float64") / 255.0
        assert recipe.mean == pytest.approx(x.mean(), abs=5e-4)
        assert recipe.std == pytest.approx(x.std(), abs=5e-4)


def test_train_recipe_runs_the_whole_schedule_and_learns():
    from helpers.models import adamw, one_cycle
    from helpers.training import train_recipe

    torch.manual_seed(0)
    x = torch.randn(512, 1, 28, 28)
    y = (x.flatten(1)[:, :10].argmax(dim=1))  # learnable: the largest of the first ten pixels
    holder = {}

    def build_optimizer(model):
        holder["opt"] = adamw(lr=0.01, weight_decay=0.0)(model)
        return holder["opt"]

    recipe = Recipe(name="tiny", build_model=lambda: build_mlp((64,)), build_optimizer=build_optimizer,
                    build_scheduler=one_cycle(max_lr=0.01, epochs=3), scheduler_interval="batch",
                    batch_size=64, epochs=3, mean=None, std=None)
    model, history = train_recipe(recipe, (x, y), (x, y), progress=False, device="cpu")
    assert history.epochs == [1, 2, 3]
    assert holder["opt"].param_groups[0]["lr"] < 0.01 / 100  # annealed to the end of the cycle
    assert history.train_loss[-1] < history.train_loss[0]  # it learned something
    assert history.val_acc[-1] > 0.5  # far above chance (0.1)
    with pytest.raises(TypeError, match="recipe"):
        train_recipe("MNIST", (x, y))


def test_course_cnn_pools_before_batch_norm_and_relu():
    """Each block is conv -> max pool -> batch norm -> ReLU (lesson 09), and the pooling-first
    order it rests on holds: max pooling and ReLU commute exactly."""
    kinds = [type(m).__name__ for m in CourseCNN().features]
    assert kinds == ["Conv2d", "MaxPool2d", "BatchNorm2d", "ReLU"] * 2
    plain = [type(m).__name__ for m in CourseCNN(batch_norm=False).features]
    assert plain == ["Conv2d", "MaxPool2d", "Identity", "ReLU"] * 2
    maps = torch.randn(8, 16, 24, 24, generator=torch.Generator().manual_seed(0))
    pool, relu = torch.nn.MaxPool2d(2), torch.nn.ReLU()
    assert torch.equal(pool(relu(maps)), relu(pool(maps)))
    # the last convolution gives the 8 x 8 maps lesson 13's Grad-CAM reads
    shapes = {}
    model = CourseCNN().eval()
    hook = model.features[4].register_forward_hook(lambda m, i, out: shapes.update(conv=tuple(out.shape)))
    with torch.no_grad():
        model(torch.zeros(2, 1, 28, 28))
    hook.remove()
    assert shapes["conv"] == (2, 32, 8, 8)
    with pytest.raises(TypeError, match="batch_norm"):
        CourseCNN(batch_norm="no")


def test_flip_averaged_scores_each_image_and_its_mirror_in_eval_mode_only():
    torch.manual_seed(0)
    net = CourseCNN(channels=(16, 48))
    model = FlipAveraged(net)
    x = torch.randn(4, 1, 28, 28)
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(x), (net(x) + net(x.flip(-1))) / 2)
        mirror_symmetric = model(x.flip(-1))
    torch.testing.assert_close(mirror_symmetric, model(x))  # a mirror image gets the same scores
    model.train()
    torch.manual_seed(1)
    a = model(x)
    torch.manual_seed(1)
    torch.testing.assert_close(a, net(x))  # training sees the plain network (same dropout draw)
    assert count_parameters(model) == count_parameters(net)
    with pytest.raises(TypeError, match="net"):
        FlipAveraged("net")


def test_the_fashion_recipe_trains_on_mirrored_garments(monkeypatch):
    from helpers import training

    seen = {}
    monkeypatch.setattr(training, "fit", lambda *a, **k: seen.update(k) or "history")
    x, y = torch.zeros(8, 1, 28, 28), torch.zeros(8, dtype=torch.int64)
    model, _ = training.train_recipe(FASHION_RECIPE, (x, y), None, progress=False)
    assert seen["augment"] is FASHION_RECIPE.augment is not None
    assert isinstance(model, FlipAveraged)
    training.train_recipe(FASHION_RECIPE, (x, y), None, augment=None)
    assert seen["augment"] is None  # an explicit augment= wins
