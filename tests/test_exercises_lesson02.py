"""Checker tests for lesson 02: reference solutions pass, realistic mistakes fail."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.exercises import lesson02 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, list_exercises, solution_answers


def run_solution(exercise):
    return solution_answers(exercise, np=np)


@pytest.mark.parametrize("exercise", list_exercises(ex), ids=lambda e: e.name)
def test_reference_solution_passes_and_template_is_unattempted(exercise):
    assert_passed(exercise, *run_solution(exercise))
    assert_unattempted(exercise, ...)


def test_q1_mistakes():
    assert_passed(ex.q2, lambda images: images.astype(np.float32) / 255)
    assert_failed(ex.q2, lambda images: images / 255, match="float32")  # float64
    assert_failed(ex.q2, lambda images: images // 255, match="dtype|whole numbers")
    assert_failed(ex.q2, lambda images: images.astype(np.float32), match="divide by 255")
    assert_failed(ex.q2, lambda images: (images.astype(np.float32) / 255).round(), match="0 or 1")

    def in_place(images):
        images -= 1
        return images.astype(np.float32) / 255

    assert_failed(ex.q2, in_place, match="changed its input")
    assert_unattempted(ex.q2, None)


def test_q2_mistakes():
    assert_failed(ex.q3, lambda tr, te: ((tr - tr.mean()) / tr.std(), (te - te.mean()) / te.std()),
                  match="own mean")
    def combined(tr, te):
        both = np.concatenate([tr, te])
        return (tr - both.mean()) / both.std(), (te - both.mean()) / both.std()
    assert_failed(ex.q3, combined, match="together")
    assert_failed(ex.q3, lambda tr, te: (tr / tr.std() - tr.mean(), te / tr.std() - tr.mean()),
                  match="Order of operations")
    assert_failed(ex.q3, lambda tr, te: (tr - tr.mean()) / tr.std(), match="pair")
    assert_failed(ex.q3, "standardize", match="function")


def test_q3_mistakes():
    assert_passed(ex.q1, np.array([200], np.uint8) + np.array([100], np.uint8))
    assert_failed(ex.q1, 300, match="wraps around")
    assert_failed(ex.q1, 255, match="wraps around")
    assert_failed(ex.q1, 45)


def test_q4_mistakes():
    assert_failed(ex.q4, lambda labels, k: np.eye(k, dtype=np.float32)[labels].T, match="transposed")
    assert_failed(ex.q4, lambda labels, k: np.eye(10, dtype=np.float32)[labels], match="num_classes")
    assert_failed(ex.q4, lambda labels, k: np.eye(k, dtype=np.float32)[labels - 1], match="Off by one")
    assert_failed(ex.q4, lambda labels, k: labels)
