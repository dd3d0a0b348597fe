"""The figure check (tools/figure_check.py) on figures made to fail and made to pass."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.figures import COLUMN_WIDTH, DISPLAY_DPI, SHARP_DPI, apply_style, new_figure, render_png  # noqa: E402
from tools import figure_check  # noqa: E402
from tools.figure_check import check_figure  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def course_style():
    with matplotlib.rc_context():
        apply_style()
        yield
    plt.close("all")


def kinds(fig) -> list[str]:
    return sorted({f.kind for f in check_figure(fig)})


def test_a_plain_labelled_plot_passes():
    fig, ax = plt.subplots(figsize=(5, 3.4), layout="constrained")
    ax.plot([0, 1, 2], [0, 1, 4], label="loss")
    ax.set(title="Loss by epoch", xlabel="epoch", ylabel="loss")
    ax.legend(loc="upper left")
    assert check_figure(fig) == []


def test_tiny_text_is_found_with_its_size():
    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    ax.set_title("tiny", fontsize=6)
    found = [f for f in check_figure(fig) if f.kind == "small"]
    assert [f.text for f in found] == ["tiny"]
    assert "6.0 pt" in found[0].detail


def test_text_in_a_figure_wider_than_the_column_is_judged_at_the_shrunk_size():
    fig, ax = plt.subplots(figsize=(18, 3))  # shown at half size: 10 pt reads as 5 pt
    ax.set_title("ten points", fontsize=10)
    assert "ten points" in [f.text for f in check_figure(fig) if f.kind == "small"]


def test_overlapping_labels_are_found():
    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    ax.text(0.5, 0.5, "AlexNet", fontsize=10)
    ax.text(0.52, 0.5, "ZFNet", fontsize=10)
    found = [f for f in check_figure(fig) if f.kind == "overlap"]
    assert [f.text for f in found] == ["AlexNet / ZFNet"]


def test_crowded_tick_labels_are_found():
    fig, ax = plt.subplots(figsize=(1.5, 1.5))
    ax.set_xticks(range(10), [f"label {i}" for i in range(10)])
    assert "overlap" in kinds(fig)


def test_turned_labels_are_judged_by_their_own_outline():
    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"]
    ax.set_xticks(range(5), names, rotation=30, ha="right")  # boxes overlap, the turned text does not
    assert check_figure(fig) == []
    ax.set_xticks(range(5), names, rotation=5, ha="right", fontsize=20)  # turned less, bigger: the text collides
    assert "overlap" in kinds(fig)


def test_text_leaving_the_figure_is_found():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.text(1.05, 0.5, "DenseNet-121 and more", transform=ax.transAxes)
    assert kinds(fig) == ["outside"]


def test_text_cut_by_its_axes_is_found():
    fig, ax = plt.subplots(figsize=(4, 3))
    fig.subplots_adjust(right=0.6)  # room beside the axes: the text is cut by them, not by the figure
    ax.set_xlim(0, 1)
    ax.text(0.95, 0.5, "mini ResNet", clip_on=True)
    assert kinds(fig) == ["clipped"]


def test_a_legend_on_the_data_is_found_and_one_beside_it_is_not():
    fig, ax = plt.subplots(figsize=(5, 3.4), layout="constrained")
    ax.bar(range(4), [1, 1, 1, 1], label="accuracy")
    ax.legend(loc="center")
    assert kinds(fig) == ["legend"]
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    assert check_figure(fig) == []


def test_text_on_hidden_axes_is_not_judged():
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.set_xticks(range(10), [f"label {i}" for i in range(10)])
    ax.axis("off")
    assert check_figure(fig) == []


def test_untracked_widget_figures_are_checked_too():
    fig = new_figure(3, 2)
    fig.add_subplot().set_title("small", fontsize=5)
    assert kinds(fig) == ["small"]


def test_check_figure_refuses_what_is_not_a_figure():
    with pytest.raises(TypeError, match="fig: expected a matplotlib Figure, got list"):
        check_figure([])


def test_installed_check_logs_printed_figures_with_their_findings(tmp_path, monkeypatch):
    log = tmp_path / "figures.jsonl"
    original = figure_check.FigureCanvasBase.print_figure
    monkeypatch.setattr(figure_check.FigureCanvasBase, "print_figure", original)
    figure_check.install(log)
    good = new_figure(4, 3)
    good.add_subplot().set_title("fine")
    render_png(good)
    assert not log.exists()
    bad = new_figure(4, 3)
    bad.add_subplot().set_title("unreadable", fontsize=4)
    for _ in range(5):  # a widget redrawn many times: checked a few times only
        render_png(bad)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(entries) == figure_check.CHECKS_PER_FIGURE
    assert entries[0]["figure"] == "unreadable"
    assert [f["kind"] for f in entries[0]["findings"]] == ["small"]


def test_report_names_the_lesson_and_cell_and_fails_on_findings(tmp_path, capsys):
    nb = {"cells": [{"cell_type": "markdown", "source": ["# A lesson"]},
                    {"cell_type": "code", "source": ["plot_it()\n", "more()"]}]}
    (tmp_path / "07_x.ipynb").write_text(json.dumps(nb))
    log = tmp_path / "log.jsonl"
    entry = {"cell": "plot_it()\nmore()", "figure": "A", "findings": [
        {"kind": "small", "text": "t", "detail": "is 5.0 pt as shown (at least 9)"}]}
    log.write_text(json.dumps(entry) + "\n" + json.dumps(entry) + "\n")
    assert figure_check.main(["report", str(log), "--notebooks", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "07_x.ipynb cell 1 (plot_it()) figure 'A'" in out
    assert "1 figure(s) with findings" in out
    log.write_text("")
    assert figure_check.main(["report", str(log), "--notebooks", str(tmp_path)]) == 0


def test_a_kernel_started_with_the_startup_file_logs_and_keeps_its_namespace_clean(tmp_path):
    from jupyter_client.manager import start_new_kernel

    log = tmp_path / "log.jsonl"
    env = dict(os.environ, PYTHONSTARTUP=str(ROOT / "tools" / "figure_check_startup.py"),
               CNN_COURSE_FIGURE_LOG=str(log))
    before = ("import matplotlib.pyplot as plt\n"
              "names = sorted(k for k in globals() if not k.startswith('_'))\n")
    draw = "fig, ax = plt.subplots(); ax.set_title('tiny', fontsize=3)\n"
    manager, client = start_new_kernel(env=env, cwd=str(tmp_path))
    try:
        outputs = []
        for code in (before, draw, "print(names)"):
            client.execute_interactive(code, timeout=120, output_hook=outputs.append, store_history=False)  # as nbval runs cells
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    printed = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    assert printed.strip() == "['In', 'Out', 'exit', 'get_ipython', 'open', 'plt', 'quit']"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["cell"], e["figure"]) for e in entries] == [(draw, "tiny")]
    assert entries[0]["findings"][0]["kind"] == "small"


# --------------------------------------------------------------------------- #
# The course's own helper figures pass the check (and keep one ink convention).
# --------------------------------------------------------------------------- #

NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _history(rate: float) -> dict:
    e = np.arange(1, 6)
    return {"train_loss": list(2 * np.exp(-rate * e)), "val_loss": list(2.1 * np.exp(-rate * e)),
            "train_acc": list(1 - 0.9 * np.exp(-rate * e)), "val_acc": list(1 - 0.92 * np.exp(-rate * e))}


def _helper_figures():
    from helpers import animation, features, plots

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (20, 28, 28)).astype(np.uint8)
    labels, predicted = rng.integers(0, 10, 20), rng.integers(0, 10, 20)
    probs = rng.dirichlet(np.ones(10), 20)
    yield "show_images", lambda: plots.show_images(images, labels, class_names=NAMES, predictions=predicted, title="t")
    yield "show_array 28 x 28", lambda: plots.show_array(images[0]).figure
    yield "show_array floats", lambda: plots.show_array(rng.normal(size=(8, 8))).figure
    yield "plot_class_counts", lambda: plots.plot_class_counts(labels, class_names=NAMES).figure
    yield "show_channels", lambda: plots.show_channels(rng.integers(0, 256, (40, 60, 3)).astype(np.uint8))
    yield "plot_history runs", lambda: plots.plot_history({"full batch (1 step per epoch)": _history(0.1),
                                                           "mini-batches of 50 + momentum 0.9": _history(1.0)})
    yield "plot_confusion_matrix", lambda: plots.plot_confusion_matrix(labels, predicted, NAMES, normalize=True)
    yield "show_mistakes", lambda: plots.show_mistakes(images, probs, labels, NAMES)
    yield "plot_probabilities", lambda: plots.plot_probabilities(images[0] / 255 - 0.3, probs[0], NAMES)
    yield "plot_accuracy_curves", lambda: plots.plot_accuracy_curves(
        [0, 10, 20], {"plain": [0.9, 0.8, 0.5], "augmented": [0.95, 0.9, 0.8]}, xlabel="angle", title="t").figure
    yield "plot_filters", lambda: features.plot_filters(rng.normal(size=(16, 1, 3, 3)))
    yield "plot_feature_maps", lambda: features.plot_feature_maps(rng.random((32, 14, 14)))
    from helpers.block_diagrams import BLOCKS, draw_block

    for block in BLOCKS:
        yield f"draw_block {block}", lambda block=block: draw_block(block).figure
    yield "animate_convolution", lambda: _shown(animation.animate_convolution(np.arange(36).reshape(6, 6) % 3,
                                                                              np.ones((3, 3))))
    yield "animate_pooling", lambda: _shown(animation.animate_pooling(np.arange(36).reshape(6, 6) % 7))


def _shown(anim):
    """An animation's first frame, drawn (so matplotlib does not warn that it never rendered)."""
    anim._init_draw()
    anim.view.draw_step(0)
    return anim.view.fig


