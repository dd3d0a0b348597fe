"""Exercises for lesson 09 (Training a CNN).

Expected values are computed from PyTorch layers built here, never typed in.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from helpers.exercises.core import (
    Exercise,
    Result,
    as_number,
    check_scalar,
    check_shape,
    failed,
)


def _params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


# q4: how fast a too-small initialization fades ---------------------------------------

# The layers asked about: 3×3 convolutions from 16 to 16 channels, weights drawn with std 0.01,
# zero biases, each followed by a ReLU.
_Q4_CHANNELS, _Q4_K, _Q4_STD = 16, 3, 0.01


def _q4_expected() -> float:
    """std(w) * sqrt(fan_in / 2), fan_in read from a real layer's weight tensor."""
    weight = nn.Conv2d(_Q4_CHANNELS, _Q4_CHANNELS, _Q4_K).weight
    fan_in = weight[0].numel()  # in_channels × k × k = 144
    return _Q4_STD * math.sqrt(fan_in / 2)


def _check_q4(answer: Any) -> Result:
    expected = _q4_expected()
    value = as_number(answer)
    fan_in = _Q4_CHANNELS * _Q4_K * _Q4_K
    known = {
        _Q4_STD: "The std of a sum of 144 products grows with the square root of how many there are.",
        _Q4_STD * math.sqrt(fan_in): "Right sum, but the ReLU sets about half the values to 0: divide fan_in by 2.",
        _Q4_STD * fan_in: "Independent random terms add their variances, not their standard deviations: take a square root.",
        _Q4_STD * math.sqrt(_Q4_K * _Q4_K / 2): "Each output sums over all 16 input channels too: fan_in = 16 × 3 × 3.",
        _Q4_STD * fan_in / 2: "Variances add, so the factor is a square root: 0.01 × √(fan_in / 2).",
        1 / expected: "That is how many times smaller the signal gets; give the number its size is multiplied by "
                      "(below 1): 1 / your answer.",
    }
    if value is not None:
        for wrong, why in known.items():
            if math.isclose(value, wrong, rel_tol=0.02):
                return failed(f"`factor` should be about {expected:.4f}, got {value:.4g}. {why}")
    return check_scalar(answer, expected, rtol=0.02, name="factor", integer=False)


q4 = Exercise(
    name="q4",
    title="By what factor does a too-small initialization shrink the signal per layer?",
    checker=_check_q4,
    hints=[
        "One output value is a sum of fan_in = 16 × 3 × 3 = 144 products weight × input. "
        "Independent terms add their variances.",
        "Its std is 0.01 × √144 times the typical input size; the ReLU keeps about half of the "
        "squared signal, so the factor per layer is 0.01 × √(144 / 2).",
    ],
    solution="factor = 0.01 * (16 * 3 * 3 / 2) ** 0.5",
    answer_names=["factor"],
    kind="prediction",
)


# q3: parameters of a convolution layer ----------------------------------------------

# The layer asked about: the second convolution of CourseCNN.
_Q3_IN, _Q3_OUT, _Q3_K = 16, 32, 5


def _check_q3(answer: Any) -> Result:
    expected = _params(nn.Conv2d(_Q3_IN, _Q3_OUT, _Q3_K))
    value = as_number(answer)
    known = {
        _Q3_OUT * _Q3_IN * _Q3_K * _Q3_K: "You counted the weights but forgot the biases: one per filter.",
        _Q3_OUT * (_Q3_K * _Q3_K + 1): "Each filter has a 5×5 slice for EVERY one of the 16 input channels.",
        _Q3_OUT * _Q3_K * _Q3_K: "Each filter has a 5×5 slice for every input channel, plus one bias.",
        _Q3_OUT * (_Q3_IN * _Q3_K * _Q3_K + _Q3_IN): "There is one bias per filter (output channel), not one per input channel.",
        _Q3_IN * (_Q3_IN * _Q3_K * _Q3_K + 1): "There are 32 filters (output channels), one per feature map produced.",
    }
    if value is not None and value in known:
        return failed(f"`conv_params` should be {expected}, got {value}. {known[value]}")
    if value is not None and value == 12 * 12 * 16 * _Q3_OUT:
        return failed("The number of parameters does not depend on the image size: a filter is reused everywhere.")
    return check_scalar(answer, expected, name="conv_params")


