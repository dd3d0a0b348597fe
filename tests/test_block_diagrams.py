"""Lesson 12's block diagrams and forward sources."""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from helpers.architectures import ConvBNReLU, DenseLayer, InceptionBlock, ResidualBlock, VGGBlock  # noqa: E402
from helpers.block_diagrams import BLOCKS, _diagrams, draw_block, forward_source  # noqa: E402


@pytest.mark.parametrize("name", BLOCKS)
def test_every_block_draws_each_layer_once_and_each_connection(name):
    diagram = _diagrams()[name]
    ax = draw_block(name)
    texts = [t.get_text() for t in ax.texts]
    assert sorted(texts) == sorted(label for _, _, label, _ in diagram.nodes.values())
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(diagram.edges)
    assert ax.get_title()
    # Every arrow joins two drawn boxes, and every box but the input has an arrow in.
    targets = {b for _, b, _ in diagram.edges}
    assert set(diagram.nodes) - targets == {next(iter(diagram.nodes))}
    plt.close(ax.figure)


def test_the_residual_and_dense_diagrams_show_their_shortcuts():
    residual = _diagrams()["residual"]
    assert ("in", "add", -0.6) in residual.edges       # the shortcut around F
    dense = _diagrams()["dense"]
    assert sum(1 for _, _, bend in dense.edges if bend) == 2   # earlier maps reach every join


def test_draws_into_a_given_axes():
    fig, ax = plt.subplots()
    assert draw_block("vgg", ax=ax) is ax
    plt.close(fig)


def test_bad_names_are_rejected():
    with pytest.raises(ValueError, match="name: expected one of"):
        draw_block("resnet")
    with pytest.raises(ValueError, match="name"):
        draw_block(3)


def test_forward_source_is_the_code_that_runs():
    assert forward_source(ResidualBlock) == inspect.getsource(ResidualBlock.forward)
    assert "def forward" in forward_source(InceptionBlock)
    assert "def forward" in forward_source(DenseLayer)
    vgg = forward_source(VGGBlock)
    assert "nn.Sequential" in vgg and "def __init__" in vgg
    assert "def __init__" in forward_source(ConvBNReLU)
    with pytest.raises(TypeError, match="block: expected an nn.Module class"):
        forward_source(ResidualBlock(8, 8))
    with pytest.raises(TypeError, match="block"):
        forward_source("ResidualBlock")
