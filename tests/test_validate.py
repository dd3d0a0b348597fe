"""Tests for helpers.validate: each check accepts good values and names the argument otherwise."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from helpers.validate import array_of_ndim, finite_number, label_array, module, positive_int


@pytest.mark.parametrize("good, expected", [(3, 3), (np.int64(2), 2), (1, 1)])
def test_positive_int_accepts_ints(good, expected):
    out = positive_int("n", good)
    assert out == expected and type(out) is int


@pytest.mark.parametrize("bad, error", [(True, TypeError), (2.0, TypeError), ("2", TypeError),
                                        (None, TypeError), (0, ValueError), (-3, ValueError)])
def test_positive_int_refuses(bad, error):
    with pytest.raises(error, match=r"^n: expected a positive int, got"):
        positive_int("n", bad)


def test_positive_int_minimum():
    assert positive_int("k", 0, minimum=0) == 0
    with pytest.raises(ValueError, match="k: expected an int >= 2"):
        positive_int("k", 1, minimum=2)


@pytest.mark.parametrize("bad, error", [(math.nan, ValueError), (math.inf, ValueError), ("1", TypeError),
                                        (True, TypeError), (None, TypeError)])
def test_finite_number_refuses(bad, error):
    with pytest.raises(error, match=r"^x: expected a"):
        finite_number("x", bad)


def test_finite_number_accepts_numbers_and_checks_sign():
    assert finite_number("x", np.float32(0.5)) == 0.5
    assert finite_number("x", torch.tensor(2.0)) == 2.0
    with pytest.raises(ValueError, match="x: expected a positive number, got 0.0"):
        finite_number("x", 0, positive=True)


def test_array_of_ndim():
    assert array_of_ndim("a", torch.ones(2, 3), 2).shape == (2, 3)
    with pytest.raises(ValueError, match=r"a: expected a 2-D or 3-D array, got shape \(4,\)"):
        array_of_ndim("a", np.ones(4), (2, 3))
    with pytest.raises(ValueError, match="a: expected a non-empty array"):
        array_of_ndim("a", np.ones((0, 3)), 2)
    with pytest.raises(TypeError, match="a: expected an array of numbers"):
        array_of_ndim("a", [["x"]], 2)
    assert array_of_ndim("a", np.ones((0, 3)), 2, allow_empty=True).size == 0


def test_label_array():
    np.testing.assert_array_equal(label_array("y", [0.0, 2.0, 1]), [0, 2, 1])
    with pytest.raises(ValueError, match="y: expected whole class numbers, got 0.5"):
        label_array("y", [0.5, 1.7])
    with pytest.raises(ValueError, match="y: expected class numbers >= 0, got -1"):
        label_array("y", [0, -1])
    with pytest.raises(ValueError, match=r"y: expected class numbers below 3 \(num_classes\), got 3"):
        label_array("y", [0, 3], 3)
    with pytest.raises(TypeError, match="y: expected integer class numbers"):
        label_array("y", [True, False])
    with pytest.raises(ValueError, match="y: expected shape"):
        label_array("y", np.zeros((2, 2)))
    with pytest.raises(ValueError, match="y: expected whole"):
        label_array("y", [0.0, math.nan])


def test_module():
    m = nn.Linear(2, 2)
    assert module("model", m) is m
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module, got NoneType"):
        module("model", None)
