"""Tests for helpers.training: learning, early stopping, checkpoints, devices, bad input."""

from __future__ import annotations

import copy
import math
import os
import random

import numpy as np
import pytest
import torch
from torch import nn

from helpers import curves, training
from helpers.plots import LivePlot
from helpers.data import load_mnist
from helpers.training import (
    History,
    evaluate,
    fit,
    pick_device,
    predict,
    set_seed,
    to_tensors,
    train_epoch,
)
from helpers.callbacks import Callback, Checkpoint, EarlyStopping, StopTraining
from helpers.checkpoints import CheckpointError, load_checkpoint, save_checkpoint


@pytest.fixture(scope="module")
def mnist_small():
    """2000 real training digits and 1000 validation digits, standardized."""
    images, labels = load_mnist("train")
    train = to_tensors(images[:2000], labels[:2000], mean=0.1307, std=0.3081)
    val = to_tensors(images[2000:3000], labels[2000:3000], mean=0.1307, std=0.3081)
    return train, val


def small_mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))


# --------------------------------------------------------------------------- seeds, devices
def test_set_seed_makes_python_numpy_and_torch_repeat():
    set_seed(123)
    a = (random.random(), np.random.rand(), torch.rand(3))
    set_seed(123)
    b = (random.random(), np.random.rand(), torch.rand(3))
    assert a[0] == b[0] and a[1] == b[1] and torch.equal(a[2], b[2])
    set_seed(124)
    assert random.random() != a[0]


@pytest.mark.parametrize("bad", [1.5, "3", None, True])
def test_set_seed_rejects_non_int(bad):
    with pytest.raises(TypeError, match="seed"):
        set_seed(bad)


def test_pick_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device() == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device() == torch.device("mps")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device() == torch.device("cpu")


# --------------------------------------------------------------------------- to_tensors
def test_to_tensors_scales_standardizes_and_adds_channel():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    labels = np.array([7])
    x, y = to_tensors(images, labels)
    assert x.shape == (1, 1, 2, 2) and x.dtype == torch.float32
    np.testing.assert_allclose(x[0, 0].numpy(), images[0] / 255.0, rtol=1e-6)
    assert y.dtype == torch.int64 and y.tolist() == [7]
    xs, _ = to_tensors(images, labels, mean=0.5, std=0.25, channel_axis=False)
    assert xs.shape == (1, 2, 2)
    np.testing.assert_allclose(xs[0].numpy(), (images[0] / 255.0 - 0.5) / 0.25, rtol=1e-5)


def test_to_tensors_bad_input_messages():
    img = np.zeros((3, 4, 4), np.uint8)
    with pytest.raises(ValueError, match=r"lengths differ \(3 images, 2 labels\)"):
        to_tensors(img, np.zeros(2, np.int64))
    with pytest.raises(TypeError, match="uint8"):
        to_tensors(img.astype(np.float32), np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="both or neither"):
        to_tensors(img, np.zeros(3, np.int64), mean=0.1)
    with pytest.raises(TypeError, match="labels"):
        to_tensors(img, np.zeros(3, np.float32))


# --------------------------------------------------------------------------- fit learns
def test_fit_learns_on_real_digits(mnist_small):
    train, val = mnist_small
    set_seed(0)
    model = small_mlp()
    before_loss, before_acc = evaluate(model, val)
    hist = fit(model, train, val, epochs=4, batch_size=64, progress=False,
               optimizer=torch.optim.Adam(model.parameters(), lr=1e-3), device="cpu")
    assert isinstance(hist, History) and hist.epochs == [1, 2, 3, 4]
    assert len(hist.train_loss) == len(hist.val_acc) == len(hist.seconds) == 4
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    assert hist.val_loss[-1] < before_loss
    assert before_acc < 0.3 and hist.val_acc[-1] > 0.85
    assert all(b >= a for a, b in zip(hist.seconds, hist.seconds[1:]))
    assert hist.best_epoch == int(np.argmin(hist.val_loss)) + 1
    # history's final validation figures are what evaluate() reports
    loss, acc = evaluate(model, val)
    assert math.isclose(loss, hist.val_loss[-1], rel_tol=1e-5) and acc == hist.val_acc[-1]


