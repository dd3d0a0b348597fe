"""Checker tests for lesson 05: reference solutions pass, realistic mistakes fail."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.exercises import lesson05 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, list_exercises, solution_answers
from helpers.plots import confusion_matrix


def run_solution(exercise):
    return solution_answers(exercise, np=np, torch=torch)


@pytest.mark.parametrize("exercise", list_exercises(ex), ids=lambda e: e.name)
def test_reference_solution_passes_and_template_is_unattempted(exercise):
    assert_passed(exercise, *run_solution(exercise))
    assert_unattempted(exercise, ...)


def test_q1_mistakes():
    assert_passed(ex.q1, "Validation ")
    assert_failed(ex.q1, "test", match="once")
    assert_failed(ex.q1, "train", match="overfits")
    assert_failed(ex.q1, 2)


def _epoch(skip_last=False, zero=True, once=False, sum_loss=False):
    def train_epoch(model, x, y, optimizer, loss_fn, batch_size):
        model.train()
        order = torch.randperm(len(x))
        stop = len(x) - len(x) % batch_size if skip_last else len(x)
        total = 0.0
        if once:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.item()
        for start in range(0, stop, batch_size):
            idx = order[start:start + batch_size]
            loss = loss_fn(model(x[idx]), y[idx])
            if zero:
                optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * (1 if sum_loss else len(idx))
        return total if sum_loss else total / len(x)
    return train_epoch


def test_q2_mistakes():
    assert_passed(ex.q2, _epoch())
    assert_failed(ex.q2, _epoch(skip_last=True), match="last, smaller batch")
    assert_failed(ex.q2, _epoch(zero=False), match="zero_grad")
    assert_failed(ex.q2, _epoch(once=True), match="once per epoch")
    assert_failed(ex.q2, _epoch(sum_loss=True), match="sum over batches")
    assert_failed(ex.q2, lambda *args: None, match="mean loss")


def test_q3_agrees_with_the_plotting_helper_and_names_mistakes():
    (fn,) = run_solution(ex.q3)
    true = np.array([0, 0, 1, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 0, 2])
    np.testing.assert_allclose(fn(confusion_matrix(true, pred)), [0.5, 2 / 3, 1.0])
    assert_failed(ex.q3, lambda cm: cm.diagonal() / cm.sum(axis=0), match="column sums")
    assert_failed(ex.q3, lambda cm: cm.diagonal(), match="counts")
    assert_failed(ex.q3, lambda cm: cm.trace() / cm.sum(), match="overall accuracy")


def test_q4_only_the_softmax_line_passes_and_every_other_line_says_why():
    assert_passed(ex.q4, 1)
    assert_passed(ex.q4, np.int64(1))
    for line in range(2, 9):
        result = ex.q4.evaluate(line)
        assert result.status == "failed" and f"Line {line} is fine" in result.message
    for wrong in (0, 9, -1, 1.5, "1", True):
        assert_failed(ex.q4, wrong, match="line number from 1 to 8")
    assert_unattempted(ex.q4, ...)


def test_q4_the_lesson_shows_exactly_the_loop_the_checker_judges():
    import nbformat
    from pathlib import Path

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / "05_training_and_validation.ipynb", 4)
    assert any(ex.BUGGY_LOOP in c.source for c in nb.cells if c.cell_type == "markdown")
    # ... and the loop's bug is the one the checker names: the model ends in softmax.
    assert "nn.Softmax(dim=1))" in ex.BUGGY_LOOP.splitlines()[1]
