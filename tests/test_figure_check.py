"""The figure check (tools/figure_check.py) on figures made to fail and made to pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from helpers.figures import apply_style, new_figure, render_png  # noqa: E402
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
