"""Keep `make bench` working: the FLOP counter against formulas and PyTorch's own counter,
the shared training loop's bookkeeping, the notebook runner, and the whole harness in its
tiny --quick mode. No timing is asserted anywhere: speed is reported by the benchmark."""

from __future__ import annotations

import json
import math
from pathlib import Path

import nbformat
import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.flops import count_macs, forward_flops, matmul_flops_per_second, training_flops_per_sample
from benchmarks.time_to_accuracy import TimeToTarget, subset, to_tensors, train_to_target
from helpers.evaluation import evaluate
from helpers.models import Recipe


# ----------------------------------------------------------------------------------------
# FLOP counter
# ----------------------------------------------------------------------------------------


def test_linear_macs_match_formula():
    layer = nn.Linear(20, 30)
    assert count_macs(layer, (4, 20)) == {"Linear": 4 * 20 * 30, "total": 4 * 20 * 30}


@pytest.mark.parametrize(
    "conv, hw",
    [
        (nn.Conv2d(3, 8, kernel_size=5, stride=2, padding=1), (28, 28)),
        (nn.Conv2d(4, 6, kernel_size=(3, 1), groups=2), (10, 7)),
        (nn.Conv2d(1, 32, kernel_size=3), (28, 28)),
    ],
)
def test_conv_macs_match_formula(conv: nn.Conv2d, hw: tuple[int, int]):
    n = 2
    kh, kw = conv.kernel_size
    (sh, sw), (ph, pw) = conv.stride, conv.padding
    h_out = (hw[0] + 2 * ph - kh) // sh + 1
    w_out = (hw[1] + 2 * pw - kw) // sw + 1
    expected = n * conv.out_channels * h_out * w_out * (conv.in_channels // conv.groups) * kh * kw
    assert count_macs(conv, (n, conv.in_channels, *hw))["total"] == expected


def _small_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(16 * 12 * 12, 32), nn.ReLU(), nn.Linear(32, 10),
    )


def test_forward_flops_agree_with_pytorch_flop_counter():
    model = _small_cnn()
    x = torch.zeros(3, 1, 28, 28)
    with FlopCounterMode(display=False) as counter:
        model(x)
    assert forward_flops(model, (3, 1, 28, 28)) == counter.get_total_flops()


def test_per_layer_counts_and_training_flops():
    model = _small_cnn()
    counts = count_macs(model, (1, 1, 28, 28))
    assert counts["0"] == 28 * 28 * 8 * 9
    assert counts["3"] == 12 * 12 * 16 * 8 * 9
    assert counts["6"] == 16 * 12 * 12 * 32
    assert counts["8"] == 32 * 10
    assert counts["total"] == sum(v for k, v in counts.items() if k != "total")
    assert training_flops_per_sample(model, (1, 28, 28)) == 6 * counts["total"]
    # the hooks are gone and the mode is restored
    assert all(not m._forward_hooks for m in model.modules())
    assert model.training


def test_count_macs_rejects_bad_shape():
    with pytest.raises(ValueError, match="input_shape"):
        count_macs(nn.Linear(3, 4), (0, 3))


def test_matmul_throughput_reports_median():
    mm = matmul_flops_per_second(64, 3)
    assert mm["flops_per_second"] == pytest.approx(2 * 64**3 / mm["median_seconds"])
    with pytest.raises(ValueError, match="repeats"):
        matmul_flops_per_second(64, 0)


# ----------------------------------------------------------------------------------------
# The shared training loop
# ----------------------------------------------------------------------------------------


def _Recipe(*fields, **named) -> Recipe:
    """A helpers.models.Recipe without input standardization (the inputs here are random)."""
    return Recipe(*fields, **{"mean": None, "std": None, **named})


def _linear_recipe(epochs: int = 2, scheduler_interval: str = "epoch", lr: float = 0.5) -> _Recipe:
    return _Recipe(
        name="tiny",
        build_model=lambda: nn.Sequential(nn.Flatten(), nn.Linear(4, 2)),
        build_optimizer=lambda m: torch.optim.SGD(m.parameters(), lr=lr),
        build_scheduler=lambda opt, steps: torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5),
        scheduler_interval=scheduler_interval,
        batch_size=10,
        epochs=epochs,
    )


def _separable(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 2, 2, generator=g)
    y = (x.flatten(1).sum(1) > 0).long()
    return x, y


