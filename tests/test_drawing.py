"""Tests for helpers.drawing with real MNIST digits redrawn large on a canvas-like array."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.data import load_mnist
from helpers.drawing import canvas_to_ink, center_of_mass, draw_digit_widget, preprocess_drawing


def _bbox(img: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero((img > 0).any(axis=1))
    cols = np.flatnonzero((img > 0).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def _as_drawn(digit: np.ndarray, scale: float, top: int, left: int, mode: str, size: int = 280) -> np.ndarray:
    """Put an MNIST digit on a size×size canvas, enlarged ``scale`` times, at (top, left).

    mode "rgba": black paint on a transparent canvas (what ipycanvas returns);
    "rgb_white": black paint on white paper; "grey": ink bright on black (like MNIST).
    """
    ink = digit.astype(np.float32) / 255.0
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    crop = torch.from_numpy(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])[None, None]
    big = F.interpolate(crop, scale_factor=scale, mode="bilinear")[0, 0].clamp(0, 1).numpy()
    h, w = big.shape
    assert top + h <= size and left + w <= size
    field = np.zeros((size, size), np.float32)
    field[top : top + h, left : left + w] = big
    if mode == "grey":
        return field
    if mode == "rgba":
        canvas = np.zeros((size, size, 4), np.uint8)
        canvas[..., 3] = np.round(field * 255).astype(np.uint8)
        return canvas
    paper = np.round((1 - field) * 255).astype(np.uint8)
    return np.stack([paper, paper, paper], axis=2)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.astype(np.float64).ravel())[0, 1])


@pytest.fixture(scope="module")
def digits():
    images, labels = load_mnist("test")
    return images[:60], labels[:60]


@pytest.mark.parametrize("mode", ["rgba", "rgb_white", "grey"])
def test_redrawn_mnist_digits_come_back_like_the_originals(digits, mode):
    rng = np.random.default_rng(0)
    correlations, unshifted = [], []
    for digit in digits[0]:
        scale = float(rng.uniform(5.0, 11.0))
        h = int(np.ceil(20 * scale)) + 2
        top, left = (int(v) for v in rng.integers(0, 280 - h, size=2))
        out = preprocess_drawing(_as_drawn(digit, scale, top, left, mode))
        assert out.shape == (28, 28) and out.dtype == np.float32
        assert out.min() >= 0 and out.max() == pytest.approx(1.0)
        # (a) centre of mass moved to the middle, by whole pixels (MNIST's own digits: within 0.51 px)
        r, c = center_of_mass(out)
        assert abs(r - 14) <= 0.75 and abs(c - 14) <= 0.75, (r, c)
        # (b) the longer side of the ink's bounding box is 20 pixels
        assert max(_bbox(out)) == 20
        # (c) the result looks like the original digit
        #     (rounding the centre of mass to whole pixels may land one pixel away from
        #     where MNIST put it, so the best of the 3×3 one-pixel shifts is compared)
        correlations.append(max(_correlation(np.roll(out, (dr, dc), axis=(0, 1)), digit)
                                for dr in (-1, 0, 1) for dc in (-1, 0, 1)))
        unshifted.append(_correlation(out, digit))
    assert min(correlations) > 0.85
    assert np.mean(unshifted) > 0.9


def test_aspect_ratio_is_kept():
    canvas = np.zeros((280, 280), np.float32)
    canvas[40:240, 100:150] = 1.0  # a 200 × 50 bar: 4 : 1
    out = preprocess_drawing(canvas)
    assert _bbox(out) == (20, 5)
    wide = preprocess_drawing(canvas.T.copy())
    assert _bbox(wide) == (5, 20)


def test_a_small_drawing_is_enlarged():
    canvas = np.zeros((100, 100), np.uint8)
    canvas[10:20, 30:35] = 255
    out = preprocess_drawing(canvas)
    assert max(_bbox(out)) == 20


def test_canvas_to_ink_conventions():
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (0, 0, 0, 255)  # black, opaque: full ink
    rgba[0, 1] = (255, 255, 255, 255)  # white, opaque: paper
    rgba[1, 0] = (0, 0, 0, 128)  # black, half transparent: half ink
    np.testing.assert_allclose(canvas_to_ink(rgba), [[1, 0], [128 / 255, 0]], atol=1e-6)
    grey = np.array([[0, 255]], np.uint8)
    np.testing.assert_allclose(canvas_to_ink(grey), [[0, 1]])


def test_bad_input_raises_with_the_argument_named():
    with pytest.raises(ValueError, match="canvas: is empty"):
        preprocess_drawing(np.zeros((280, 280, 4), np.uint8))
    with pytest.raises(ValueError, match="canvas: expected shape"):
        preprocess_drawing(np.zeros((2, 280, 280)))
    with pytest.raises(TypeError, match="canvas: expected a numpy array"):
        preprocess_drawing([[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"canvas: float grey pixels must lie in \[0, 1\]"):
        preprocess_drawing(np.full((10, 10), 3.0))
    with pytest.raises(ValueError, match="NaN"):
        preprocess_drawing(np.full((10, 10), np.nan))
    with pytest.raises(TypeError, match="uint8"):
        preprocess_drawing(np.zeros((10, 10, 4), np.float32))


def test_widget_classifies_a_drawing_and_clears():
    torch.manual_seed(0)
    seen = {}

    class Spy(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(784, 10)

        def forward(self, x):
            seen["x"] = x.clone()
            return self.linear(x.flatten(1))

    model = Spy()
    box = draw_digit_widget(model, mean=0.5, std=0.25)
    assert "cnn-draw-digit" in box._dom_classes
    assert "cnn-draw-canvas" in box.controls["canvas"]._dom_classes
    assert box.controls["canvas"].sync_image_data
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[50:230, 130:150, 3] = 255  # a "1"
    probs = box.classify(canvas)
    assert probs.shape == (10,) and probs.sum() == pytest.approx(1.0, abs=1e-5)
    expected = (torch.from_numpy(preprocess_drawing(canvas)) - 0.5) / 0.25
    torch.testing.assert_close(seen["x"][0, 0], expected)  # standardized like the training data
    prediction = [w for w in box.children[0].children[1].children if "cnn-draw-prediction" in w._dom_classes][0]
    assert f"<b>{int(probs.argmax())}</b>" in prediction.value
    assert box.classify(np.zeros((280, 280, 4), np.uint8)) is None
    assert "Draw a digit" in prediction.value


@pytest.mark.parametrize("bad, pattern", [
    (np.array([[1.0, -2.0], [0.0, 3.0]]), "image: expected ink >= 0"),
    (np.array([[1.0, np.nan], [0.0, 3.0]]), "image: expected finite ink"),
    (np.zeros((0, 4)), "image: expected a non-empty array"),
    (np.ones(4), "image: expected a 2-D array"),
])
def test_center_of_mass_refuses_negative_nan_and_empty_ink(bad, pattern):
    with pytest.raises(ValueError, match=pattern):
        center_of_mass(bad)


def test_center_of_mass_matches_weighted_mean():
    img = np.zeros((5, 7))
    img[1, 2], img[3, 6] = 1.0, 3.0
    rows, cols = np.nonzero(img)
    weights = img[rows, cols]
    assert center_of_mass(img) == pytest.approx((np.average(rows, weights=weights), np.average(cols, weights=weights)))