def test_fit_is_reproducible_with_a_seed(mnist_small):
    train, val = mnist_small
    runs = []
    for _ in range(2):
        set_seed(5)
        model = small_mlp()
        runs.append(fit(model, (train[0][:500], train[1][:500]), val, epochs=2, progress=False,
                        optimizer=torch.optim.SGD(model.parameters(), lr=0.05), device="cpu"))
    assert runs[0].train_loss == runs[1].train_loss and runs[0].val_acc == runs[1].val_acc


def test_evaluate_matches_a_direct_computation_and_restores_mode(mnist_small):
    _, (x, y) = mnist_small
    set_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(784, 10))
    model.train()
    loss, acc = evaluate(model, (x, y), batch_size=300)  # uneven last batch
    assert model.training
    model.eval()
    with torch.no_grad():
        logits = model(x)
    assert math.isclose(loss, float(nn.functional.cross_entropy(logits, y)), rel_tol=1e-5)
    assert acc == int((logits.argmax(1) == y).sum()) / len(y)


def test_predict_gives_probabilities(mnist_small):
    _, (x, _) = mnist_small
    set_seed(2)
    model = small_mlp()
    probs = predict(model, x[:250], batch_size=100)
    assert probs.shape == (250, 10)
    torch.testing.assert_close(probs.sum(1), torch.ones(250))
    with torch.no_grad():
        torch.testing.assert_close(probs, torch.softmax(model(x[:250]), 1))


def test_scheduler_is_stepped_per_batch_or_per_epoch(mnist_small):
    (x, y), val = mnist_small
    data = (x[:256], y[:256])
    for interval, expected_steps in (("batch", 2 * 4), ("epoch", 2)):
        model = small_mlp()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        fit(model, data, val, epochs=2, batch_size=64, optimizer=opt, scheduler=sched,
            scheduler_interval=interval, progress=False, device="cpu")
        assert math.isclose(opt.param_groups[0]["lr"], 0.1 * 0.5**expected_steps)


def test_augment_is_applied_to_training_batches_only(mnist_small):
    (x, y), val = mnist_small
    seen = []

    def augment(xb):
        seen.append(len(xb))
        return xb

    model = small_mlp()
    fit(model, (x[:300], y[:300]), val, epochs=1, batch_size=128, augment=augment,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1), progress=False, device="cpu")
    assert seen == [128, 128, 44]


# --------------------------------------------------------------------------- early stopping
def test_early_stopping_stops_and_restores_the_best(mnist_small, tmp_path):
    (x, y), val = mnist_small
    set_seed(3)
    model = small_mlp()
    # A tiny training set and a large learning rate: validation loss soon rises.
    hist = fit(model, (x[:100], y[:100]), val, epochs=60, batch_size=20,
               optimizer=torch.optim.Adam(model.parameters(), lr=1e-2),
               callbacks=[EarlyStopping(patience=3), Checkpoint(tmp_path / "best.pt", restore_best=True)],
               progress=False, device="cpu")
    assert hist.stopped_early and hist.stop_reason.startswith("stopped early after epoch")
    assert len(hist) < 60
    assert len(hist) == hist.best_epoch + 3  # stopped exactly `patience` epochs after the best
    assert min(hist.val_loss[hist.best_epoch:]) >= hist.val_loss[hist.best_epoch - 1]
    # restore_best put the best weights back: evaluate reproduces the best val loss
    loss, _ = evaluate(model, val)
    assert math.isclose(loss, hist.val_loss[hist.best_epoch - 1], rel_tol=1e-5)
    # and the checkpoint holds the same weights
    state = torch.load(tmp_path / "best.pt", weights_only=True)
    for k, v in model.state_dict().items():
        torch.testing.assert_close(state[k], v)