def test_to_tensors_scales_and_standardizes():
    import numpy as np

    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    labels = np.array([3])
    x, y = to_tensors(images, labels, mean=None, std=None)
    assert x.shape == (1, 1, 2, 2) and x.dtype == torch.float32 and y.dtype == torch.int64
    torch.testing.assert_close(x[0, 0], torch.tensor([[0.0, 1.0], [0.2, 0.4]]))
    xs, _ = to_tensors(images, labels, mean=0.5, std=0.25)
    torch.testing.assert_close(xs, (x - 0.5) / 0.25)
    with pytest.raises(ValueError, match="mean and std"):
        to_tensors(images, labels, mean=0.5, std=None)
    with pytest.raises(TypeError, match="images: expected uint8"):
        to_tensors(images.astype(np.float32), labels)
    sub_x, sub_y = subset(np.arange(10), np.arange(10), 4)
    assert len(sub_x) == 4 and (sub_x == sub_y).all()


def test_loop_evaluates_at_quarter_epochs_and_steps_epoch_scheduler():
    train, test = _separable(80), _separable(40, seed=1)  # 8 batches of 10 per epoch
    r = train_to_target(_linear_recipe(epochs=3), train, test, target=1.01, eval_every=0.25)
    assert [c["epoch"] for c in r.curve] == [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0]
    assert r.seconds_to_target is None and r.stopped == "finished"
    assert r.samples_seen == 240 and r.epochs == 3.0
    assert r.test_accuracy == r.curve[-1]["test_accuracy"]
    seconds = [c["train_seconds"] for c in r.curve]
    assert seconds == sorted(seconds) and r.train_seconds >= seconds[-2]


def test_loop_learns_and_stops_at_target():
    train, test = _separable(200), _separable(200, seed=1)
    r = train_to_target(_linear_recipe(epochs=5, lr=0.1), train, test, target=0.9, eval_every=0.25, stop_at_target=True)
    assert len(r.curve) > 1  # it took more than one evaluation
    assert r.stopped == "reached_target"
    assert r.seconds_to_target is not None and r.seconds_to_target == r.curve[-1]["train_seconds"]
    assert r.test_accuracy >= 0.9 and all(c["test_accuracy"] < 0.9 for c in r.curve[:-1])
    assert r.epochs_to_target == r.curve[-1]["epoch"]


def test_loop_batch_cap_and_batch_scheduler():
    train, test = _separable(100), _separable(20, seed=1)
    seen = {}

    def build_scheduler(opt, steps):
        seen["steps_per_epoch"] = steps
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0 / (1 + step))

    recipe = _Recipe("tiny", lambda: nn.Sequential(nn.Flatten(), nn.Linear(4, 2)),
                     lambda m: torch.optim.SGD(m.parameters(), lr=0.1), build_scheduler, "batch", 32, 3)
    r = train_to_target(recipe, train, test, target=1.01, max_batches=5)
    assert seen["steps_per_epoch"] == math.ceil(100 / 32)
    assert r.stopped == "batch_cap" and r.samples_seen == 100 + 32  # 4 batches (32, 32, 32, 4) then one more
    # the last evaluation is the model's accuracy on the test set when it stopped
    assert [c["epoch"] for c in r.curve] == [0.25, 0.5, 0.75, 1.0, 1.25]  # every batch (4 per epoch)


def test_the_timer_rides_on_the_lessons_fit(monkeypatch):
    """train_to_target trains through helpers.training.fit (what the lessons call), not a copy."""
    from helpers import training

    calls = []
    real_fit = training.fit

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(training, "fit", spy)
    train, test = _separable(40), _separable(20, seed=1)
    r = train_to_target(_linear_recipe(epochs=1), train, test, target=1.01, eval_every=0.5)
    assert len(calls) == 1 and isinstance(calls[0]["callbacks"][0], TimeToTarget)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    assert r.curve[-1]["test_accuracy"] == pytest.approx(r.test_accuracy)
    assert 0.0 <= evaluate(model, test)[1] <= 1.0


def test_loop_rejects_bad_arguments():
    train = _separable(20)
    with pytest.raises(ValueError, match="eval_every"):
        train_to_target(_linear_recipe(), train, train, eval_every=0)
    with pytest.raises(ValueError, match="scheduler_interval"):
        train_to_target(_linear_recipe(scheduler_interval="step"), train, train)


