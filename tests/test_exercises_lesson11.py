"""Checker tests for lesson 11: the reference passes, realistic mistakes fail with a pointed message."""

from __future__ import annotations

import torch

from helpers.augment import rotate
from helpers.exercises import lesson11 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, solution_answers


def _solution(exercise):
    return solution_answers(exercise, torch=torch, rotate=rotate)[0]


# q1 --------------------------------------------------------------------------------


def test_q1_reference_passes():
    assert_passed(ex.q1, _solution(ex.q1))


def test_q1_template_is_unattempted():
    def shift_right(x, k):
        ...

    assert_unattempted(ex.q1, shift_right)
    assert_unattempted(ex.q1, ...)


def test_q1_roll_wraps_around():
    assert_failed(ex.q1, lambda x, k: torch.roll(x, k, dims=-1), match="wraps")


def test_q1_wrong_direction():
    def shift_left(x, k):
        out = torch.zeros_like(x)
        out[..., :-k] = x[..., k:]
        return out

    assert_failed(ex.q1, shift_left, match="left")


def test_q1_wrong_axis():
    def shift_down(x, k):
        out = torch.zeros_like(x)
        out[..., k:, :] = x[..., :-k, :]
        return out

    assert_failed(ex.q1, shift_down, match="down")


def test_q1_off_by_one():
    def off_by_one(x, k):
        out = torch.zeros_like(x)
        out[..., k + 1 :] = x[..., : -(k + 1)]
        return out

    assert_failed(ex.q1, off_by_one, match="instead of")


def test_q1_cropping_changes_the_shape():
    assert_failed(ex.q1, lambda x, k: x[..., :-k], match="shape")


def test_q1_in_place_edit_fails():
    def in_place(x, k):
        x[..., k:] = x[..., :-k].clone()
        x[..., :k] = 0
        return x

    assert_failed(ex.q1, in_place, match="in place")


# q3 --------------------------------------------------------------------------------


def test_q3_reference_passes():
    assert_passed(ex.q3, _solution(ex.q3))
    assert_passed(ex.q3, "Rotate by 180 degrees ")


def test_q3_wrong_choices_explain_why():
    assert_failed(ex.q3, "rotate by 10 degrees", match="tilted")
    assert_failed(ex.q3, "shift by 2 pixels", match="keeps the label")
    assert_failed(ex.q3, "flip it", match="one of")
    assert_failed(ex.q3, 180)


def test_q3_template_is_unattempted():
    assert_unattempted(ex.q3, ...)


# q2 --------------------------------------------------------------------------------


def test_q2_reference_passes():
    assert_passed(ex.q2, _solution(ex.q2))


def test_q2_template_is_unattempted():
    def accuracy_vs_angle(model, x, y, angles):
        ...

    assert_unattempted(ex.q2, accuracy_vs_angle)


def test_q2_forgetting_to_rotate():
    def no_rotation(model, x, y, angles):
        return [(model(x).argmax(1) == y).float().mean().item() for _ in angles]

    assert_failed(ex.q2, no_rotation, match="rotate")


def test_q2_percentages():
    def percent(model, x, y, angles):
        return [100 * (model(rotate(x, a)).argmax(1) == y).float().mean().item() for a in angles]

    assert_failed(ex.q2, percent, match="fractions")


def test_q2_error_rate():
    def error_rate(model, x, y, angles):
        return [(model(rotate(x, a)).argmax(1) != y).float().mean().item() for a in angles]

    assert_failed(ex.q2, error_rate, match="error rates")


def test_q2_one_value_only():
    assert_failed(ex.q2, lambda model, x, y, angles: [1.0], match="one accuracy per angle")


def test_q2_test_model_really_depends_on_the_angle():
    # otherwise "forgot to rotate" could not be told apart from a right answer
    model = ex._UprightDetector()
    x, y = ex._q2_data()
    upright = (model(x).argmax(1) == y).float().mean().item()
    upside_down = (model(rotate(x, 180)).argmax(1) == y).float().mean().item()
    assert upright == 1.0 and upside_down == 0.0


def test_q2_an_answer_of_nan_never_passes():
    assert_failed(ex.q2, lambda model, x, y, angles: [float("nan")] * len(angles), match="NaN")