def test_no_early_stopping_runs_all_epochs(mnist_small):
    (x, y), val = mnist_small
    model = small_mlp()
    hist = fit(model, (x[:100], y[:100]), val, epochs=3, progress=False, device="cpu",
               optimizer=torch.optim.SGD(model.parameters(), lr=0.01))
    assert len(hist) == 3 and not hist.stopped_early


# --------------------------------------------------------------------------- checkpoints
def test_checkpoint_reloads_weights_only(tmp_path):
    set_seed(4)
    model = small_mlp()
    path = save_checkpoint(model.state_dict(), tmp_path / "sub" / "model.pt")
    assert path.exists()
    state = torch.load(path, weights_only=True)
    assert set(state) == set(model.state_dict())
    fresh = load_checkpoint(small_mlp(), path)
    for k, v in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[k], v)


def test_checkpoint_survives_a_crash_mid_save(tmp_path, monkeypatch):
    set_seed(4)
    old = small_mlp()
    path = tmp_path / "best.pt"
    save_checkpoint(old.state_dict(), path)
    before = path.read_bytes()

    real_save = torch.save

    def crashing_save(obj, f, *args, **kwargs):
        f.write(b"half a checkpoint")  # some bytes reach the disk...
        raise KeyboardInterrupt("power cut")  # ...then the run dies

    monkeypatch.setattr(training.torch, "save", crashing_save)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(small_mlp().state_dict(), path)
    monkeypatch.setattr(training.torch, "save", real_save)

    assert path.read_bytes() == before  # old checkpoint intact
    assert sorted(os.listdir(tmp_path)) == ["best.pt", "best.pt.sha256"]  # no partial temporary file
    reloaded = load_checkpoint(small_mlp(), path)
    for k, v in old.state_dict().items():
        assert torch.equal(reloaded.state_dict()[k], v)


