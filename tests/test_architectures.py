"""Tests for helpers.architectures: shapes, parameter counts by formula versus by code, block behaviour."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from helpers.architectures import (
    ConvBNReLU,
    DenseBlock,
    GlobalAvgPool,
    InceptionBlock,
    ResidualBlock,
    Transition,
    VGGBlock,
    batchnorm_params,
    conv_params,
    dense_block_params,
    inception_block_params,
    lenet5,
    linear_params,
    mini_densenet,
    mini_inception,
    mini_resnet,
    mini_vgg,
    residual_block_params,
    vgg_block_params,
)
from helpers.models import count_parameters


def _x(n: int = 2, c: int = 8, h: int = 14, w: int = 14) -> torch.Tensor:
    return torch.randn(n, c, h, w, generator=torch.Generator().manual_seed(0))


# ----------------------------------------------------------------------------- formulas vs torch layers


@pytest.mark.parametrize("cin,cout,k,bias", [(1, 32, 3, True), (32, 64, 3, False), (64, 16, 1, True), (3, 96, 11, True)])
def test_conv_formula_matches_torch(cin, cout, k, bias):
    assert conv_params(cin, cout, k, bias=bias) == count_parameters(nn.Conv2d(cin, cout, k, bias=bias))


def test_batchnorm_and_linear_formulas_match_torch():
    assert batchnorm_params(48) == count_parameters(nn.BatchNorm2d(48))
    assert linear_params(784, 512) == count_parameters(nn.Linear(784, 512)) == 401_920
    assert linear_params(10, 3, bias=False) == count_parameters(nn.Linear(10, 3, bias=False))


def test_two_3x3_convs_cost_less_than_one_5x5():
    c = 64
    assert 2 * conv_params(c, c, 3, bias=False) < conv_params(c, c, 5, bias=False)


# ----------------------------------------------------------------------------- blocks: shapes and counts


@pytest.mark.parametrize("k,stride", [(1, 1), (3, 1), (5, 1), (3, 2)])
def test_conv_bn_relu_shape_and_count(k, stride):
    block = ConvBNReLU(8, 12, k, stride=stride)
    out = block(_x())
    assert out.shape == (2, 12, 14 // stride, 14 // stride)
    assert (out >= 0).all()
    assert count_parameters(block) == conv_params(8, 12, k, bias=False) + batchnorm_params(12)


@pytest.mark.parametrize("n_convs", [1, 2, 3])
def test_vgg_block(n_convs):
    block = VGGBlock(8, 16, n_convs)
    assert block(_x()).shape == (2, 16, 7, 7)
    assert count_parameters(block) == vgg_block_params(8, 16, n_convs)


def test_inception_block():
    block = InceptionBlock(8, c1=4, c3_reduce=6, c3=8, c5_reduce=2, c5=4, pool_proj=3)
    out = block(_x())
    assert out.shape == (2, 4 + 8 + 4 + 3, 14, 14) and block.out_channels == 19
    assert count_parameters(block) == inception_block_params(8, 4, 6, 8, 2, 4, 3)


def test_inception_branches_are_concatenated_in_order():
    block = InceptionBlock(8, c1=4, c3_reduce=6, c3=8, c5_reduce=2, c5=4, pool_proj=3).eval()
    x = _x()
    out = block(x)
    torch.testing.assert_close(out[:, :4], block.branch1(x))
    torch.testing.assert_close(out[:, 16:], block.branch_pool(x))


@pytest.mark.parametrize("cin,cout,stride,projection", [(8, 8, 1, False), (8, 16, 1, True), (8, 16, 2, True), (8, 8, 2, True)])
def test_residual_block(cin, cout, stride, projection):
    block = ResidualBlock(cin, cout, stride)
    assert block(_x(c=cin)).shape == (2, cout, 14 // stride, 14 // stride)
    assert count_parameters(block) == residual_block_params(cin, cout, stride)
    assert isinstance(block.shortcut, nn.Identity) != projection


@pytest.mark.parametrize("train_mode", [True, False])
def test_residual_block_with_zeroed_weights_passes_the_input_through(train_mode):
    block = ResidualBlock(8, 8).train(train_mode)
    with torch.no_grad():
        for m in block.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.zero_()
    x = _x()
    torch.testing.assert_close(block(x), torch.relu(x))
    x_pos = torch.relu(x)  # after a ReLU (as inside a network) it is exactly the identity
    torch.testing.assert_close(block(x_pos), x_pos)


def test_residual_block_with_zero_gamma_is_identity_even_with_random_convs():
    block = ResidualBlock(8, 8).eval()
    with torch.no_grad():
        block.bn2.weight.zero_()
    x = torch.relu(_x())
    torch.testing.assert_close(block(x), x)


def test_residual_block_differs_from_plain_stack():
    # the shortcut matters: removing it changes the output
    block = ResidualBlock(8, 8).eval()
    x = torch.relu(_x())
    plain = torch.relu(block.bn2(block.conv2(block.conv1(x))))
    assert (block(x) - plain).abs().max().item() > 0.1


@pytest.mark.parametrize("cin,growth,layers", [(8, 4, 1), (8, 4, 3), (16, 12, 4)])
def test_dense_block(cin, growth, layers):
    block = DenseBlock(cin, growth, layers)
    x = _x(c=cin)
    out = block(x)
    assert out.shape == (2, cin + layers * growth, 14, 14) and block.out_channels == cin + layers * growth
    torch.testing.assert_close(out[:, :cin], x)  # the input is carried through unchanged
    assert count_parameters(block) == dense_block_params(cin, growth, layers)


def test_transition_halves_size_and_uses_a_1x1_conv():
    block = Transition(20, 10)
    assert block(_x(c=20)).shape == (2, 10, 7, 7)
    assert count_parameters(block) == batchnorm_params(20) + conv_params(20, 10, 1, bias=False)


def test_global_average_pool_matches_adaptive_pool():
    x = _x()
    torch.testing.assert_close(GlobalAvgPool()(x), nn.AdaptiveAvgPool2d(1)(x).flatten(1))
    assert count_parameters(GlobalAvgPool()) == 0
    with pytest.raises(ValueError, match="x"):
        GlobalAvgPool()(torch.zeros(2, 3))


# ----------------------------------------------------------------------------- small networks


def test_lenet5_parameter_count_by_formula():
    expected = (
        conv_params(1, 6, 5) + conv_params(6, 16, 5)
        + linear_params(400, 120) + linear_params(120, 84) + linear_params(84, 10)
    )
    assert count_parameters(lenet5()) == expected == 61_706


@pytest.mark.parametrize("build", [lenet5, mini_vgg, mini_inception, mini_resnet, mini_densenet])
def test_small_networks_map_digits_to_logits(build):
    torch.manual_seed(0)
    model = build()
    out = model(torch.rand(3, 1, 28, 28))
    assert out.shape == (3, 10) and torch.isfinite(out).all()
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_small_networks_learn_a_batch():
    # a few steps on one batch must lower the loss: the blocks are wired so gradients flow
    torch.manual_seed(0)
    x, y = torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))
    for build in (mini_resnet, mini_densenet):
        model = build()
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        first = nn.functional.cross_entropy(model(x), y).item()
        for _ in range(15):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        assert loss.item() < 0.5 * first


@pytest.mark.parametrize(
    "call",
    [
        lambda: ConvBNReLU(8, 8, 4),
        lambda: ConvBNReLU(0, 8, 3),
        lambda: VGGBlock(8, 8, 0),
        lambda: DenseBlock(8, 0, 2),
        lambda: DenseBlock(8, 4, 0),
    ],
)
def test_bad_sizes_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


# --------------------------------------------------------------------------- bad input to the formulas
_FORMULAS = {
    "conv_params": (conv_params, (3, 16, 3), ("in_channels", "out_channels", "kernel_size")),
    "batchnorm_params": (batchnorm_params, (16,), ("channels",)),
    "linear_params": (linear_params, (784, 10), ("in_features", "out_features")),
    "vgg_block_params": (vgg_block_params, (1, 8, 2), ("in_channels", "out_channels", "n_convs")),
    "inception_block_params": (inception_block_params, (8, 4, 4, 8, 2, 4, 4),
                               ("in_channels", "c1", "c3_reduce", "c3", "c5_reduce", "c5", "pool_proj")),
    "residual_block_params": (residual_block_params, (8, 16, 2), ("in_channels", "out_channels", "stride")),
    "dense_block_params": (dense_block_params, (8, 4, 3), ("in_channels", "growth_rate", "n_layers")),
}
_CASES = [(f, i, bad, err) for f, (_, args, names) in _FORMULAS.items() for i in range(len(names))
          for bad, err in (("16", TypeError), (2.0, TypeError), (True, TypeError), (0, ValueError), (-4, ValueError))]


@pytest.mark.parametrize("formula, position, bad, error", _CASES)
def test_parameter_formulas_take_only_positive_ints(formula, position, bad, error):
    function, args, names = _FORMULAS[formula]
    function(*args)  # the good arguments work
    args = list(args)
    args[position] = bad
    with pytest.raises(error, match=rf"^{names[position]}: expected a positive int"):
        function(*args)


def test_conv_params_string_is_not_repeated():
    with pytest.raises(TypeError, match="out_channels"):
        conv_params(3, "16", 3)


def test_bias_must_be_a_bool():
    with pytest.raises(TypeError, match="bias"):
        conv_params(3, 16, 3, bias=1)
    with pytest.raises(TypeError, match="bias"):
        linear_params(3, 16, bias="no")


@pytest.mark.parametrize("build, name", [(lambda: lenet5(0), "num_classes"), (lambda: mini_vgg(width=0), "width"),
                                         (lambda: mini_inception(width=2), "width"),
                                         (lambda: mini_resnet(num_classes=2.5), "num_classes"),
                                         (lambda: mini_densenet(growth_rate=True), "growth_rate")])
def test_small_networks_check_their_sizes(build, name):
    with pytest.raises((TypeError, ValueError), match=name):
        build()
