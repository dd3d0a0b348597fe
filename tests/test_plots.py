"""Tests for the training-result pictures in helpers.plots (lessons 02-05)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers.plots import (  # noqa: E402
    confusion_matrix,
    most_confident_mistakes,
    plot_confusion_matrix,
    plot_history,
    plot_probabilities,
    show_mistakes,
)
from helpers.training import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def make_history(n=4, offset=0.0) -> History:
    h = History()
    for e in range(1, n + 1):
        h.epochs.append(e)
        h.train_loss.append(1.0 / e + offset)
        h.val_loss.append(1.2 / e + offset)
        h.train_acc.append(0.5 + 0.1 * e)
        h.val_acc.append(0.45 + 0.1 * e)
        h.seconds.append(float(e))
    return h


def test_plot_history_draws_train_and_val_curves():
    h = make_history()
    fig = plot_history(h, title="run")
    loss_ax, acc_ax = fig.axes[:2]
    assert [line.get_label() for line in loss_ax.lines] == ["training", "validation"]
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), h.train_loss)
    np.testing.assert_allclose(acc_ax.lines[1].get_ydata(), h.val_acc)
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), [1, 2, 3, 4])
    assert loss_ax.get_xlabel() == "epoch" and loss_ax.get_ylabel() == "loss"
    assert acc_ax.get_ylabel() == "accuracy" and loss_ax.get_title()


def test_plot_history_compares_runs_and_redraws_into_given_axes():
    fig = plot_history({"raw": make_history(3, 1.0), "normalized": make_history(3)})
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels == ["raw: training", "raw: validation", "normalized: training",
                      "normalized: validation"]
    # redrawing into the same axes replaces the curves instead of adding more
    axes = fig.axes[:2]
    plot_history(make_history(5), axes=axes)
    assert len(axes[0].lines) == 2 and len(axes[0].lines[0].get_xdata()) == 5


def test_plot_history_skips_missing_validation_and_rejects_junk():
    h = make_history()
    h.val_loss = [float("nan")] * 4
    h.val_acc = [float("nan")] * 4
    fig = plot_history(h)
    assert len(fig.axes[0].lines) == 1
    with pytest.raises(TypeError, match="history"):
        plot_history([1, 2, 3])


def test_confusion_matrix_matches_numpy_counting():
    rng = np.random.default_rng(0)
    true = rng.integers(0, 5, 500)
    pred = np.where(rng.random(500) < 0.7, true, rng.integers(0, 5, 500))
    expected = np.zeros((5, 5), int)
    np.add.at(expected, (true, pred), 1)
    np.testing.assert_array_equal(confusion_matrix(true, pred), expected)
    fig = plot_confusion_matrix(true, pred, [f"c{i}" for i in range(5)])
    np.testing.assert_array_equal(fig.matrix, expected)
    assert fig.axes[0].texts[0].get_text() == str(expected[0, 0])
    assert fig.axes[0].get_xlabel() == "predicted class" and fig.axes[0].get_ylabel() == "true class"
    fig_n = plot_confusion_matrix(torch.from_numpy(true), torch.from_numpy(pred), normalize=True)
    np.testing.assert_allclose(fig_n.matrix, expected / expected.sum(1, keepdims=True))
    np.testing.assert_allclose(fig_n.matrix.sum(1), 1.0)


def test_confusion_matrix_keeps_absent_classes_and_checks_input():
    m = confusion_matrix([0, 0, 2], [0, 1, 2], num_classes=4)
    assert m.shape == (4, 4) and m.sum() == 3 and m[3].sum() == 0
    fig = plot_confusion_matrix([0, 1], [1, 1], ["a", "b", "c"], normalize=True)
    np.testing.assert_allclose(fig.matrix[2], 0.0)  # empty row: zeros, not NaN
    with pytest.raises(ValueError, match="lengths differ"):
        confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="num_classes"):
        confusion_matrix([0, 5], [0, 1], num_classes=3)


def test_most_confident_mistakes_are_the_most_confident_wrong_ones():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(300, 10)) * 3
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    true = rng.integers(0, 10, 300)
    idx = most_confident_mistakes(probs, true, n=7)
    pred = probs.argmax(1)
    wrong = np.flatnonzero(pred != true)
    conf = probs[wrong, pred[wrong]]
    assert len(idx) == 7
    assert np.all(pred[idx] != true[idx])  # really mistakes
    np.testing.assert_allclose(probs[idx, pred[idx]], np.sort(conf)[::-1][:7])  # really the most confident


def test_show_mistakes_titles_name_true_predicted_and_probability():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    true = np.array([1, 1, 1, 0])  # mistakes: 0 (0.9 for class 0), 2 (0.6), 3 (0.7)
    images = np.arange(4 * 9, dtype=np.float32).reshape(4, 1, 3, 3)
    fig = show_mistakes(images, probs, true, ["zero", "one"], n=5, cols=3)
    np.testing.assert_array_equal(fig.indices, [0, 3, 2])
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[0] == "true: one\npred: zero (90%)"
    assert titles[1] == "true: zero\npred: one (70%)"
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), images[0, 0])


def test_plot_probabilities_bars_match_and_prediction_is_named():
    probs = torch.tensor([0.05, 0.7, 0.25])
    fig = plot_probabilities(torch.zeros(1, 28, 28), probs, ["a", "b", "c"], true=2)
    bar_ax = fig.axes[-1] if fig.axes[-1].patches else fig.axes[1]
    bars = [ax for ax in fig.axes if len(ax.patches) == 3][0].patches
    np.testing.assert_allclose([b.get_height() for b in bars], probs.numpy(), rtol=1e-6)
    assert "predicted: b (70%)" in [ax for ax in fig.axes if len(ax.patches) == 3][0].get_title()
    assert "true: c" in fig.axes[0].get_title()
    assert bar_ax is not None
    with pytest.raises(ValueError, match="class_names"):
        plot_probabilities(np.zeros((28, 28)), probs, ["a", "b"])


# --------------------------------------------------------------------------- labels and empty arrays
from helpers.plots import show_array, show_images  # noqa: E402


@pytest.mark.parametrize("true, pred, num_classes, pattern", [
    ([0.5, 1.7], [0, 1], None, "true: expected whole class numbers, got 0.5"),
    ([0, 1], [0, -1], None, "predicted: expected class numbers >= 0, got -1"),
    ([0, 3], [0, 1], 3, r"true: expected class numbers below 3 \(num_classes\), got 3"),
    ([0, 1], [0, 1], 0, "num_classes: expected a positive int"),
    ([0, 1], ["a", "b"], None, "predicted: expected integer class numbers"),
])
def test_confusion_matrix_refuses_non_class_numbers(true, pred, num_classes, pattern):
    with pytest.raises((ValueError, TypeError), match=pattern):
        confusion_matrix(true, pred, num_classes)


def test_confusion_matrix_accepts_whole_floats_like_ints():
    np.testing.assert_array_equal(confusion_matrix([0.0, 1.0, 1.0], [0, 1, 0]), [[1, 0], [1, 1]])


def test_show_images_refuses_a_label_without_a_name():
    before = plt.get_fignums()
    images = np.zeros((3, 4, 4), np.uint8)
    with pytest.raises(ValueError, match=r"labels: expected class numbers 0..1 .* got 2"):
        show_images(images, [0, 1, 2], class_names=["a", "b"])
    with pytest.raises(ValueError, match=r"predictions: expected class numbers 0..1"):
        show_images(images, [0, 1, 1], class_names=["a", "b"], predictions=[0, 5, 1])
    with pytest.raises(TypeError, match="ncols"):
        show_images(images, ncols="3")
    assert plt.get_fignums() == before


@pytest.mark.parametrize("empty", [np.zeros((0, 3)), np.zeros((3, 0)), [[]]])
def test_show_array_refuses_an_empty_array(empty):
    with pytest.raises(ValueError, match="image: expected a non-empty array"):
        show_array(empty)