def test_fit_crash_during_checkpoint_keeps_previous_best(mnist_small, tmp_path, monkeypatch):
    (x, y), val = mnist_small
    path = tmp_path / "best.pt"
    calls = {"n": 0}
    real_save = torch.save

    def save_then_crash(obj, f, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            f.write(b"partial")
            raise OSError("disk full")
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(training.torch, "save", save_then_crash)
    set_seed(6)
    model = small_mlp()
    with pytest.raises(OSError, match="disk full"):
        fit(model, (x[:500], y[:500]), val, epochs=5, callbacks=[Checkpoint(path)], progress=False,
            optimizer=torch.optim.Adam(model.parameters(), lr=1e-3), device="cpu")
    assert sorted(os.listdir(tmp_path)) == ["best.pt", "best.pt.sha256"]
    load_checkpoint(small_mlp(), path)  # checksum and weights of epoch 1 still agree
    state = torch.load(path, weights_only=True)  # the epoch-1 checkpoint, loadable
    small_mlp().load_state_dict(state)


# --------------------------------------------------------------------------- progress, live plot
def test_progress_bar_is_one_short_bar(mnist_small, capsys):
    (x, y), val = mnist_small
    model = small_mlp()
    fit(model, (x[:256], y[:256]), val, epochs=3, batch_size=32, progress=True, device="cpu",
        optimizer=torch.optim.SGD(model.parameters(), lr=0.05))
    err = capsys.readouterr().err
    assert "val_acc" in err and "epoch=3/3" in err
    assert err.count("\n") <= 2  # one bar, redrawn in place, not a line per batch


def test_live_plot_outside_a_notebook_is_quiet(mnist_small):
    import matplotlib.pyplot as plt

    (x, y), val = mnist_small
    model = small_mlp()
    n_before = len(plt.get_fignums())
    fit(model, (x[:128], y[:128]), val, epochs=2, callbacks=[LivePlot()], progress=False, device="cpu",
        optimizer=torch.optim.SGD(model.parameters(), lr=0.05))
    assert len(plt.get_fignums()) == n_before


def test_live_plot_updates_one_display_in_place(mnist_small, monkeypatch):
    import matplotlib.pyplot as plt

    (x, y), val = mnist_small
    events = []

    class Handle:
        def update(self, fig):
            events.append(("update", id(fig), len(fig.axes[0].lines[0].get_xdata())))

    def fake_display(fig, display_id=False):
        events.append(("display", id(fig), len(fig.axes[0].lines[0].get_xdata())))
        return Handle()

    monkeypatch.setattr(curves, "_in_notebook_kernel", lambda: True)
    monkeypatch.setattr(curves, "display", fake_display)
    n_before = len(plt.get_fignums())
    model = small_mlp()
    fit(model, (x[:128], y[:128]), val, epochs=3, callbacks=[LivePlot()], progress=False, device="cpu",
        optimizer=torch.optim.SGD(model.parameters(), lr=0.05))
    assert [e[0] for e in events] == ["display", "update", "update"]
    assert len({e[1] for e in events}) == 1  # the same figure every time
    assert [e[2] for e in events] == [1, 2, 3]  # with one more point per epoch
    assert len(plt.get_fignums()) == n_before  # closed afterwards


def test_callbacks_hear_every_epoch_and_are_closed_even_after_an_error(mnist_small):
    (x, y), val = mnist_small
    seen = []

    class Recorder:
        def on_epoch_end(self, history, *, epochs):
            seen.append((history.epochs[-1], epochs))
            if len(seen) == 2:
                raise RuntimeError("stop here")

        def close(self):
            seen.append("closed")

    model = small_mlp()
    with pytest.raises(RuntimeError, match="stop here"):
        fit(model, (x[:64], y[:64]), val, epochs=3, callbacks=[Recorder()], progress=False, device="cpu",
            optimizer=torch.optim.SGD(model.parameters(), lr=0.05))
    assert seen == [(1, 3), (2, 3), "closed"]
    with pytest.raises(TypeError, match="callbacks"):
        fit(model, (x[:64], y[:64]), val, epochs=1, callbacks=[object()], progress=False, device="cpu",
            optimizer=torch.optim.SGD(model.parameters(), lr=0.05))
    with pytest.raises(TypeError, match="callbacks"):
        fit(model, (x[:64], y[:64]), val, epochs=1, callbacks=LivePlot(), progress=False, device="cpu",
            optimizer=torch.optim.SGD(model.parameters(), lr=0.05))


def test_a_callback_can_stop_mid_epoch_and_sees_every_batch(mnist_small):
    (x, y), val = mnist_small
    steps = []

    class StopAtFive(Callback):
        def on_fit_begin(self, model, *, epochs, steps_per_epoch, has_val):
            steps.append(("begin", epochs, steps_per_epoch, has_val))

        def on_batch_end(self, step, loss):
            steps.append(step)
            assert loss.ndim == 0 and not loss.requires_grad
            if step == 5:
                raise StopTraining("enough batches")

    model = small_mlp()
    hist = fit(model, (x[:256], y[:256]), val, epochs=3, batch_size=64, callbacks=[StopAtFive()],
               progress=False, device="cpu", optimizer=torch.optim.SGD(model.parameters(), lr=0.05))
    # 4 batches per epoch: epoch 1 finishes, the run stops in the first batch of epoch 2
    assert steps == [("begin", 3, 4, True), 1, 2, 3, 4, 5]
    assert len(hist) == 1 and hist.stop_reason == "enough batches" and not hist.stopped_early


def test_train_epoch_is_the_loop_fit_runs(mnist_small):
    (x, y), val = mnist_small
    x, y = x[:300], y[:300]
    set_seed(11)
    a = small_mlp()
    b = copy.deepcopy(a)
    set_seed(12)
    mean_loss = train_epoch(a, x, y, torch.optim.SGD(a.parameters(), lr=0.05), nn.CrossEntropyLoss(), 64)
    set_seed(12)
    hist = fit(b, (x, y), None, epochs=1, batch_size=64, optimizer=torch.optim.SGD(b.parameters(), lr=0.05),
               progress=False, device="cpu")
    assert math.isclose(mean_loss, hist.train_loss[0], rel_tol=1e-6)
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb)


