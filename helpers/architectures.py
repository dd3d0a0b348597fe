"""The building blocks of landmark CNN architectures, at the size of a 28 × 28 image.

Lesson 12 meets each block, counts its parameters by formula (the ``*_params``
functions) and by code (``helpers.models.count_parameters``), and races
small networks built from them on Fashion-MNIST.

Blocks (all take and return ``(N, C, H, W)`` tensors):

- :class:`ConvBNReLU`: convolution, batch normalization, ReLU; with ``kernel_size=1``
  it is the 1 × 1 "bottleneck" that mixes channels without looking at neighbours.
- :class:`VGGBlock` (VGG, 2014): a stack of 3 × 3 convolutions, then 2 × 2 max pooling.
- :class:`InceptionBlock` (GoogLeNet, 2014): 1 × 1, 3 × 3, 5 × 5 and pooling branches
  side by side, concatenated along the channels.
- :class:`ResidualBlock` (ResNet, 2015): two 3 × 3 convolutions plus a shortcut,
  ``out = relu(F(x) + x)``.
- :class:`DenseBlock` and :class:`Transition` (DenseNet, 2016): every layer sees the
  concatenated outputs of all layers before it.
- :class:`GlobalAvgPool`: one number per channel, the mean over the whole map.

Small networks for 1 × 28 × 28 inputs and 10 classes: :func:`lenet5`, :func:`mini_vgg`,
:func:`mini_inception`, :func:`mini_resnet`, :func:`mini_densenet`.

Convolutions followed by batch normalization have no bias: batch normalization
subtracts the mean, which would cancel a bias, and adds its own shift (``beta``).
"""

from __future__ import annotations

import torch
from torch import nn

from helpers.validate import positive_int

__all__ = [
    "ConvBNReLU",
    "DenseBlock",
    "DenseLayer",
    "GlobalAvgPool",
    "InceptionBlock",
    "ResidualBlock",
    "Transition",
    "VGGBlock",
    "batchnorm_params",
    "conv_params",
    "dense_block_params",
    "inception_block_params",
    "lenet5",
    "linear_params",
    "mini_densenet",
    "mini_inception",
    "mini_resnet",
    "mini_vgg",
    "residual_block_params",
    "vgg_block_params",
]


def _positive_int(name: str, value: object) -> int:
    return positive_int(name, value)


def _check_bias(bias: object) -> bool:
    if not isinstance(bias, bool):
        raise TypeError(f"bias: expected True or False, got {type(bias).__name__}")
    return bias


# --------------------------------------------------------------------------- #
# Parameter counts by formula
# --------------------------------------------------------------------------- #
def conv_params(in_channels: int, out_channels: int, kernel_size: int, *, bias: bool = True) -> int:
    """A k × k convolution has one k × k × C_in kernel per output channel (plus one bias each).

    ``C_out * (C_in * k * k + 1)`` with a bias, ``C_out * C_in * k * k`` without.
    """
    in_channels = _positive_int("in_channels", in_channels)
    out_channels = _positive_int("out_channels", out_channels)
    kernel_size = _positive_int("kernel_size", kernel_size)
    bias = _check_bias(bias)
    return out_channels * (in_channels * kernel_size * kernel_size + int(bias))


def batchnorm_params(channels: int) -> int:
    """Batch normalization learns a scale (gamma) and a shift (beta) per channel: ``2 * C``."""
    channels = _positive_int("channels", channels)
    return 2 * channels


def linear_params(in_features: int, out_features: int, *, bias: bool = True) -> int:
    """A fully connected layer: ``out * (in + 1)`` with a bias."""
    in_features = _positive_int("in_features", in_features)
    out_features = _positive_int("out_features", out_features)
    bias = _check_bias(bias)
    return out_features * (in_features + int(bias))


def _conv_bn(in_channels: int, out_channels: int, kernel_size: int) -> int:
    return conv_params(in_channels, out_channels, kernel_size, bias=False) + batchnorm_params(out_channels)


