"""Exercises for lesson 12 (Landmark architectures).

q1: the parameters of VGG's first block (two stacked 3 × 3 convolutions on a colour photo), by formula.
q3: the channels that come out of a dense block (DenseNet's idea).
q2: global average pooling written by hand, checked against PyTorch.
Expected answers are computed from the layers themselves, never typed in.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from helpers.architectures import DenseBlock
from helpers.exercises.core import (Exercise, Result, _describe, as_count, check_array, check_scalar,
                                    failed, passed)


def _whole_number(answer: Any, name: str) -> int | Result:
    value = as_count(answer)  # int, numpy and torch integers, 0-d arrays, 73856.0
    if value is None:
        return failed(f"`{name}` should be a whole number, got {_describe(answer)}.")
    return value


# q1: two stacked 3 x 3 convolutions ------------------------------------------------------


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _check_q1(answer: Any) -> Result:
    got = _whole_number(answer, "n_params")
    if isinstance(got, Result):
        return got
    stack = nn.Sequential(nn.Conv2d(3, 64, 3), nn.Conv2d(64, 64, 3))  # VGG's first block, on a colour photo
    expected = _count(stack)
    mistakes = {
        _count(nn.Conv2d(64, 64, 3)): "that is the second layer alone; add the first, 3 → 64.",
        _count(nn.Conv2d(3, 64, 3)): "that is the first layer alone; add the second, 64 → 64.",
        3 * 64 * 9 + 64 * 64 * 9: "that leaves out the biases: each layer has one per output channel.",
        2 * _count(nn.Conv2d(64, 64, 3)): "that counts both layers as 64 → 64 (the stack the cells above "
                                          "printed); the first layer sees only the 3 colour channels.",
        2 * _count(nn.Conv2d(3, 64, 3)): "that counts both layers as 3 → 64; the second sees the 64 maps "
                                         "the first made.",
        64 * (3 * 3 + 1) + 64 * (3 * 3 + 1): "each output channel has its own 3 × 3 kernel for every input "
                                             "channel: multiply by the number of input channels too.",
    }
    if got in mistakes and got != expected:
        return failed(f"`n_params` should be {expected:,}, got {got:,}: {mistakes[got]}")
    result = check_scalar(got, expected, name="n_params")
    if result.status == "passed":
        return passed(f"Correct: {expected:,} parameters, {_count(nn.Conv2d(3, 64, 3)):,} in the first layer and "
                      f"{_count(nn.Conv2d(64, 64, 3)):,} in the second: the layer that sees 64 channels holds "
                      "almost all of them.")
    return result


q1 = Exercise(
    name="q1",
    title="Parameters of VGG's first block: 3 × 3 convolutions 3 → 64 → 64",
    checker=_check_q1,
    hints=[
        "One k × k convolution from C_in to C_out channels has C_out × (C_in × k × k + 1) parameters "
        "(the + 1 is the bias). The two layers have different C_in.",
        "First layer: 64 × (3 × 3 × 3 + 1). Second layer: 64 × (64 × 3 × 3 + 1). Add them.",
    ],
    solution="n_params = 64 * (3 * 3 * 3 + 1) + 64 * (64 * 3 * 3 + 1)",
    answer_names=["n_params"],
    kind="prediction",
)


# q3: channels out of a dense block -------------------------------------------------------


def _check_q3(answer: Any) -> Result:
    got = _whole_number(answer, "out_channels")
    if isinstance(got, Result):
        return got
    block = DenseBlock(24, growth_rate=12, n_layers=4)
    expected = block(torch.zeros(1, 24, 4, 4)).shape[1]
    if got == 12 * 4:
        return failed(f"`out_channels` should be {expected}, got {got}: that counts only the new maps. "
                      "A dense block keeps its input too and appends to it.")
    if got == 12:
        return failed(f"`out_channels` should be {expected}, got {got}: each layer adds 12 maps, and the "
                      "block keeps everything that came before.")
    if got == 24 + 12:
        return failed(f"`out_channels` should be {expected}, got {got}: that is after one layer; the block has four.")
    if got == 24:
        return failed(f"`out_channels` should be {expected}, got {got}: a residual block keeps the channel count, "
                      "a dense block concatenates new ones.")
    return check_scalar(got, expected, name="out_channels")


q3 = Exercise(
    name="q3",
    title="How many channels leave DenseBlock(24, growth_rate=12, n_layers=4)?",
    checker=_check_q3,
    hints=[
        "Each layer reads everything before it and appends `growth_rate` new feature maps.",
        "Start with 24 channels and add 12 for each of the 4 layers.",
    ],
    solution="out_channels = 24 + 4 * 12",
    answer_names=["out_channels"],
    kind="prediction",
)


# q2: global average pooling by hand -----------------------------------------------------


def _check_q2(answer: Any) -> Result:
    x = torch.randn(3, 5, 4, 6, generator=torch.Generator().manual_seed(11))
    expected = nn.AdaptiveAvgPool2d(1)(x).flatten(1)
    try:
        got = answer(x.clone())
    except Exception as exc:  # noqa: BLE001 - the student's error becomes a message
        return failed(f"`global_avg_pool(x)` with x of shape (3, 5, 4, 6) raised {type(exc).__name__}: {exc}")
    if got is None:
        return failed("`global_avg_pool` returned None: did you forget `return`?")
    if not isinstance(got, torch.Tensor):
        return failed(f"`global_avg_pool` should return a tensor, got {type(got).__name__}.")
    if tuple(got.shape) == (3, 5, 1, 1):
        return failed("The values have shape (3, 5, 1, 1): drop the two size-1 axes (e.g. `.flatten(1)`, or "
                      "`mean` without `keepdim=True`) so each image gives a vector of 5 numbers.")
    if tuple(got.shape) == (3, 4, 6):
        return failed("That averaged over the channels (axis 1). Average over height and width, axes 2 and 3, "
                      "so that each channel gives one number.")
    if tuple(got.shape) == (3, 5, 4) or tuple(got.shape) == (3, 5, 6):
        return failed("That averaged over only one spatial axis: average over both height and width (axes 2 and 3).")
    if got.shape == expected.shape and torch.allclose(got, x.amax(dim=(2, 3)), atol=1e-5):
        return failed("That is global *max* pooling: take the mean of each feature map instead.")
    if got.shape == expected.shape and torch.allclose(got, x.sum(dim=(2, 3)), atol=1e-4):
        return failed("That is the sum of each feature map: divide by the number of positions (H × W), "
                      "or use `mean`.")
    return check_array(got, expected, name="global_avg_pool(x)", atol=1e-5)


q2 = Exercise(
    name="q2",
    title="Write global_avg_pool(x): (N, C, H, W) -> (N, C)",
    checker=_check_q2,
    hints=[
        "Each of the C feature maps becomes one number: its average over all H × W positions.",
        "`x.mean(dim=(2, 3))` averages over axes 2 (height) and 3 (width).",
    ],
    solution='''def global_avg_pool(x):
    return x.mean(dim=(2, 3))''',
    answer_names=["global_avg_pool"],
    signature="global_avg_pool(x)",
)
