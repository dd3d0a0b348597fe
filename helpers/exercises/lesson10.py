"""Exercises for lesson 10 (Challenge: Fashion-MNIST).

- q1, the challenge: build a classifier and choose training settings; the check trains it
  on the first 50,000 training images and passes when it reaches 90% accuracy on the last
  10,000 (the validation split, never trained on). The test set is not used by any check:
  the lesson looks at it once, at the end. The solution, hidden until asked for, is the
  plainest network that passes: lesson 09's, trained for 5 epochs (91.3-91.5% validation
  accuracy over seeds 0-2, 33-35 s on 2 CPU threads). The lesson then trains the course's
  stronger FASHION_RECIPE in the open, as the network whose mistakes it studies.
- q2, q3: read a confusion matrix (functions, checked on matrices built here).
- q4: explain why shirts are the class most often wrong (a choice, each wrong letter answered).
"""

from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from helpers.data import load_fashion_mnist
from helpers.exercises.core import (
    Case,
    Exercise,
    Failed,
    Result,
    check_function,
    failed,
    passed,
)
from helpers.augment import random_flip
from helpers.models import FASHION_RECIPE, Recipe, adamw, one_cycle
from helpers.training import evaluate, pick_device, to_tensors, train_recipe

# --------------------------------------------------------------------------- #
# The challenge: build and train a Fashion-MNIST classifier
# --------------------------------------------------------------------------- #

PASS_ACCURACY = 0.90
MAX_EPOCHS = 10
MAX_PARAMETERS = 2_000_000


VALIDATION_SIZE = 10_000  # the last 10,000 training images: the split the check judges on
TIME_LIMIT_S = 1800.0  # a challenge check trains a network: minutes, not the usual seconds

_last_model: dict[str, nn.Module] = {}