def vgg_block_params(in_channels: int, out_channels: int, n_convs: int = 2) -> int:
    """``n_convs`` 3 × 3 convolutions (each with batch norm); pooling has no parameters."""
    n_convs = _positive_int("n_convs", n_convs)
    first = _conv_bn(in_channels, out_channels, 3)
    return first + (n_convs - 1) * _conv_bn(out_channels, out_channels, 3)


def inception_block_params(
    in_channels: int, c1: int, c3_reduce: int, c3: int, c5_reduce: int, c5: int, pool_proj: int
) -> int:
    """The four branches of :class:`InceptionBlock`, each convolution with batch norm."""
    for name, value in (("in_channels", in_channels), ("c1", c1), ("c3_reduce", c3_reduce), ("c3", c3),
                        ("c5_reduce", c5_reduce), ("c5", c5), ("pool_proj", pool_proj)):
        _positive_int(name, value)
    return (
        _conv_bn(in_channels, c1, 1)
        + _conv_bn(in_channels, c3_reduce, 1)
        + _conv_bn(c3_reduce, c3, 3)
        + _conv_bn(in_channels, c5_reduce, 1)
        + _conv_bn(c5_reduce, c5, 5)
        + _conv_bn(in_channels, pool_proj, 1)
    )


def residual_block_params(in_channels: int, out_channels: int, stride: int = 1) -> int:
    """Two 3 × 3 convolutions with batch norm, plus a 1 × 1 projection when the shape changes."""
    stride = _positive_int("stride", stride)
    main = _conv_bn(in_channels, out_channels, 3) + _conv_bn(out_channels, out_channels, 3)
    projection = _conv_bn(in_channels, out_channels, 1) if (stride != 1 or in_channels != out_channels) else 0
    return main + projection


def dense_block_params(in_channels: int, growth_rate: int, n_layers: int) -> int:
    """Layer ``i`` sees ``in + i * growth`` channels: batch norm on them, then a 3 × 3 convolution."""
    in_channels = _positive_int("in_channels", in_channels)
    growth_rate = _positive_int("growth_rate", growth_rate)
    n_layers = _positive_int("n_layers", n_layers)
    total = 0
    for i in range(n_layers):
        c = in_channels + i * growth_rate
        total += batchnorm_params(c) + conv_params(c, growth_rate, 3, bias=False)
    return total