@pytest.mark.parametrize("name, make", list(_helper_figures()), ids=[n for n, _ in _helper_figures()])
def test_every_helper_figure_passes_the_check(name, make):
    fig = make()
    assert fig.get_figwidth() <= COLUMN_WIDTH + 1e-9, f"{name} is wider than the column"
    assert check_figure(fig) == []


def _widget_arguments() -> dict:
    """What the builders that have no defaults are given: a fresh CourseCNN and a blank digit."""
    from helpers.models import CourseCNN

    return {"receptive_field_explorer": (CourseCNN(), np.zeros((28, 28)))}


@pytest.mark.parametrize("module, builder", [
    ("conv_widgets", "conv_stepper"), ("conv_widgets", "pool_stepper"), ("conv_widgets", "conv_size_explorer"),
    ("descent", "gradient_descent_explorer"), ("mlp_widgets", "parameter_counter"), ("neurons", "softmax_explorer"),
    ("receptive_field", "receptive_field_explorer")])
def test_widget_pictures_pass_the_check_and_are_shown_at_drawn_size(module, builder, monkeypatch):
    import importlib

    from helpers import figures

    drawn = []
    render = figures.render_png
    monkeypatch.setattr(figures, "render_png", lambda fig, dpi=None: (drawn.append(fig), render(fig, dpi))[1])
    args = _widget_arguments().get(builder, ())
    box = getattr(importlib.import_module(f"helpers.{module}"), builder)(*args)
    fig, picture = drawn[-1], box.outputs["picture"]
    assert check_figure(fig) == []
    assert picture.layout.width == f"{round(fig.get_figwidth() * DISPLAY_DPI)}px"  # never scaled up
    png_width = int.from_bytes(picture.value[16:20], "big")
    assert png_width == round(fig.get_figwidth() * SHARP_DPI)  # twice the pixels shown: sharp


