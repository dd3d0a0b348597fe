"""Checkers of lesson 10: reference solutions pass, realistic mistakes fail, templates are not attempted.

The challenge's checks here train only small networks, in seconds. The hidden solution
(lesson 09's network, trained for 5 epochs) takes about half a minute to train; that it
passes the 90% check on the validation split is shown by `make test`, which runs lesson
10's solved copy in context and fails unless every check there passes.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from torch import nn

from helpers.exercises import lesson10 as ex
from helpers.exercises.core import assert_failed, assert_passed, assert_unattempted, list_exercises
from helpers.augment import random_flip
from helpers.models import FASHION_RECIPE, CourseCNN, count_parameters
from helpers.plots import confusion_matrix


def solved(exercise) -> dict:
    ns: dict = {"np": np, "nn": nn, "torch": torch}
    exec(exercise.solution_code, ns)
    return ns


def test_q2_per_class_accuracy():
    fn = solved(ex.q2)["per_class_accuracy"]
    true = np.array([0, 0, 1, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 2, 2])
    np.testing.assert_allclose(fn(confusion_matrix(true, pred)), [1 / 2, 2 / 3, 1.0])
    assert_passed(ex.q2, fn)
    assert_failed(ex.q2, lambda cm: np.diag(cm) / cm.sum(axis=0), match="column sums")
    assert_failed(ex.q2, lambda cm: np.diag(cm), match="counts of correct")
    assert_failed(ex.q2, lambda cm: np.diag(cm).sum() / cm.sum(), match="one accuracy per class")
    assert_failed(ex.q2, lambda cm: None, match="return")

    def template(cm):
        ...

    assert_unattempted(ex.q2, template)


def test_q3_top_confusions():
    fn = solved(ex.q3)["top_confusions"]
    cm = np.array([[50, 3, 7], [1, 40, 0], [9, 2, 30]])
    assert fn(cm, 2) == [(2, 0, 9), (0, 2, 7)]
    assert_passed(ex.q3, fn)

    def with_diagonal(cm, k):
        pairs = sorted(((int(cm[i, j]), i, j) for i in range(len(cm)) for j in range(len(cm))), reverse=True)
        return [(i, j, n) for n, i, j in pairs[:k]]

    def swapped(cm, k):
        return [(j, i, n) for i, j, n in fn(cm, k)]

    def smallest_first(cm, k):
        return fn(cm, k)[::-1]

    assert_failed(ex.q3, with_diagonal, match="diagonal")
    assert_failed(ex.q3, swapped, match="swapped")
    assert_failed(ex.q3, smallest_first, match="wrong order")

    def template(cm, k):
        raise NotImplementedError

    assert_unattempted(ex.q3, template)


def _tiny_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


GOOD_SETTINGS = {"epochs": 1, "lr": 0.003, "batch_size": 256}


def test_challenge_template_and_quick_failures():
    def build_model():
        ...

    assert_unattempted(ex.q1, (build_model, ...))
    assert_unattempted(ex.q1, (..., ...))
    # Wrong settings and wrong networks are caught before any training starts.
    assert_failed(ex.q1, (_tiny_model, {"epochs": 50, "lr": 0.003, "batch_size": 128}), match="epochs")
    assert_failed(ex.q1, (_tiny_model, {"epochs": 2, "lr": 3, "batch_size": 128}), match="lr")
    assert_failed(ex.q1, (_tiny_model, {"epochs": 2, "batch_size": 128}), match="missing")
    assert_failed(ex.q1, (_tiny_model, [2, 0.003, 128]), match="dict")
    assert_failed(ex.q1, (lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 12)), GOOD_SETTINGS),
                  match=r"\(2, 10\)")
    assert_failed(ex.q1, (lambda: nn.Sequential(nn.Conv2d(1, 8, 3), nn.Linear(100, 10)), GOOD_SETTINGS),
                  match="fails on a batch")
    assert_failed(ex.q1, (lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.Softmax(dim=1)),
                                   GOOD_SETTINGS), match="softmax")
    assert_failed(ex.q1, (lambda: None, GOOD_SETTINGS), match="return")
    assert_failed(ex.q1, (_tiny_model,), match="both parts")


def test_challenge_fails_a_model_that_trains_but_stays_below_90_percent():
    # A linear classifier (multinomial logistic regression) reaches about 84% on Fashion-MNIST.
    assert_failed(ex.q1, (_tiny_model, GOOD_SETTINGS), match=r"below 0\.90")


def test_the_solution_is_lesson_09s_network_as_the_hint_says():
    ns = solved(ex.q1)
    net = ns["build_model"]()
    course = CourseCNN()
    # The same layers in the same order, with the same parameter shapes: lesson 09's network.
    def layers(module: nn.Module) -> list[str]:
        return [repr(m) for m in module.modules() if not list(m.children())]

    assert layers(net) == layers(course)
    assert [p.shape for p in net.parameters()] == [p.shape for p in course.parameters()]
    settings = ns["settings"]
    # What the second hint promises ("trained for 5 or 6 epochs passes"), within the limits.
    assert settings["epochs"] == 5 and "5 or 6 epochs" in ex.q1.hints[1]
    assert settings["epochs"] <= ex.MAX_EPOCHS and count_parameters(net) <= ex.MAX_PARAMETERS
    recipe = ex.challenge_recipe(ns["build_model"], settings)
    assert recipe.mean == FASHION_RECIPE.mean and recipe.std == FASHION_RECIPE.std
    assert recipe.augment is None  # no mirroring: the plainest network that passes
    assert ex.challenge_recipe(ns["build_model"], {**settings, "flip": True}).augment is random_flip


def test_challenge_asks_for_the_function_when_given_the_network_it_built():
    assert_failed(ex.q1, (_tiny_model(), GOOD_SETTINGS), match=r"Pass the function itself, not the network")


def test_challenge_refuses_a_flip_setting_that_is_not_a_bool():
    ns = solved(ex.q1)
    assert_failed(ex.q1, (ns["build_model"], {**ns["settings"], "flip": "yes"}), match="flip")


def test_a_network_that_clears_the_bar_passes_and_is_kept(monkeypatch):
    """The passing path, with the bar lowered so a linear model (about 84%) clears it in
    seconds. That the hidden solution clears the real bar (0.90) is shown where it runs in
    context: `make test` runs lesson 10's solved copy and fails unless its check passes."""
    monkeypatch.setattr(ex, "PASS_ACCURACY", 0.80)
    monkeypatch.setattr(ex, "_last_model", {})
    assert ex.trained_model() is None
    result = assert_passed(ex.q1, (_tiny_model, GOOD_SETTINGS))
    accuracy = float(re.search(r"Validation accuracy (\d\.\d+) >= 0\.80", result.message).group(1))
    assert 0.80 <= accuracy < 0.90, result.message
    assert "on 50,000 images" in result.message
    # The network the check trained is kept for the lesson's one look at the test set.
    model = ex.trained_model()
    assert isinstance(model, nn.Module)
    assert [p.shape for p in model.parameters()] == [torch.Size([10, 784]), torch.Size([10])]