# --------------------------------------------------------------------------- #
# Blocks
# --------------------------------------------------------------------------- #
class ConvBNReLU(nn.Sequential):
    """Convolution (no bias, 'same' padding), batch normalization, ReLU.

    x: (N, in_channels, H, W) -> (N, out_channels, H / stride, W / stride).
    With ``kernel_size=1`` this is the 1 × 1 bottleneck: a per-pixel linear mix of channels.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1) -> None:
        _positive_int("in_channels", in_channels)
        _positive_int("out_channels", out_channels)
        if _positive_int("kernel_size", kernel_size) % 2 == 0:
            raise ValueError(f"kernel_size: expected an odd size so 'same' padding is symmetric, got {kernel_size}")
        _positive_int("stride", stride)
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )


class VGGBlock(nn.Sequential):
    """VGG's idea: only 3 × 3 convolutions, stacked; then halve the size with 2 × 2 max pooling.

    Two stacked 3 × 3 convolutions see a 5 × 5 window with fewer parameters than one
    5 × 5 convolution (2 · 9 C² versus 25 C²) and one more ReLU.
    x: (N, in_channels, H, W) -> (N, out_channels, H // 2, W // 2).
    """

    def __init__(self, in_channels: int, out_channels: int, n_convs: int = 2) -> None:
        _positive_int("n_convs", n_convs)
        layers: list[nn.Module] = [ConvBNReLU(in_channels, out_channels, 3)]
        layers += [ConvBNReLU(out_channels, out_channels, 3) for _ in range(n_convs - 1)]
        layers.append(nn.MaxPool2d(2))
        super().__init__(*layers)


class InceptionBlock(nn.Module):
    """GoogLeNet's idea: look at several window sizes at once and let training pick.

    Four branches, concatenated along the channel axis:
    1 × 1 (``c1``); 1 × 1 to ``c3_reduce`` then 3 × 3 (``c3``); 1 × 1 to ``c5_reduce``
    then 5 × 5 (``c5``); 3 × 3 max pooling (stride 1) then 1 × 1 (``pool_proj``).
    The 1 × 1 "reduce" convolutions shrink the channels before the costly large kernels.
    x: (N, in_channels, H, W) -> (N, c1 + c3 + c5 + pool_proj, H, W).
    """

    def __init__(
        self, in_channels: int, c1: int, c3_reduce: int, c3: int, c5_reduce: int, c5: int, pool_proj: int
    ) -> None:
        super().__init__()
        self.branch1 = ConvBNReLU(in_channels, c1, 1)
        self.branch3 = nn.Sequential(ConvBNReLU(in_channels, c3_reduce, 1), ConvBNReLU(c3_reduce, c3, 3))
        self.branch5 = nn.Sequential(ConvBNReLU(in_channels, c5_reduce, 1), ConvBNReLU(c5_reduce, c5, 5))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), ConvBNReLU(in_channels, pool_proj, 1))
        self.out_channels = c1 + c3 + c5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1(x), self.branch3(x), self.branch5(x), self.branch_pool(x))
        return torch.cat(branches, dim=1)


class ResidualBlock(nn.Module):
    """ResNet's idea: learn a correction ``F(x)`` and add it to ``x``: ``out = relu(F(x) + x)``.

    ``F`` is 3 × 3 conv, batch norm, ReLU, 3 × 3 conv, batch norm. If the block changes
    the channels or the size (``stride=2``), the shortcut is a 1 × 1 convolution with
    batch norm (a "projection"); otherwise it is ``x`` itself. With ``F`` zeroed the block
    passes ``relu(x)`` through unchanged, which is why very deep stacks still train.
    x: (N, in_channels, H, W) -> (N, out_channels, H / stride, W / stride).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = ConvBNReLU(in_channels, out_channels, 3, stride=stride)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut: nn.Module = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels)
            )
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        correction = self.bn2(self.conv2(self.conv1(x)))
        return torch.relu(correction + self.shortcut(x))


class DenseLayer(nn.Module):
    """One DenseNet layer: batch norm, ReLU, 3 × 3 convolution to ``growth_rate`` new channels.

    x: (N, C, H, W) -> (N, C + growth_rate, H, W): its input with the new maps appended.
    """

    def __init__(self, in_channels: int, growth_rate: int) -> None:
        super().__init__()
        _positive_int("in_channels", in_channels)
        _positive_int("growth_rate", growth_rate)
        self.bn = nn.BatchNorm2d(in_channels)
        self.conv = nn.Conv2d(in_channels, growth_rate, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        new = self.conv(torch.relu(self.bn(x)))
        return torch.cat((x, new), dim=1)


class DenseBlock(nn.Sequential):
    """DenseNet's idea: each layer reads every earlier feature map and adds a few new ones.

    x: (N, in_channels, H, W) -> (N, in_channels + n_layers * growth_rate, H, W).
    """

    def __init__(self, in_channels: int, growth_rate: int, n_layers: int) -> None:
        _positive_int("in_channels", in_channels)
        _positive_int("n_layers", n_layers)
        super().__init__(*[DenseLayer(in_channels + i * growth_rate, growth_rate) for i in range(n_layers)])
        self.out_channels = in_channels + n_layers * growth_rate


class Transition(nn.Sequential):
    """Between dense blocks: batch norm, ReLU, 1 × 1 convolution to fewer channels, 2 × 2 average pooling.

    x: (N, in_channels, H, W) -> (N, out_channels, H // 2, W // 2).
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        _positive_int("in_channels", in_channels)
        _positive_int("out_channels", out_channels)
        super().__init__(
            nn.BatchNorm2d(in_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            nn.AvgPool2d(2),
        )


class GlobalAvgPool(nn.Module):
    """Average each feature map to one number: x: (N, C, H, W) -> (N, C).

    It replaces the huge flatten-then-dense head of AlexNet and VGG (no parameters at
    all) and lets a network accept any input size.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4:
            raise ValueError(f"x: expected (N, C, H, W), got shape {tuple(x.shape)}")
        return x.mean(dim=(2, 3))


# --------------------------------------------------------------------------- #
# Small networks for 1 × 28 × 28 inputs
# --------------------------------------------------------------------------- #
def lenet5(num_classes: int = 10) -> nn.Sequential:
    """LeNet-5's layout (1998) with today's ReLU and max pooling.

    5 × 5 conv (6) -> pool -> 5 × 5 conv (16) -> pool -> dense 120 -> dense 84 -> classes.
    (N, 1, 28, 28) -> (N, num_classes) logits.
    """
    num_classes = _positive_int("num_classes", num_classes)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),  # 28 -> 14
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),  # 14 -> 10 -> 5
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, num_classes),
    )