q3 = Exercise(
    name="q3",
    title="How many parameters has nn.Conv2d(16, 32, kernel_size=5)?",
    checker=_check_q3,
    hints=[
        "A filter has one 5×5 grid of weights for each input channel, and one bias.",
        "Parameters = out_channels × (in_channels × 5 × 5 + 1).",
    ],
    solution="conv_params = 32 * (16 * 5 * 5 + 1)",
    answer_names=["conv_params"],
    kind="prediction",
)


# q2: the shape after the convolution and pooling stack --------------------------------


def _q2_stack() -> nn.Sequential:
    """The feature part of CourseCNN, rebuilt here so the expected shape is computed."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
    )


def _check_q2(answer: Any) -> Result:
    with torch.no_grad():
        expected = tuple(_q2_stack()(torch.zeros(64, 1, 28, 28)).shape)  # (64, 32, 4, 4)
    if isinstance(answer, (tuple, list, torch.Size)):
        got = tuple(int(v) for v in answer) if all(isinstance(v, int) for v in answer) else None
        if got == (64, 32, 5, 5):
            return failed(f"`shape` should be {expected}, got {got}. A 5×5 convolution without padding "
                          "loses 4 pixels, not 3: 12 → 8, then pooling halves 8 to 4.")
        if got == (64, 32, 7, 7):
            return failed(f"`shape` should be {expected}, got {got}. These convolutions have no padding: "
                          "each 5×5 convolution shrinks the image by 4 pixels (28 → 24, 12 → 8).")
        if got == (64, 16, 4, 4):
            return failed(f"`shape` should be {expected}, got {got}. The number of channels after a "
                          "convolution is its number of filters: the second one has 32.")
        if got == (32, 4, 4):
            return failed(f"`shape` should be {expected}, got {got}. Keep the batch axis: 64 images go in.")
    return check_shape(answer, expected, name="shape")


q2 = Exercise(
    name="q2",
    title="The shape after two convolution + pooling blocks",
    checker=_check_q2,
    hints=[
        "Track one axis at a time: a 5×5 convolution with no padding turns n pixels into n - 4; "
        "2×2 max pooling halves them. The channels become the number of filters.",
        "28 → 24 → 12 → 8 → 4, and the channels go 1 → 16 → 32; the batch axis stays 64.",
    ],
    solution="shape = (64, 32, 4, 4)",
    answer_names=["shape"],
    kind="prediction",
)


# q1: where the parameters of the tutorial CNN live -----------------------------------


def _check_q1(answer: Any) -> Result:
    dense = nn.Linear(32 * 13 * 13, 100)
    expected = _params(dense)
    value = as_number(answer)
    if value is not None:
        if value == 32 * 13 * 13 * 100:
            return failed(f"`dense_params` should be {expected}, got {value}: add the 100 biases.")
        if value == (32 * 26 * 26 + 1) * 100:
            return failed(f"`dense_params` should be {expected}, got {value}: the pooling layer comes "
                          "before the flatten, so the maps are 13×13, not 26×26.")
        if value == (32 * 14 * 14 + 1) * 100:
            return failed(f"`dense_params` should be {expected}, got {value}: a 3×3 convolution without "
                          "padding gives 26×26 maps, and pooling halves them to 13×13 (not 14×14).")
    return check_scalar(answer, expected, name="dense_params")


q1 = Exercise(
    name="q1",
    title="Parameters of the tutorial CNN's first dense layer",
    checker=_check_q1,
    hints=[
        "The dense layer gets the flattened pooled maps: how many numbers is 32 maps of 13×13?",
        "dense_params = (32 * 13 * 13) * 100 + 100: one weight per input and output pair, one bias per output.",
    ],
    solution="dense_params = 32 * 13 * 13 * 100 + 100",
    answer_names=["dense_params"],
    kind="prediction",
)
