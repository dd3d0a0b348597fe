"""Exercises for lesson 13 (What a CNN looks at, and where it breaks).

q1: what a negative value in an occlusion map means (multiple choice).
q2: predict the size of a Grad-CAM map before upsampling, for a layer of CourseCNN.
q3: write one FGSM step from a gradient, checked against ``torch.sign`` and ``clamp``.
Expected answers are computed from the layers and tensors themselves, never typed in.
"""

from __future__ import annotations

from typing import Any

import torch

from helpers.exercises.core import Exercise, Result, _describe, as_count, check_array, check_choice, failed, passed
from helpers.models import CourseCNN

# q1: reading an occlusion map ------------------------------------------------------------

Q1_OPTIONS = (
    "hiding that region lowers the probability of the class",
    "hiding that region raises the probability of the class",
    "the network never looks at that region",
    "that region of the image is dark",
)

_Q1_WHY = {
    Q1_OPTIONS[0]: "That is what a *positive* value means: the map is the probability before hiding minus "
                   "the probability after, so a drop gives a positive number.",
    Q1_OPTIONS[2]: "A region the network ignores gives a value near zero: hiding it changes nothing.",
    Q1_OPTIONS[3]: "The map is not the picture: it measures how the prediction changes when a patch is hidden, "
                   "whatever the pixels looked like.",
}


def _check_q1(answer: Any) -> Result:
    result = check_choice(answer, Q1_OPTIONS[1], Q1_OPTIONS, name="negative_means", explanations=_Q1_WHY)
    if result.status == "passed":
        return passed("Right: value = probability before − probability after hiding, so a negative value means "
                      "the class became *more* likely without that patch. Something there speaks against "
                      "the class (often a stroke that belongs to a different digit).")
    return result


q1 = Exercise(
    name="q1",
    title="What does a negative value in an occlusion map mean?",
    checker=_check_q1,
    hints=[
        "Each value of the map is (probability of the class on the whole image) − (probability with that "
        "patch hidden).",
        "When is a − b negative? When b, the probability with the patch hidden, is the larger one.",
    ],
    solution=f'negative_means = "{Q1_OPTIONS[1]}"',
    answer_names=["negative_means"],
    kind="prediction",
)


# q2: the size of a Grad-CAM map ------------------------------------------------------------


def _map_sizes() -> dict[str, tuple[int, int]]:
    """(h, w) of the output of every stage of CourseCNN.features on a 28 × 28 digit."""
    features = CourseCNN().features
    sizes, x = {}, torch.zeros(1, 1, 28, 28)
    with torch.no_grad():
        for name, layer in features.named_children():
            x = layer(x)
            sizes[f"features.{name}"] = tuple(x.shape[2:])
    return sizes


def _as_size(answer: Any) -> tuple[int, int] | None:
    if isinstance(answer, (tuple, list, torch.Size)) and len(answer) == 2:
        values = [as_count(v) for v in answer]
        if all(v is not None for v in values):
            return tuple(values)
    return None


def _check_q2(answer: Any) -> Result:
    got = _as_size(answer)
    if got is None:
        return failed(f"`map_size` should be a pair (height, width) of whole numbers, got {_describe(answer)}.")
    sizes = _map_sizes()
    expected = sizes["features.4"]
    if got == expected:
        return passed(f"Correct: features.4 (the second convolution) gives {expected[0]} × {expected[1]} feature maps, "
                      "so before upsampling each Grad-CAM cell covers a large patch of the digit.")
    why = {
        sizes["features.5"]: "that is after the second max pool (features.5); features.4 is the convolution before it.",
        sizes["features.1"]: "that is after the first block's pooling; features.4 is in the second block.",
        sizes["features.0"]: "that is the first convolution's output; features.4 is the second convolution.",
        (28, 28): "that is the size after upsampling to the input; with upsample=False the map keeps the "
                  "layer's own size.",
    }
    reason = why.get(got, "follow the digit through the layers: a 5 × 5 convolution without padding takes "
                          "4 off each side length, a 2 × 2 max pool halves it.")
    return failed(f"`map_size` should be {expected}, got {got}: {reason}")


