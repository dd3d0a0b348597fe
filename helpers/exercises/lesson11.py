"""Exercises for lesson 11 (Augmentation and invariance).

q1 asks for a whole-pixel shift written with slicing; the checker compares it with
``helpers.augment.shift`` on random batches. q3 asks which transform would be a bad
augmentation for digits. q2 asks for an accuracy-versus-angle function, checked on a
tiny model whose answer depends on the angle.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from helpers.augment import rotate, shift
from helpers.exercises.core import Exercise, Failed, Result, check_choice, failed, passed


def _batch(seed: int, n: int = 3, h: int = 6, w: int = 7) -> torch.Tensor:
    return torch.rand(n, 1, h, w, generator=torch.Generator().manual_seed(seed)) + 0.1


# q1: a whole-pixel shift to the right ----------------------------------------------


def _check_q1(answer: Any) -> Result:
    for k in (1, 2, 3):
        x = _batch(k)
        expected = shift(x, k, 0)
        try:
            got = answer(x.clone(), k)
        except Exception as exc:  # noqa: BLE001 - the student's error becomes a message
            return failed(f"`shift_right(x, {k})` raised {type(exc).__name__}: {exc}")
        if got is None:
            return failed("`shift_right` returned None: did you forget `return`?")
        if not isinstance(got, torch.Tensor):
            return failed(f"`shift_right` should return a tensor, got {type(got).__name__}.")
        if got.shape != x.shape:
            return failed(f"`shift_right(x, {k})` should keep the shape {tuple(x.shape)}, got {tuple(got.shape)}: "
                          "fill the emptied columns instead of dropping them.")
        if torch.allclose(got, expected, atol=1e-5):
            continue
        if torch.allclose(got, torch.roll(x, k, dims=-1), atol=1e-5):
            return failed(f"`shift_right(x, {k})` wraps the right-most columns around to the left (that is "
                          "`torch.roll`). The columns that enter the image should be 0 (background).")
        if torch.allclose(got, shift(x, -k, 0), atol=1e-5):
            return failed(f"`shift_right(x, {k})` moved the content to the left. Column `c` of the result "
                          f"should hold column `c - {k}` of the input.")
        if torch.allclose(got, shift(x, 0, k), atol=1e-5):
            return failed(f"`shift_right(x, {k})` moved the content down: the columns are the last axis (-1), "
                          "the rows the one before it.")
        for j in (k - 1, k + 1):
            if 0 <= j and torch.allclose(got, shift(x, j, 0), atol=1e-5):
                return failed(f"`shift_right(x, {k})` shifted by {j} pixels instead of {k}: check the slice bounds.")
        return failed(f"`shift_right(x, {k})` does not match the expected shift: column `c` of the result "
                      f"should hold column `c - {k}` of the input, and the first {k} columns should be 0.")
    x = _batch(9)
    before = x.clone()
    answer(x, 2)
    if not torch.equal(x, before):
        return failed("`shift_right` changed its input `x` in place: build a new tensor "
                      "(e.g. `torch.zeros_like(x)`) and fill that.")
    return passed("Correct: a whole-pixel shift is a slice copy into an empty (zero) image.")


q1 = Exercise(
    name="q1",
    title="Shift a batch k pixels to the right, with slicing",
    checker=_check_q1,
    hints=[
        "Start from `out = torch.zeros_like(x)`. Column `c` of `out` should hold column `c - k` of `x`.",
        "Copy all but the last `k` columns of `x` into all but the first `k` columns of `out`: "
        "`out[..., k:] = x[..., :-k]` (for k >= 1).",
    ],
    solution='''def shift_right(x, k):
    out = torch.zeros_like(x)
    out[..., k:] = x[..., : x.shape[-1] - k]
    return out''',
    answer_names=["shift_right"],
    signature="shift_right(x, k)",
)


# q3: a transform that changes the label ---------------------------------------------

Q3_OPTIONS = ("shift by 2 pixels", "zoom by 1.1", "rotate by 10 degrees", "rotate by 180 degrees")


_Q3_WHY = {
    "shift by 2 pixels": "A digit written a little to the left is still the same digit: shifting keeps the label.",
    "zoom by 1.1": "A digit written 10% larger is still the same digit: zooming a little keeps the label.",
    "rotate by 10 degrees": "People write digits tilted by ten degrees or more all the time: a 10° turn keeps a 7 "
                            "a 7, which is exactly why it is a useful augmentation.",
}


def _check_q3(answer: Any) -> Result:
    result = check_choice(answer, "rotate by 180 degrees", Q3_OPTIONS, name="bad_augmentation", explanations=_Q3_WHY)
    if result.status == "passed":
        return passed("Right: turned upside down, a 6 becomes a 9 (and a 9 a 6), so the label would be wrong. "
                      "An augmentation must keep the label true.")
    return result


q3 = Exercise(
    name="q3",
    title="Which augmentation would teach the network something false about digits?",
    checker=_check_q3,
    hints=[
        "An augmentation must keep the label true: ask of each transform, 'is it still the same digit?'",
        "Picture a 6 and a 9 after each transform.",
    ],
    solution='bad_augmentation = "rotate by 180 degrees"',
    answer_names=["bad_augmentation"],
    kind="prediction",
)


# q2: accuracy versus angle ------------------------------------------------------------


class _UprightDetector(torch.nn.Module):
    """Predicts class 1 when the top half of the image is brighter than the bottom half, else 0."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.shape[-2]
        top = x[..., : h // 2, :].sum(dim=(1, 2, 3))
        bottom = x[..., h - h // 2 :, :].sum(dim=(1, 2, 3))
        score = top - bottom
        return torch.stack((-score, score), dim=1)


def _q2_data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(3)
    x = torch.rand(40, 1, 12, 12, generator=g) * 0.2
    y = torch.arange(40) % 2
    x[y == 1, :, 1:5, 3:9] += 1.0  # class 1: a bar near the top
    x[y == 0, :, 7:11, 3:9] += 1.0  # class 0: a bar near the bottom
    return x, y


def _check_q2(answer: Any) -> Result:
    model = _UprightDetector()
    x, y = _q2_data()
    angles = [0, 90, 180]
    expected = [float((model(rotate(x, a)).argmax(1) == y).float().mean()) for a in angles]
    try:
        got = answer(model, x, y, angles)
    except Exception as exc:  # noqa: BLE001
        return failed(f"`accuracy_vs_angle(model, x, y, [0, 90, 180])` raised {type(exc).__name__}: {exc}")
    if got is None:
        return failed("`accuracy_vs_angle` returned None: did you forget `return`?")
    try:
        got = [float(v) for v in got]
    except (TypeError, ValueError) as exc:
        raise Failed(f"`accuracy_vs_angle` should return a list of numbers, one per angle, got {got!r}") from exc
    if not all(math.isfinite(g) for g in got):
        return failed(f"`accuracy_vs_angle` returned {[round(g, 3) for g in got]}: an accuracy is a number "
                      "between 0 and 1, never NaN or inf (an average over an empty batch?).")
    if len(got) != len(angles):
        return failed(f"`accuracy_vs_angle` should return one accuracy per angle ({len(angles)}), got {len(got)} values.")
    if all(abs(g - 100 * e) < 1e-4 for g, e in zip(got, expected)):
        return failed("Those are percentages: return accuracies as fractions between 0 and 1.")
    if all(abs(g - (1 - e)) < 1e-4 for g, e in zip(got, expected)):
        return failed("Those are error rates (1 - accuracy): count the predictions that equal the labels.")
    if all(abs(g - expected[0]) < 1e-4 for g in got):
        return failed(f"Every angle gives the same accuracy ({got[0]:.2f}): did you rotate `x` by each angle "
                      "before predicting?")
    if any(abs(g - e) > 1e-4 for g, e in zip(got, expected)):
        return failed(f"For angles {angles} the accuracies should be {[round(e, 3) for e in expected]}, "
                      f"got {[round(g, 3) for g in got]}.")
    return passed(f"Correct: on this test model the accuracy goes {[round(e, 2) for e in expected]} for {angles} degrees.")


q2 = Exercise(
    name="q2",
    title="Write accuracy_vs_angle(model, x, y, angles)",
    checker=_check_q2,
    hints=[
        "For each angle: rotate the whole batch with `rotate(x, angle)`, run the model, take `argmax(dim=1)`.",
        "The accuracy is `(predictions == y).float().mean().item()`; collect one per angle in a list. "
        "Wrap the loop in `with torch.no_grad():`.",
    ],
    solution='''def accuracy_vs_angle(model, x, y, angles):
    accuracies = []
    with torch.no_grad():
        for angle in angles:
            predictions = model(rotate(x, angle)).argmax(dim=1)
            accuracies.append((predictions == y).float().mean().item())
    return accuracies''',
    answer_names=["accuracy_vs_angle"],
    signature="accuracy_vs_angle(model, x, y, angles)",
)