def split(images: np.ndarray, labels: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The challenge's split of the Fashion-MNIST training set (lesson 10):
    ``(train_images, train_labels), (val_images, val_labels)``, the last
    :data:`VALIDATION_SIZE` images held out. The lesson and the check use the same one."""
    if len(images) != len(labels) or len(images) <= VALIDATION_SIZE:
        raise ValueError(f"images, labels: expected the same length, above {VALIDATION_SIZE}, "
                         f"got {len(images)} and {len(labels)}")
    cut = len(images) - VALIDATION_SIZE
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:])


@lru_cache(maxsize=1)
def _fashion() -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    m, s = FASHION_RECIPE.mean, FASHION_RECIPE.std
    train, val = split(*load_fashion_mnist("train"))
    return to_tensors(*train, mean=m, std=s), to_tensors(*val, mean=m, std=s)


def trained_model() -> nn.Module | None:
    """The network the last passing or failing challenge check trained (``None`` before any),
    so the lesson can look at it on the test set once, at the end."""
    return _last_model.get("model")


def _settings(settings: Any) -> tuple[int, float, int, float, bool]:
    if not isinstance(settings, dict):
        raise Failed(f"`settings` should be a dict like {{'epochs': 3, 'lr': 0.003, 'batch_size': 128}}, "
                     f"got {type(settings).__name__}.")
    unknown = set(settings) - {"epochs", "lr", "batch_size", "weight_decay", "flip"}
    if unknown:
        raise Failed(f"`settings` has unknown keys {sorted(unknown)}; use epochs, lr, batch_size "
                     "(and optionally weight_decay and flip).")
    missing = {"epochs", "lr", "batch_size"} - set(settings)
    if missing:
        raise Failed(f"`settings` is missing {sorted(missing)}.")
    epochs, lr, batch_size = settings["epochs"], settings["lr"], settings["batch_size"]
    weight_decay = settings.get("weight_decay", 1e-4)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= MAX_EPOCHS:
        raise Failed(f"settings['epochs'] should be a whole number from 1 to {MAX_EPOCHS}, got {epochs!r}.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 8 <= batch_size <= 4096:
        raise Failed(f"settings['batch_size'] should be a whole number from 8 to 4096, got {batch_size!r}.")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr <= 1:
        raise Failed(f"settings['lr'] is the peak learning rate: a number in (0, 1], got {lr!r}. "
                     "AdamW usually works around 0.001 to 0.01.")
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float)) or not 0 <= weight_decay < 1:
        raise Failed(f"settings['weight_decay'] should be a number in [0, 1), got {weight_decay!r}.")
    flip = settings.get("flip", False)
    if not isinstance(flip, bool):
        raise Failed(f"settings['flip'] should be True (train on garments mirrored at random) or False, got {flip!r}.")
    return epochs, float(lr), batch_size, float(weight_decay), flip


def challenge_recipe(build_model: Callable[[], nn.Module], settings: dict):
    """The :class:`helpers.models.Recipe` the challenge check trains: the student's model,
    AdamW with a one-cycle learning rate peaking at ``settings['lr']``, stepped per batch, and
    with ``settings['flip']`` every training batch mirrored at random (``random_flip``)."""
    epochs, lr, batch_size, weight_decay, flip = _settings(settings)
    return Recipe(name="fashion_challenge", build_model=build_model,
                  build_optimizer=adamw(lr=lr, weight_decay=weight_decay),
                  build_scheduler=one_cycle(max_lr=lr, epochs=epochs), scheduler_interval="batch",
                  batch_size=batch_size, epochs=epochs, mean=FASHION_RECIPE.mean, std=FASHION_RECIPE.std,
                  augment=random_flip if flip else None)


def _validate_model(build_model: Any) -> nn.Module:
    model = build_model()
    if model is None:
        raise Failed("`build_model()` returned None: did you forget `return`?")
    if not isinstance(model, nn.Module):
        raise Failed(f"`build_model()` should return a torch.nn.Module, got {type(model).__name__}.")
    n = sum(p.numel() for p in model.parameters())
    if n == 0:
        raise Failed("The network has no parameters to learn.")
    if n > MAX_PARAMETERS:
        raise Failed(f"The network has {n:,} parameters; keep it under {MAX_PARAMETERS:,} so training "
                     "finishes in minutes on a laptop.")
    model.eval()
    with torch.no_grad():
        try:
            out = model(torch.zeros(2, 1, 28, 28))
        except Exception as exc:  # noqa: BLE001
            raise Failed(f"The network fails on a batch of shape (2, 1, 28, 28): {type(exc).__name__}: {exc}. "
                         "Check the input size of the first dense layer (flatten the maps first).") from None
    if tuple(out.shape) != (2, 10):
        raise Failed(f"For input (2, 1, 28, 28) the network should output (2, 10) class scores, got "
                     f"{tuple(out.shape)}.")
    if isinstance(model, nn.Sequential) and len(model) and isinstance(model[-1], (nn.Softmax, nn.LogSoftmax)):
        raise Failed("End with the dense layer of 10 scores (logits), not softmax: the loss applies softmax itself.")
    return model


def _check_challenge(answer: Any) -> Result:
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise Failed("Pass both parts: `ex.q1.check(build_model, settings)`.")
    build_model, settings = answer
    if isinstance(build_model, nn.Module):  # callable too, so the signature let it through
        raise Failed("Pass the function itself, not the network it returns: `ex.q1.check(build_model, settings)`, "
                     "without `()` after build_model. The check builds a fresh network to train.")
    recipe = challenge_recipe(build_model, settings)  # validates the settings first: it is quick
    _validate_model(build_model)
    train, val = _fashion()
    start = time.perf_counter()
    model, _ = train_recipe(recipe, train, None, progress=True, device=pick_device())
    seconds = time.perf_counter() - start
    _last_model["model"] = model
    _, acc = evaluate(model, val)
    if not math.isfinite(acc):  # pragma: no cover - evaluate always returns a fraction
        raise Failed("Evaluation failed.")
    if acc >= PASS_ACCURACY:
        return passed(f"Validation accuracy {acc:.4f} >= {PASS_ACCURACY:.2f} after {seconds:.0f} s of training "
                      f"on {len(train[0]):,} images: challenge passed!")
    tips = ("Ideas: add a second convolution block, batch norm after each convolution, more filters, "
            "one or two more epochs, or a peak learning rate between 0.002 and 0.01.")
    return failed(f"Validation accuracy {acc:.4f} is below {PASS_ACCURACY:.2f} ({seconds:.0f} s of training). {tips}")


q1 = Exercise(
    name="q1",
    title="Fashion-MNIST challenge: reach 90% validation accuracy",
    checker=_check_challenge,
    time_limit=TIME_LIMIT_S,
    hints=[
        "Start from lesson 09's CourseCNN: two blocks of Conv2d → MaxPool2d → BatchNorm2d → ReLU, then "
        "Flatten → Linear → ReLU → Linear(…, 10). Settings: a few epochs, lr about 0.005, batch 128.",
        "With 5×5 convolutions and no padding the maps go 28 → 24 → 12 → 8 → 4, so after the second block "
        "with C filters the flattened size is C * 4 * 4. Lesson 09's network (16 then 32 filters) trained for 5 or 6 epochs passes.",
    ],
    solution='''def build_model():
    # Lesson 09's network, unchanged: two blocks of 5x5 convolution -> max pool -> batch norm -> ReLU.
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=5), nn.MaxPool2d(2), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, kernel_size=5), nn.MaxPool2d(2), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Flatten(), nn.Dropout(0.1),
        nn.Linear(32 * 4 * 4, 100), nn.ReLU(),
        nn.Linear(100, 10),
    )

settings = {"epochs": 5, "lr": 0.005, "batch_size": 128}''',
    answer_names=["build_model", "settings"],
    signature="build_model()",
)


# --------------------------------------------------------------------------- #
# q2: per-class accuracy (recall) from a confusion matrix
# --------------------------------------------------------------------------- #


def _matrices() -> list[np.ndarray]:
    """Confusion matrices to test student functions on: distinct counts, no empty rows."""
    rng = np.random.default_rng(9)
    out = []
    for k in (3, 4, 10):
        m = rng.permutation(k * k)[: k * k].reshape(k, k) + 1  # all different, all > 0
        m[np.diag_indices(k)] += 50 * k  # a strong diagonal, like a decent classifier
        out.append(m.astype(np.int64))
    out.append(np.array([[5, 0], [9, 1]], dtype=np.int64))  # rows and columns differ a lot
    return out


def _per_class_reference(cm: np.ndarray) -> np.ndarray:
    return np.diag(cm) / cm.sum(axis=1)


def _check_q2(answer: Any) -> Result:
    probe = np.array([[5, 0], [9, 1]], dtype=np.int64)
    try:
        raw = answer(probe.copy())
        got = None if raw is None else np.asarray(raw, dtype=np.float64)
    except Exception:  # noqa: BLE001 - check_function below reports the error with its case
        got = None
    if got is not None and got.shape == (2,):
        if np.allclose(got, np.diag(probe) / probe.sum(axis=0)):
            return failed("You divided by the column sums: that is the fraction of each PREDICTED class that "
                          "was right (precision). Rows are the true classes: divide by the row sums.")
        if np.allclose(got, np.diag(probe)):
            return failed("These are the counts of correct answers; divide each by how many images the class has.")
    if got is not None and got.size == 1:
        return failed("Return one accuracy per class (an array of length K), not one number for all classes.")
    cases = [Case((m,), _per_class_reference(m)) for m in _matrices()]
    return check_function(answer, cases, name="per_class_accuracy")


q2 = Exercise(
    name="q2",
    title="Accuracy of each class from the confusion matrix",
    checker=_check_q2,
    hints=[
        "Row i of the matrix holds every image whose TRUE class is i; the diagonal cell is the correctly "
        "classified ones.",
        "`np.diag(cm)` gives the diagonal and `cm.sum(axis=1)` the row totals.",
    ],
    solution='''def per_class_accuracy(cm):
    return np.diag(cm) / cm.sum(axis=1)''',
    answer_names=["per_class_accuracy"],
    signature="per_class_accuracy(cm)",
)


# --------------------------------------------------------------------------- #
# q3: the biggest confusions
# --------------------------------------------------------------------------- #


def _top_reference(cm: np.ndarray, k: int) -> list[tuple[int, int, int]]:
    pairs = [(int(cm[i, j]), i, j) for i in range(len(cm)) for j in range(len(cm)) if i != j]
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    return [(i, j, n) for n, i, j in pairs[:k]]


def _compare_pairs(got: Any, expected: list[tuple[int, int, int]]) -> Result:
    try:
        got_list = [tuple(int(v) for v in item) for item in got]
    except (TypeError, ValueError):
        raise Failed(f"expected a list of (true, predicted, count) tuples, got {type(got).__name__}.") from None
    if got_list == expected:
        return passed()
    if any(i == j for i, j, *_ in got_list if len(got_list[0]) == 3):
        raise Failed(f"expected {expected}, got {got_list}: the diagonal holds correct answers, not confusions; "
                     "skip cells where true == predicted.")
    if [(j, i, n) for i, j, n in got_list] == expected:
        raise Failed(f"expected {expected}, got {got_list}: true and predicted are swapped (rows are true classes).")
    if sorted(got_list) == sorted(expected):
        raise Failed(f"expected {expected}, got {got_list}: the right pairs in the wrong order (largest count first).")
    raise Failed(f"expected {expected}, got {got_list}.")


def _check_q3(answer: Any) -> Result:
    cases = [Case((m, k), _top_reference(m, k), compare=_compare_pairs)
             for m in _matrices()[:3] for k in (1, 3)]
    return check_function(answer, cases, name="top_confusions")


q3 = Exercise(
    name="q3",
    title="The most frequent confusions",
    checker=_check_q3,
    hints=[
        "Go over every cell (i, j) with i != j, collect (count, i, j), and sort by count, largest first.",
        "`pairs = [(cm[i, j], i, j) for i in range(len(cm)) for j in range(len(cm)) if i != j]`, then "
        "`pairs.sort(reverse=True)` and keep the first k as (i, j, count).",
    ],
    solution='''def top_confusions(cm, k):
    pairs = [(int(cm[i, j]), i, j) for i in range(len(cm)) for j in range(len(cm)) if i != j]
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return [(i, j, n) for n, i, j in pairs[:k]]''',
    answer_names=["top_confusions"],
    signature="top_confusions(cm, k)",
)


# --------------------------------------------------------------------------- #
# q4: explain the result: why is Shirt the hardest class?
# --------------------------------------------------------------------------- #

Q4_OPTIONS = {
    "a": "The network is too small to learn what a shirt looks like.",
    "b": "There are fewer shirts than other garments in the training split.",
    "c": "Shirts share their silhouette with T-shirts, pullovers and coats, and what tells them apart "
         "(a collar, buttons, sleeve length) is a few grey pixels at 28 × 28.",
    "d": "Most shirts in the validation split are labelled wrongly.",
}

_Q4_WHY = {
    "a": "A bigger network would help every class a little, but look at where the shirt mistakes go: almost all "
         "to T-shirt/top, pullover and coat, the classes whose average images look nearly the same. Trousers "
         "and bags, learned by the same small network, are almost never wrong.",
    "b": "Look at the class counts at the top of the lesson: every class has about 5,000 training images "
         "(Fashion-MNIST is exactly balanced, 6,000 per class before the split).",
    "d": "A few labels are debatable (you saw some among the confident mistakes), but far too few to explain "
         "hundreds of errors, and they would not all land on the other tops.",
}


def _check_q4(answer: Any) -> Result:
    if isinstance(answer, str) and answer.strip().lower() in Q4_OPTIONS:
        key = answer.strip().lower()
        if key == "c":
            return passed("Right: the confusions are among garments of one silhouette, and the details that "
                          "separate them are nearly invisible at this resolution. That is why the confusion "
                          "matrix has its errors in one corner, and why even far larger networks stop short of 100%.")
        return failed(f"({key}) does not fit what you saw. {_Q4_WHY[key]}")
    return failed(f"`why_shirts` should be one of the letters {', '.join(repr(k) for k in Q4_OPTIONS)}, "
                  f"got {answer!r}.")


q4 = Exercise(
    name="q4",
    title="Explain the result: why is Shirt the hardest class?",
    checker=_check_q4,
    hints=[
        "Read the confusion matrix row of Shirt: where do its mistakes go?",
        "Compare the four average images of the tops with what a trouser or a bag looks like.",
    ],
    solution='why_shirts = "c"',
    answer_names=["why_shirts"],
    kind="explain",
)