def test_the_challenge_splits_off_the_last_10000_training_images():
    images, labels = np.arange(60_000 * 4).reshape(60_000, 2, 2), np.arange(60_000) % 10
    (tx, ty), (vx, vy) = ex.split(images, labels)
    assert len(tx) == 50_000 and len(vx) == 10_000
    np.testing.assert_array_equal(np.concatenate([tx, vx]), images)
    np.testing.assert_array_equal(np.concatenate([ty, vy]), labels)
    with pytest.raises(ValueError, match="same length"):
        ex.split(images, labels[:-1])
    with pytest.raises(ValueError, match="above 10000"):
        ex.split(images[:10_000], labels[:10_000])


def test_the_challenge_check_never_touches_the_test_set(monkeypatch):
    calls = []
    real = ex.load_fashion_mnist
    monkeypatch.setattr(ex, "load_fashion_mnist", lambda split="train": calls.append(split) or real(split))
    ex._fashion.cache_clear()
    try:
        ex._fashion()
    finally:
        ex._fashion.cache_clear()
    assert calls == ["train"]


def test_every_exercise_is_tested():
    assert [e.name for e in list_exercises(ex)] == ["q1", "q2", "q3", "q4"]


def test_q4_explain_only_the_look_alike_tops_pass_and_each_wrong_letter_says_why():
    assert_passed(ex.q4, "c")
    assert_passed(ex.q4, " C ")
    assert_failed(ex.q4, "a", match="same small network")
    assert_failed(ex.q4, "b", match="class counts")
    assert_failed(ex.q4, "d", match="debatable")
    assert_failed(ex.q4, "e", match="one of the letters")
    assert_failed(ex.q4, 3, match="one of the letters")
    assert_unattempted(ex.q4, ...)