def test_mistakes_are_white_ink_on_black_like_every_digit():
    from helpers import plots

    rng = np.random.default_rng(1)
    fig = plots.show_mistakes(rng.integers(0, 256, (6, 28, 28)), rng.dirichlet(np.ones(3), 6), np.zeros(6, int))
    assert {im.get_cmap().name for ax in fig.axes for im in ax.images} == {"gray"}


def test_a_widget_picture_drawn_from_two_threads_is_never_mixed():
    """Two events redrawing one widget figure at once must each send a whole, correct picture."""
    import threading

    import ipywidgets as widgets

    from helpers import figures

    fig = figures.new_figure(6.4, 2.6)
    ax = fig.add_subplot()
    ax.imshow(np.zeros((28, 28)), cmap="gray")
    ax.set(title="what the network sees", xlabel="column", ylabel="row")
    picture = widgets.Image(format="png")
    figures.show_png(picture, fig)
    reference, mixed = picture.value, []

    def redraw():
        for _ in range(30):
            figures.show_png(picture, fig)
            if picture.value != reference:
                mixed.append(picture.value)

    threads = [threading.Thread(target=redraw) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not mixed, f"{len(mixed)} of 60 pictures differ from the figure drawn alone"
    assert fig.dpi == figures.DISPLAY_DPI