def mini_vgg(num_classes: int = 10, width: int = 12) -> nn.Sequential:
    """Two VGG blocks (28 -> 14 -> 7), global average pooling, one dense layer."""
    num_classes, width = _positive_int("num_classes", num_classes), _positive_int("width", width)
    return nn.Sequential(
        VGGBlock(1, width, 2),
        VGGBlock(width, 2 * width, 2),
        GlobalAvgPool(),
        nn.Linear(2 * width, num_classes),
    )


def mini_inception(num_classes: int = 10, width: int = 16) -> nn.Sequential:
    """A stem convolution and pooling (28 -> 14), two inception blocks around a pooling (14 -> 7)."""
    num_classes = _positive_int("num_classes", num_classes)
    w = positive_int("width", width, minimum=4)  # the 5 × 5 branches get width // 4 channels
    first = InceptionBlock(w, c1=w // 2, c3_reduce=w // 2, c3=w, c5_reduce=w // 4, c5=w // 4, pool_proj=w // 4)
    c = first.out_channels
    second = InceptionBlock(c, c1=w, c3_reduce=w // 2, c3=w, c5_reduce=w // 4, c5=w // 2, pool_proj=w // 2)
    return nn.Sequential(
        ConvBNReLU(1, w, 3), nn.MaxPool2d(2),
        first, nn.MaxPool2d(2),
        second,
        GlobalAvgPool(),
        nn.Linear(second.out_channels, num_classes),
    )


def mini_resnet(num_classes: int = 10, width: int = 16) -> nn.Sequential:
    """A stem convolution and pooling (28 -> 14), residual blocks at 14 × 14 and 7 × 7."""
    num_classes, width = _positive_int("num_classes", num_classes), _positive_int("width", width)
    return nn.Sequential(
        ConvBNReLU(1, width, 3), nn.MaxPool2d(2),
        ResidualBlock(width, width),
        ResidualBlock(width, 2 * width, stride=2),
        ResidualBlock(2 * width, 2 * width),
        GlobalAvgPool(),
        nn.Linear(2 * width, num_classes),
    )


def mini_densenet(num_classes: int = 10, growth_rate: int = 8, n_layers: int = 3) -> nn.Sequential:
    """A stem convolution and pooling (28 -> 14), dense block, transition (14 -> 7), dense block."""
    num_classes = _positive_int("num_classes", num_classes)
    growth_rate, n_layers = _positive_int("growth_rate", growth_rate), _positive_int("n_layers", n_layers)
    stem = 2 * growth_rate
    block1 = DenseBlock(stem, growth_rate, n_layers)
    mid = block1.out_channels // 2
    block2 = DenseBlock(mid, growth_rate, n_layers)
    return nn.Sequential(
        ConvBNReLU(1, stem, 3), nn.MaxPool2d(2),
        block1,
        Transition(block1.out_channels, mid),
        block2,
        nn.BatchNorm2d(block2.out_channels), nn.ReLU(inplace=True),
        GlobalAvgPool(),
        nn.Linear(block2.out_channels, num_classes),
    )