def test_train_epoch_matches_the_loop_lesson_05_writes(mnist_small):
    (x, y), _ = mnist_small
    x, y = x[:200], y[:200]
    set_seed(4)
    a = small_mlp()
    b = copy.deepcopy(a)
    opt_b = torch.optim.SGD(b.parameters(), lr=0.1)
    set_seed(5)
    mean_loss = train_epoch(a, x, y, torch.optim.SGD(a.parameters(), lr=0.1), nn.CrossEntropyLoss(), 32)
    set_seed(5)
    order, total = torch.randperm(len(x)), 0.0
    for start in range(0, len(x), 32):
        idx = order[start:start + 32]
        loss = nn.functional.cross_entropy(b(x[idx]), y[idx])
        opt_b.zero_grad()
        loss.backward()
        opt_b.step()
        total += loss.item() * len(idx)
    assert math.isclose(mean_loss, total / len(x), rel_tol=1e-5)
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb)


def test_train_epoch_refuses_bad_input(mnist_small):
    (x, y), _ = mnist_small
    model = small_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="x and y: expected float x"):
        train_epoch(model, x.to(torch.uint8), y, opt)
    with pytest.raises(ValueError, match="x and y: x and y lengths differ"):
        train_epoch(model, x[:10], y[:9], opt)
    with pytest.raises(TypeError, match="optimizer"):
        train_epoch(model, x, y, "sgd")
    with pytest.raises(ValueError, match="y: labels go up to 10"):
        train_epoch(model, x[:4], torch.tensor([0, 1, 2, 10]), opt)
    with pytest.raises(ValueError, match="batch_size"):
        train_epoch(model, x, y, opt, None, 0)


# --------------------------------------------------------------------------- bad input
def _opt(model):
    return torch.optim.SGD(model.parameters(), lr=0.1)


def test_fit_rejects_mismatched_lengths():
    model = small_mlp()
    x, y = torch.zeros(10, 1, 28, 28), torch.zeros(9, dtype=torch.int64)
    with pytest.raises(ValueError, match=r"train: x and y lengths differ \(10 inputs, 9 labels\)"):
        fit(model, (x, y), None, epochs=1, optimizer=_opt(model), progress=False)
    good = (torch.zeros(10, 1, 28, 28), torch.zeros(10, dtype=torch.int64))
    with pytest.raises(ValueError, match="val: x and y lengths differ"):
        fit(model, good, (x, y), epochs=1, optimizer=_opt(model), progress=False)


@pytest.mark.parametrize(
    "train, err, pattern",
    [
        ((torch.zeros(4, 1, 28, 28, dtype=torch.uint8), torch.zeros(4, dtype=torch.int64)),
         TypeError, "expected float x"),
        ((torch.zeros(4, 1, 28, 28), torch.zeros(4)), TypeError, "int64 class labels"),
        ((np.zeros((4, 784), np.float32), np.zeros(4, np.int64)), TypeError, "torch tensors"),
        (torch.zeros(4, 784), TypeError, r"\(x, y\) pair"),
        ((torch.zeros(4, 1, 28, 28), torch.zeros(4, 1, dtype=torch.int64)), ValueError, r"shape \(N,\)"),
    ],
)
def test_fit_rejects_bad_data(train, err, pattern):
    model = small_mlp()
    with pytest.raises(err, match=pattern):
        fit(model, train, None, epochs=1, optimizer=_opt(model), progress=False)


def test_fit_rejects_bad_settings():
    model = small_mlp()
    data = (torch.zeros(4, 1, 28, 28), torch.zeros(4, dtype=torch.int64))
    with pytest.raises(ValueError, match="epochs: expected a positive int, got 0"):
        fit(model, data, data, epochs=0, optimizer=_opt(model))
    with pytest.raises(TypeError, match="batch_size"):
        fit(model, data, data, epochs=1, batch_size=32.0, optimizer=_opt(model))
    with pytest.raises(TypeError, match="optimizer"):
        fit(model, data, data, epochs=1, optimizer="adam")
    with pytest.raises(ValueError, match="scheduler_interval"):
        fit(model, data, data, epochs=1, optimizer=_opt(model), scheduler_interval="step")
    with pytest.raises(ValueError, match="needs validation data"):
        fit(model, data, None, epochs=1, optimizer=_opt(model), callbacks=[EarlyStopping(2)])
    with pytest.raises(ValueError, match="needs validation data"):
        fit(model, data, None, epochs=1, optimizer=_opt(model), callbacks=[Checkpoint(restore_best=True)])
    with pytest.raises(ValueError, match="val: inputs have shape"):
        fit(model, data, (torch.zeros(4, 784), data[1]), epochs=1, optimizer=_opt(model))


