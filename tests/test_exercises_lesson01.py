"""Checkers of lesson 01: the reference solution passes, realistic mistakes fail, templates are not attempted.

Expected values come from the MNIST training split itself, never typed in here.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data import load_mnist
from helpers.exercises import lesson01 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, list_exercises


@pytest.fixture(scope="module")
def mnist():
    return load_mnist("train")


def solved(exercise, images, labels) -> dict:
    """Run the reference solution in the context the notebook gives it."""
    ns: dict = {"np": np, "images": images, "labels": labels}
    exec(exercise.solution_code, ns)
    return ns


def test_q1_brightest(mnist):
    images, labels = mnist
    answer = solved(ex.q1, images, labels)["brightest"]
    assert answer == images[0].max()
    assert_passed(ex.q1, answer)
    assert_passed(ex.q1, images[0].max())  # a numpy uint8 works too
    assert_failed(ex.q1, 1.0, match="not fractions")
    assert_failed(ex.q1, 0, match="background")
    assert_failed(ex.q1, int(images[0].max()) - 1, match="Off by one")
    assert_failed(ex.q1, images[0], match="Reduce it to one number")
    assert_unattempted(ex.q1, ...)


def test_q2_ink_pixels(mnist):
    images, labels = mnist
    digit = images[0]
    answer = solved(ex.q2, images, labels)["ink_pixels"]
    assert answer == np.count_nonzero(digit)
    assert_passed(ex.q2, answer)
    assert_passed(ex.q2, np.int64(answer))
    assert_failed(ex.q2, int((digit == 0).sum()), match="background")
    assert_failed(ex.q2, digit.size, match="every pixel")
    assert_failed(ex.q2, int((digit > 127).sum()), match="only the bright pixels")
    assert_failed(ex.q2, int(digit.sum()), match="adds up the pixel values")
    assert_failed(ex.q2, digit > 0, match="boolean mask")
    assert_failed(ex.q2, "many", match="should be a number")
    assert_unattempted(ex.q2, ...)


def test_q3_batch_shape(mnist):
    images, labels = mnist
    answer = solved(ex.q3, images, labels)["batch_shape"]
    assert_passed(ex.q3, answer)
    assert_passed(ex.q3, [64, 1, 28, 28])
    assert_failed(ex.q3, (64, 28, 28), match="axis of size 1 is missing")
    assert_failed(ex.q3, (64, 28, 28, 1), match="channel axis before height and width")
    assert_failed(ex.q3, (1, 64, 28, 28), match="wrong order")
    assert_failed(ex.q3, np.zeros((64, 1, 28, 28)), match="use its `.shape`")
    assert_unattempted(ex.q3, ...)


def test_q4_to_chw(mnist):
    images, labels = mnist
    to_chw = solved(ex.q4, images, labels)["to_chw"]
    assert_passed(ex.q4, to_chw)
    assert_passed(ex.q4, lambda image: np.moveaxis(image, -1, 0))
    assert_failed(ex.q4, lambda image: image.reshape(3, image.shape[0], image.shape[1]), match="reshape")
    assert_failed(ex.q4, lambda image: image.T, match="wrong order")
    assert_failed(ex.q4, lambda image: image, match="should be \\(3, 4, 5\\), got \\(4, 5, 3\\)")
    assert_failed(ex.q4, lambda image: image.transpose(2, 0, 1).astype(np.float32), match="dtype uint8")
    assert_failed(ex.q4, lambda image: image[:, :, 3], match="raised IndexError")

    def template(image):
        """(H, W, 3) -> (3, H, W)"""
        raise NotImplementedError

    assert_unattempted(ex.q4, template)


def test_q5_inkiest_digit(mnist):
    images, labels = mnist
    ink = (images > 0).sum(axis=(1, 2))
    per_digit = np.array([ink[labels == d].mean() for d in range(10)])
    answer = solved(ex.q5, images, labels)["inkiest_digit"]
    assert answer == per_digit.argmax()
    assert_passed(ex.q5, answer)
    assert_passed(ex.q5, np.int64(answer))
    assert_failed(ex.q5, int(per_digit.argmin()), match="least")
    assert_failed(ex.q5, int(round(per_digit.max())), match="how many pixels")
    runner_up = int(np.argsort(per_digit)[-2])
    assert_failed(ex.q5, runner_up, match="another digit uses more")
    assert_failed(ex.q5, int(np.bincount(labels).argmax()), match="another digit uses more|least")  # most common, not inkiest
    assert_failed(ex.q5, str(answer), match="text")
    assert_failed(ex.q5, 42, match="from 0 to 9")
    assert_unattempted(ex.q5, None)


@pytest.mark.parametrize("exercise", list_exercises(ex), ids=lambda e: e.name)
def test_every_solution_defines_its_names(exercise, mnist):
    ns = solved(exercise, *mnist)
    assert all(name in ns for name in exercise.answer_names)