# ----------------------------------------------------------------------------------------
# Notebook runner and the whole harness (quick mode)
# ----------------------------------------------------------------------------------------


def _write_notebook(path: Path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)


def test_execute_notebook_reports_failure(tmp_path: Path):
    from benchmarks.course import execute_notebook

    bad = tmp_path / "bad.ipynb"
    _write_notebook(bad, "x = 1", "raise ValueError('broken lesson')")
    r = execute_notebook(bad)
    assert not r["ok"] and "broken lesson" in r["error"]


def test_quick_harness_writes_json_table_and_readme(tmp_path: Path, capsys):
    from benchmarks import run as bench

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    # 200 MB held by the kernel: the peak memory reading must see it.
    _write_notebook(notebooks / "01_tiny.ipynb", "import numpy as np\nblock = np.ones(25_000_000)\nprint(block.sum())")
    readme = tmp_path / "README.md"
    readme.write_text("# Course\n\n<!-- bench:start -->\nold table\n<!-- bench:end -->\n\nafter\n")
    out = tmp_path / "build" / "bench.json"

    code = bench.main(["--quick", "--notebooks", str(notebooks), "--out", str(out), "--readme", str(readme), "--update-readme"])
    data = json.loads(out.read_text())
    assert code == 0, data["errors"]
    assert data["settings"]["quick"] is True
    for recipe in ("course", "pytorch_examples", "tutorial_cnn"):
        r = data["mnist"][recipe]
        assert "seconds_to_99" in r and 0.0 <= r["test_accuracy"] <= 1.0 and r["stopped"] == "batch_cap"
    assert 0.0 <= data["fashion"]["course"]["test_accuracy"] <= 1.0 and data["fashion"]["course"]["seconds"] > 0
    assert data["compute"]["training_flops"] == data["compute"]["training_flops_per_sample"] * data["mnist"]["course"]["samples_seen"]
    assert list(data["course"]["per_notebook"]) == ["01_tiny.ipynb"]
    assert data["course"]["per_notebook"]["01_tiny.ipynb"]["ok"]
    assert data["course"]["peak_rss_mb"] > 190 and data["course"]["total_seconds"] > 0
    assert data["micro"]["load_mnist"]["cold_seconds"] > 0
    for key in ("cpu", "cores", "torch", "numpy", "date"):
        assert data["machine"][key]
    assert set(data["goals"]) >= {"mnist_course_seconds_to_99", "course_peak_rss_mb"}

    text = readme.read_text()
    assert "old table" not in text and text.startswith("# Course\n\n<!-- bench:start -->\nLatest `make bench` run") and "\n| Benchmark |" in text
    assert text.endswith("<!-- bench:end -->\n\nafter\n") and "QUICK smoke run" in text
    assert "| Benchmark | Result | Goal | Met |" in capsys.readouterr().out


def test_update_readme_needs_markers(tmp_path: Path):
    from benchmarks.run import update_readme

    readme = tmp_path / "README.md"
    readme.write_text("no markers here\n")
    with pytest.raises(ValueError, match="bench:start"):
        update_readme(readme, "| table |")
    assert readme.read_text() == "no markers here\n"


def test_unknown_section_is_refused():
    from benchmarks.run import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--only", "mnist,gpu"])


def test_merge_keeps_sections_measured_earlier(tmp_path: Path):
    from benchmarks import run as bench

    out = tmp_path / "bench.json"
    earlier = {"machine": {"date": "2026-01-01T00:00:00Z", "loadavg_at_start": [1.0, 1.0, 1.0]},
               "course": {"per_notebook": {}, "total_seconds": 12.0, "peak_rss_mb": 300.0, "largest_notebook": "x",
                          "failed": [], "notebooks": 0, "complete": True},
               "micro": {"stale": True}}
    out.write_text(json.dumps(earlier))
    assert bench.main(["--quick", "--only", "micro", "--merge", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["course"] == earlier["course"] and data["merged_from_earlier_run"] == ["course"]
    assert data["measured"]["course"]["date"] == "2026-01-01T00:00:00Z"
    assert "stale" not in data["micro"] and data["micro"]["load_mnist"]["cold_seconds"] > 0
    assert data["measured"]["micro"]["date"] != "2026-01-01T00:00:00Z"
    assert "course 00:00 (1)" in bench.render_table(data)