def test_fit_reports_a_diverging_run():
    set_seed(0)
    model = small_mlp()
    x = torch.randn(64, 1, 28, 28) * 1e6  # unnormalized and huge
    y = torch.randint(0, 10, (64,))
    with pytest.raises(FloatingPointError, match="learning rate"):
        fit(model, (x, y), None, epochs=3, optimizer=torch.optim.SGD(model.parameters(), lr=1e3),
            progress=False, device="cpu")


def test_fit_can_stop_and_record_a_diverging_run():
    set_seed(0)
    model = small_mlp()
    x = torch.randn(64, 1, 28, 28) * 1e6
    y = torch.randint(0, 10, (64,))
    hist = fit(model, (x, y), (x, y), epochs=5, optimizer=torch.optim.SGD(model.parameters(), lr=1e3),
               progress=False, device="cpu", on_nonfinite="stop")
    assert hist.diverged and len(hist) < 5 and not math.isfinite(hist.train_loss[-1])
    with pytest.raises(ValueError, match="on_nonfinite"):
        fit(model, (x, y), None, epochs=1, optimizer=_opt(model), on_nonfinite="ignore")


# --------------------------------------------------------------------------- damaged checkpoints
def _saved(tmp_path):
    set_seed(8)
    return save_checkpoint(small_mlp().state_dict(), tmp_path / "model.pt")


def _assert_clear(exc_info, path):
    text = str(exc_info.value)
    assert str(path) in text and ("train again" in text or "save it again" in text)
    assert "weights_only=False" not in text and "weights_only" not in text


def test_empty_checkpoint_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty") as info:
        load_checkpoint(small_mlp(), path)
    _assert_clear(info, path)


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_truncated_or_flipped_checkpoint_is_caught_by_its_sha256(tmp_path, damage):
    path = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2] ^= 0x01  # one bit of one weight
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="sha256") as info:
        load_checkpoint(small_mlp(), path)
    _assert_clear(info, path)


@pytest.mark.parametrize("content", ["random", "pickle", "truncated-no-checksum"])
def test_foreign_or_damaged_file_without_checksum_is_a_clear_error(tmp_path, content):
    import pickle

    path = tmp_path / "other.pt"
    if content == "random":
        path.write_bytes(np.random.default_rng(0).bytes(4000))
    elif content == "pickle":
        path.write_bytes(pickle.dumps({"model": object.__new__(nn.Linear)}))
    else:
        torch.save(small_mlp().state_dict(), path)
        path.write_bytes(path.read_bytes()[:700])
    with pytest.raises(CheckpointError, match="not a readable weights checkpoint") as info:
        load_checkpoint(small_mlp(), path)
    _assert_clear(info, path)


def test_checkpoint_of_something_else_is_refused(tmp_path):
    path = tmp_path / "list.pt"
    torch.save([1, 2, 3], path)
    with pytest.raises(CheckpointError, match="holds a list"):
        load_checkpoint(small_mlp(), path)


def test_checkpoint_that_does_not_fit_names_the_keys(tmp_path):
    path = _saved(tmp_path)
    other = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10), nn.Linear(10, 3))
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(other, path)
    text = str(info.value)
    assert "1.weight (64, 784) vs (32, 784)" in text
    assert "missing from the file: 4.bias, 4.weight" in text


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.pt"):
        load_checkpoint(small_mlp(), tmp_path / "nothing.pt")


