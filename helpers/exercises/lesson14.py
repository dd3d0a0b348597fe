"""Exercises for lesson 14 (CNNs beyond images).

q1: the length of a 1-D convolution's output (a prediction).
q2: a 1-D sliding dot product (deep learning's convolution) in numpy, checked against
``torch.nn.functional.conv1d``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from helpers.exercises.core import Exercise, Result, _describe, as_count, check_scalar, failed, passed


# q1: output length ----------------------------------------------------------------------


def _check_q1(answer: Any) -> Result:
    answer_in = answer
    answer = as_count(answer)  # int, numpy and torch integers, 0-d arrays, 192.0
    if answer is None:
        return failed(f"`out_length` should be a whole number (an int), got {_describe(answer_in)}.")
    expected = F.conv1d(torch.zeros(1, 1, 200), torch.zeros(1, 1, 9), stride=1).shape[-1]
    if answer == 200 - 9:
        return failed(f"`out_length` should be {expected}, got {answer}: off by one. Count the positions: the "
                      "window can start at 0, 1, …, 200 − 9, which is 200 − 9 + 1 positions.")
    if answer == 200:
        return failed(f"`out_length` should be {expected}, got {answer}: without padding the output is shorter "
                      "than the input, because the 9-sample window must fit inside the signal.")
    if answer == 200 + 9 - 1:
        return failed(f"`out_length` should be {expected}, got {answer}: that is numpy's 'full' mode, with the "
                      "signal padded on both sides. PyTorch's default is no padding ('valid').")
    return check_scalar(answer, expected, name="out_length")


q1 = Exercise(
    name="q1",
    title="Output length of nn.Conv1d(1, 4, kernel_size=9) on a signal of 200 samples",
    checker=_check_q1,
    hints=[
        "It is the same formula as for images, along one axis: ⌊(n + 2p − k) / s⌋ + 1.",
        "n = 200, k = 9, no padding, stride 1.",
    ],
    solution="out_length = (200 - 9) // 1 + 1",
    answer_names=["out_length"],
    kind="prediction",
)


# q2: sliding dot product --------------------------------------------------------------


def _reference(signal: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    s = torch.as_tensor(np.array(signal, dtype=np.float64))[None, None]
    k = torch.as_tensor(np.array(kernel, dtype=np.float64))[None, None]
    return F.conv1d(s, k)[0, 0].numpy()


def _check_q2(answer: Any) -> Result:
    rng = np.random.default_rng(12)
    cases = [(rng.normal(size=20), np.array([1.0, 2.0, -1.0])), (rng.normal(size=31), rng.normal(size=7))]
    for signal, kernel in cases:
        expected = _reference(signal, kernel)
        try:
            got = answer(signal.copy(), kernel.copy())
        except Exception as exc:  # noqa: BLE001 - the student's error becomes a message
            return failed(f"`sliding_dot` on a signal of {len(signal)} samples and a kernel of {len(kernel)} "
                          f"raised {type(exc).__name__}: {exc}")
        if got is None:
            return failed("`sliding_dot` returned None: did you forget `return`?")
        got = np.asarray(got, dtype=float)
        if got.shape != expected.shape:
            if got.shape == (len(signal) - len(kernel),):
                return failed(f"The output has {got.shape[0]} values, one too few: the last window starts at "
                              f"position {len(signal) - len(kernel)}, so `range` needs to go one further.")
            if got.shape == (len(signal),) or got.shape == (len(signal) + len(kernel) - 1,):
                return failed(f"The output has {got.shape[0]} values; without padding it should have "
                              f"{expected.shape[0]} = {len(signal)} − {len(kernel)} + 1 (the window must fit).")
            return failed(f"The output should have shape {expected.shape}, got {got.shape}.")
        if np.allclose(got, _reference(signal, kernel[::-1]), atol=1e-8) and not np.allclose(kernel, kernel[::-1]):
            return failed("The kernel is flipped: that is the textbook convolution (`np.convolve`). Deep learning's "
                          "'convolution' slides the kernel as it is: `np.dot(signal[i:i + k], kernel)`.")
        if not np.allclose(got, expected, atol=1e-8):
            i = int(np.argmax(np.abs(got - expected)))
            return failed(f"Position {i} should be {expected[i]:.4f}, got {got[i]:.4f}: each output is the dot "
                          "product of the kernel with the window of the signal that starts at that position.")
    return passed("Correct: your sliding dot product matches PyTorch's conv1d.")


q2 = Exercise(
    name="q2",
    title="Write sliding_dot(signal, kernel): a 1-D convolution without padding",
    checker=_check_q2,
    hints=[
        "For each start position i from 0 to len(signal) − len(kernel), multiply the window "
        "`signal[i:i + len(kernel)]` by the kernel and sum.",
        "`np.array([np.dot(signal[i:i + k], kernel) for i in range(len(signal) - k + 1)])` with `k = len(kernel)`.",
    ],
    solution='''def sliding_dot(signal, kernel):
    k = len(kernel)
    return np.array([np.dot(signal[i:i + k], kernel) for i in range(len(signal) - k + 1)])''',
    answer_names=["sliding_dot"],
    signature="sliding_dot(signal, kernel)",
)
