"""Exercises for lesson 02 (Normalization and encoding).

Code exercises are functions the checker calls on fresh test inputs (including
pixels near 0 and 255), so a formula that only works on one array does not pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises.core import (
    Exercise,
    Result,
    as_number,
    check_array,
    check_scalar,
    failed,
    passed,
)


def _test_images(seed: int = 0, n: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    return images


# q2: scale to [0, 1] -------------------------------------------------------------------


def _check_q2(to_unit_range: Any) -> Result:
    images = _test_images()
    original = images.copy()
    got = to_unit_range(images)
    if not isinstance(got, np.ndarray):
        return failed(f"`to_unit_range` should return a numpy array, got {type(got).__name__}.")
    if not np.array_equal(images, original):
        return failed("`to_unit_range` changed its input array: compute a new array instead.")
    if got.dtype == np.uint8 or np.issubdtype(got.dtype, np.integer):
        return failed(f"The result has dtype {got.dtype}: whole numbers cannot hold fractions. "
                      "Convert with `.astype(np.float32)` before dividing (and use `/`, not `//`).")
    if got.dtype != np.float32:
        return failed(f"The result has dtype {got.dtype}; networks use float32 "
                      "(`images.astype(np.float32) / 255`).")
    if got.shape == images.shape and float(np.nanmax(got)) > 1.0:
        return failed(f"The largest value is {float(np.nanmax(got)):.4g}: divide by 255 so that 255 becomes 1.")
    if got.shape == images.shape and set(np.unique(got)) <= {0.0, 1.0}:
        return failed("Every value is 0 or 1: that looks like integer division (`//`) or rounding. "
                      "Use `/` on floats.")
    expected = images.astype(np.float32) / 255.0
    r = check_array(got, expected, name="to_unit_range(images)", rtol=1e-6, atol=1e-7)
    if not r.ok:
        return r
    return passed("0 stays 0, 255 becomes 1.0, and the dtype is float32.")


q2 = Exercise(
    name="q2",
    title="Scale pixels to [0, 1]",
    checker=_check_q2,
    hints=[
        "Two steps: make the numbers floats, then divide by the largest possible pixel value.",
        "`return images.astype(np.float32) / 255.0`",
    ],
    solution='''def to_unit_range(images):
    """uint8 (N, 28, 28) in 0..255 -> float32 in [0, 1]."""
    return images.astype(np.float32) / 255.0''',
    answer_names=["to_unit_range"],
    signature="to_unit_range(images)",
)


# q3: standardize with training statistics ---------------------------------------------


def _check_q3(standardize: Any) -> Result:
    rng = np.random.default_rng(1)
    train = rng.uniform(0, 1, size=(50, 28, 28)).astype(np.float32) ** 3
    test = (rng.uniform(0, 1, size=(20, 28, 28)).astype(np.float32) + 0.2) ** 2  # brighter on purpose
    out = standardize(train.copy(), test.copy())
    if not isinstance(out, tuple) or len(out) != 2:
        return failed(f"`standardize` should return a pair `(train_std, test_std)`, got {type(out).__name__}.")
    got_train, got_test = (np.asarray(a) for a in out)
    mean, std = train.mean(), train.std()
    exp_train, exp_test = (train - mean) / std, (test - mean) / std
    if got_test.shape == test.shape and np.allclose(got_test, (test - test.mean()) / test.std(), atol=1e-4):
        return failed("The test images were standardized with their own mean and std. Use the "
                      "training set's mean and std for both: the test set must stay unseen.")
    both = np.concatenate([train, test])
    if got_test.shape == test.shape and np.allclose(got_test, (test - both.mean()) / both.std(), atol=1e-4):
        return failed("The statistics came from train and test together; use the training set only.")
    if got_train.shape == train.shape and np.allclose(got_train, train / std - mean, atol=1e-4):
        return failed("Order of operations: subtract the mean first, then divide by the std: `(x - mean) / std`.")
    r = check_array(got_train, exp_train, name="train_std", rtol=1e-4, atol=1e-4)
    if not r.ok:
        return r
    r = check_array(got_test, exp_test, name="test_std", rtol=1e-4, atol=1e-4)
    if not r.ok:
        return r
    return passed("Both sets use the training mean and std; the training set now has mean 0 and std 1.")


q3 = Exercise(
    name="q3",
    title="Standardize with training statistics only",
    checker=_check_q3,
    hints=[
        "Compute one mean and one std, from `train` only, then apply `(x - mean) / std` to both sets.",
        "`mean, std = train.mean(), train.std()` then `return (train - mean) / std, (test - mean) / std`",
    ],
    solution='''def standardize(train, test):
    """Standardize both sets with the mean and std of the training set."""
    mean, std = train.mean(), train.std()
    return (train - mean) / std, (test - mean) / std''',
    answer_names=["standardize"],
    signature="standardize(train, test)",
)


# q1: the uint8 trap (prediction) -------------------------------------------------------


def _check_q1(answer: Any) -> Result:
    value = as_number(answer)
    if value is not None:
        if value == 300:
            return failed("300 does not fit in a uint8 (0..255): the sum wraps around modulo 256.")
        if value == 255:
            return failed("numpy does not stop at 255 for arrays; it wraps around modulo 256.")
    return check_scalar(answer, 44, name="wrapped")


q1 = Exercise(
    name="q1",
    title="Predict: 200 + 100 in uint8",
    checker=_check_q1,
    hints=[
        "A uint8 holds 256 values, 0..255. What happens to a car's odometer after its last value?",
        "The result is (200 + 100) mod 256.",
    ],
    solution="wrapped = 44",
    answer_names=["wrapped"],
    kind="prediction",
)


# q4: one-hot vectors --------------------------------------------------------------------


def _check_q4(one_hot: Any) -> Result:
    labels = np.array([3, 0, 9, 3, 7])
    got = one_hot(labels.copy(), 10)
    expected = np.eye(10, dtype=np.float32)[labels]
    got_arr = np.asarray(got)
    if got_arr.shape == (10, 5):
        return failed("The result has shape (10, 5): it looks transposed. One row per label: (N, num_classes).")
    shift = (got_arr.argmax(1) - labels) % 10 if got_arr.shape == (5, 10) else None
    if shift is not None and (np.all(shift == 9) or np.all(shift == 1)):
        return failed("Off by one: the 1 of class c belongs in column c (class 0 in column 0).")
    r = check_array(got_arr.astype(np.float32) if got_arr.dtype != np.float32 else got_arr, expected,
                    name="one_hot(labels, 10)")
    if not r.ok:
        return r
    small = np.asarray(one_hot(np.array([1, 0]), 3))
    if small.shape != (2, 3):
        return failed(f"`one_hot(np.array([1, 0]), 3)` should have shape (2, 3), got {small.shape}: "
                      "use `num_classes`, not a fixed 10.")
    return passed("One row per label, a single 1 in the label's column.")


q4 = Exercise(
    name="q4",
    title="Labels as one-hot vectors",
    checker=_check_q4,
    hints=[
        "Start from an array of zeros of shape (N, num_classes), then put a 1 in each row at the label's column.",
        "`out = np.zeros((len(labels), num_classes), np.float32); out[np.arange(len(labels)), labels] = 1` "
        "(or pick rows of `np.eye(num_classes)`).",
    ],
    solution='''def one_hot(labels, num_classes):
    """(N,) integer labels -> (N, num_classes) float32 with a single 1 per row."""
    out = np.zeros((len(labels), num_classes), dtype=np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out''',
    answer_names=["one_hot"],
    signature="one_hot(labels, num_classes)",
)