def test_checkpoint_arguments_are_checked(tmp_path):
    with pytest.raises(TypeError, match="state_dict"):
        save_checkpoint(small_mlp(), tmp_path / "m.pt")
    with pytest.raises(TypeError, match="model"):
        load_checkpoint(None, _saved(tmp_path))


# --------------------------------------------------------------------------- bad training input
def _tiny_data(n=64, classes=10):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 1, 28, 28, generator=g), torch.randint(0, classes, (n,), generator=g)


def test_labels_beyond_the_output_width_are_named():
    x, y = _tiny_data()
    y[5] = 12
    model = small_mlp()
    with pytest.raises(ValueError, match=r"train: labels go up to 12, but the model outputs 10"):
        fit(model, (x, y), None, epochs=1, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            progress=False, device="cpu")
    with pytest.raises(ValueError, match=r"data: labels go up to 12"):
        evaluate(model, (x, y))
    xv, yv = _tiny_data(16)
    yv[0] = 10
    with pytest.raises(ValueError, match=r"val: labels go up to 10"):
        fit(model, _tiny_data(), (xv, yv), epochs=1, progress=False, device="cpu",
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1))


@pytest.mark.parametrize("bad", [None, "model", small_mlp().state_dict()])
def test_model_must_be_a_module(bad):
    with pytest.raises(TypeError, match="model"):
        fit(bad, _tiny_data(), None, epochs=1, optimizer=torch.optim.SGD(small_mlp().parameters(), lr=0.1))
    with pytest.raises(TypeError, match="model"):
        evaluate(bad, _tiny_data())
    with pytest.raises(TypeError, match="model"):
        predict(bad, _tiny_data()[0])


def test_scheduler_as_a_string_is_refused():
    model = small_mlp()
    with pytest.raises(TypeError, match="scheduler"):
        fit(model, _tiny_data(), None, epochs=1, scheduler="onecycle", progress=False, device="cpu",
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1))


@pytest.mark.parametrize("bad", ["tpu", "gpu0", "cpu:x", "banana"])
def test_unknown_device_is_a_value_error(bad):
    model = small_mlp()
    with pytest.raises(ValueError, match="device"):
        fit(model, _tiny_data(), None, epochs=1, device=bad, progress=False,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1))


def test_absent_cuda_is_a_value_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    model = small_mlp()
    with pytest.raises(ValueError, match="device"):
        fit(model, _tiny_data(), None, epochs=1, device="cuda", progress=False,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1))


@pytest.mark.parametrize("mean, std", [(0.1, math.inf), (0.1, 0.0), (0.1, math.nan), (math.nan, 0.3),
                                       (0.1, -1.0), ("0.1", 0.3)])
def test_to_tensors_refuses_bad_mean_and_std(mean, std):
    images = np.zeros((2, 28, 28), np.uint8)
    name = "mean" if (isinstance(mean, str) or math.isnan(mean)) else "std"
    with pytest.raises((ValueError, TypeError), match=name):
        to_tensors(images, np.array([0, 1]), mean=mean, std=std)


def test_nan_validation_loss_raises_or_warns_never_silent(tmp_path):
    x, y = _tiny_data()
    xv, yv = _tiny_data(16)
    xv[3, 0, 0, 0] = float("nan")
    model = small_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with pytest.raises(FloatingPointError, match="val: validation loss became nan"):
        fit(model, (x, y), (xv, yv), epochs=2, optimizer=opt, progress=False, device="cpu",
            callbacks=[Checkpoint(tmp_path / "m.pt")])
    with pytest.warns(RuntimeWarning) as record:
        history = fit(model, (x, y), (xv, yv), epochs=2, optimizer=opt, progress=False, device="cpu",
                      callbacks=[Checkpoint(tmp_path / "m.pt", restore_best=True)], on_nonfinite="stop")
    messages = " ".join(str(w.message) for w in record)
    assert "no checkpoint was written" in messages and "restore_best" in messages
    assert len(history) == 2 and history.best_epoch is None and not (tmp_path / "m.pt").exists()