q2 = Exercise(
    name="q2",
    title="Predict the size of grad_cam(model, image, 'features.4', upsample=False)",
    checker=_check_q2,
    hints=[
        "Grad-CAM weights the layer's own feature maps, so before upsampling the map has their height "
        "and width. Follow 28 × 28 through features.0 … features.4.",
        "conv 5 × 5: 28 → 24; pool: 24 → 12; batch norm and ReLU keep the size; conv 5 × 5: 12 → 8.",
    ],
    solution="map_size = (8, 8)",
    answer_names=["map_size"],
    kind="prediction",
)


# q3: one step of the fast gradient sign method ---------------------------------------------


def _check_q3(answer: Any) -> Result:
    g = torch.Generator().manual_seed(13)
    x = torch.rand(4, 1, 6, 6, generator=g)
    x[0, 0, 0, :3] = torch.tensor([0.0, 1.0, 0.98])  # pixels at the edges of the range
    grad = torch.randn(4, 1, 6, 6, generator=g) * 1e-3
    grad[0, 0, 0, :3] = torch.tensor([-1.0, 1.0, 1.0])
    epsilon = 0.1
    expected = (x + epsilon * grad.sign()).clamp(0.0, 1.0)
    x_before = x.clone()
    try:
        got = answer(x, grad.clone(), epsilon)
    except Exception as exc:  # noqa: BLE001 - the student's error becomes a message
        return failed(f"`fgsm_step(x, grad, 0.1)` raised {type(exc).__name__}: {exc}")
    if got is None:
        return failed("`fgsm_step` returned None: did you forget `return`?")
    if not isinstance(got, torch.Tensor) or got.shape != x.shape:
        return failed(f"`fgsm_step` should return a tensor of the input's shape {tuple(x.shape)}, "
                      f"got {_describe(got)}.")
    if not torch.equal(x, x_before):
        return failed("`fgsm_step` changed `x` in place: build a new tensor (e.g. `x + ...`) and keep the "
                      "original image intact, you will want to compare the two.")
    if torch.allclose(got, (x - epsilon * grad.sign()).clamp(0, 1), atol=1e-6):
        return failed("That steps *against* the gradient, which lowers the loss and makes the model more "
                      "confident. The attack adds epsilon · sign(grad) to raise the loss.")
    if torch.allclose(got, (x + epsilon * grad).clamp(0, 1), atol=1e-6):
        return failed("That follows the gradient itself, whose entries are tiny here, so the image hardly "
                      "moves. FGSM keeps only the sign: every pixel moves by exactly epsilon.")
    if torch.allclose(got, x + epsilon * grad.sign(), atol=1e-6):
        return failed("Some pixels left the valid range [0, 1] (a white pixel pushed to 1.1): clamp the result "
                      "so the adversarial image is still an image.")
    return check_array(got, expected, name="fgsm_step(x, grad, 0.1)", atol=1e-6)


q3 = Exercise(
    name="q3",
    title="Write fgsm_step(x, grad, epsilon): one FGSM step, pixels kept in [0, 1]",
    checker=_check_q3,
    hints=[
        "Move every pixel by epsilon in the direction that raises the loss: the sign of its gradient "
        "(`grad.sign()` is −1, 0 or +1).",
        "`(x + epsilon * grad.sign()).clamp(0, 1)`: a new tensor, so `x` stays as it was.",
    ],
    solution="def fgsm_step(x, grad, epsilon):\n    return (x + epsilon * grad.sign()).clamp(0.0, 1.0)",
    answer_names=["fgsm_step"],
    signature="fgsm_step(x, grad, epsilon)",
    kind="code",
)
