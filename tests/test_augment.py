"""Tests for helpers.augment, against torch.rot90, numpy roll and F.affine_grid / F.interpolate."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.augment import affine, affine_matrices, random_affine, random_flip, rotate, sampling_grid, shift, zoom

ATOL = 1e-5


def _images(n: int = 3, c: int = 2, h: int = 28, w: int = 28, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, c, h, w, generator=g)


def _numpy_shift(x: np.ndarray, dx: int, dy: int, fill: float = 0.0) -> np.ndarray:
    """Reference: np.roll, then overwrite the wrapped-around rows and columns with fill."""
    h, w = x.shape[-2:]
    out = np.roll(x, shift=(dy, dx), axis=(-2, -1)).copy()
    if dy > 0:
        out[..., : min(dy, h), :] = fill
    elif dy < 0:
        out[..., max(h + dy, 0) :, :] = fill
    if dx > 0:
        out[..., :, : min(dx, w)] = fill
    elif dx < 0:
        out[..., :, max(w + dx, 0) :] = fill
    return out


# ----------------------------------------------------------------------------- identity


@pytest.mark.parametrize(
    "transform",
    [
        lambda x: affine(x),
        lambda x: rotate(x, 0),
        lambda x: rotate(x, 360),
        lambda x: shift(x, 0, 0),
        lambda x: zoom(x, 1.0),
        lambda x: random_affine(x, degrees=0, translate=0, scale=(1, 1)),
        lambda x: affine(x, mode="nearest"),
    ],
)
def test_identity_parameters_return_the_input(transform):
    x = _images(h=28, w=20)
    torch.testing.assert_close(transform(x), x, atol=ATOL, rtol=0)


def test_sampling_grid_matches_affine_grid():
    theta = affine_matrices(
        4, 9, 13, degrees=torch.tensor([0.0, 33.0, -70.0, 181.0]), dx=1.5, dy=torch.tensor([0.0, -2.0, 3.0, 0.5]), scale=0.8
    )
    expected = F.affine_grid(theta, [4, 1, 9, 13], align_corners=False)
    torch.testing.assert_close(sampling_grid(theta, 9, 13), expected, atol=1e-12, rtol=0)


# ----------------------------------------------------------------------------- shift


@pytest.mark.parametrize("dx,dy", [(1, 0), (0, 1), (-2, 3), (3, -1), (-4, -5), (27, 0), (0, 40)])
def test_integer_shift_is_roll_with_zero_fill(dx, dy):
    x = _images(h=28, w=24)
    got = shift(x, dx, dy).numpy()
    np.testing.assert_allclose(got, _numpy_shift(x.numpy(), dx, dy), atol=ATOL)


def test_shift_direction_right_and_down():
    x = torch.zeros(1, 1, 7, 7)
    x[0, 0, 3, 3] = 1.0
    out = shift(x, 2, 1)
    assert out[0, 0, 4, 5].item() == pytest.approx(1.0, abs=ATOL)
    assert out.sum().item() == pytest.approx(1.0, abs=ATOL)


def test_shift_fill_value_enters_the_image():
    x = _images(n=2, c=1, h=10, w=10)
    got = shift(x, -3, 2, fill=-0.5).numpy()
    np.testing.assert_allclose(got, _numpy_shift(x.numpy(), -3, 2, fill=-0.5), atol=ATOL)


def test_half_pixel_shift_interpolates_neighbours():
    x = torch.zeros(1, 1, 5, 5)
    x[0, 0, 2, 2] = 1.0
    out = shift(x, 0.5, 0)
    np.testing.assert_allclose(out[0, 0, 2, 2:4].numpy(), [0.5, 0.5], atol=ATOL)


# ----------------------------------------------------------------------------- rotate


@pytest.mark.parametrize("size", [5, 28, 8])
@pytest.mark.parametrize("k", [1, 2, 3, -1])
def test_quarter_turns_equal_rot90(size, k):
    x = _images(h=size, w=size)
    torch.testing.assert_close(rotate(x, 90 * k), torch.rot90(x, k, dims=(-2, -1)), atol=ATOL, rtol=0)


def test_positive_angle_is_counter_clockwise_on_screen():
    # A mark right of the centre moves above the centre after +90 degrees,
    # on a non-square image too (the aspect-ratio correction keeps the turn rigid).
    x = torch.zeros(1, 1, 7, 11)
    x[0, 0, 3, 5 + 2] = 1.0  # centre is (row 3, column 5)
    out = rotate(x, 90)
    assert out[0, 0, 3 - 2, 5].item() == pytest.approx(1.0, abs=ATOL)
    assert out.sum().item() == pytest.approx(1.0, abs=ATOL)
    # and numpy agrees on the direction for a square image
    sq = _images(n=1, c=1, h=6, w=6)
    np.testing.assert_allclose(rotate(sq, 90)[0, 0].numpy(), np.rot90(sq[0, 0].numpy()), atol=ATOL)


def test_rotation_about_the_centre_keeps_a_centred_disc():
    yy, xx = torch.meshgrid(torch.arange(29.0), torch.arange(29.0), indexing="ij")
    disc = (((yy - 14) ** 2 + (xx - 14) ** 2) <= 36).float()[None, None]
    out = rotate(disc, 37)
    inner = ((yy - 14) ** 2 + (xx - 14) ** 2) <= 16
    outer = ((yy - 14) ** 2 + (xx - 14) ** 2) >= 64
    assert out[0, 0][inner].min().item() == pytest.approx(1.0, abs=ATOL)  # only the rim is interpolated
    assert out[0, 0][outer].abs().max().item() < ATOL
    assert out.sum().item() == pytest.approx(disc.sum().item(), rel=0.02)


# ----------------------------------------------------------------------------- zoom


def test_zoom_in_equals_centre_crop_of_upsampling():
    x = _images(n=2, c=1, h=28, w=28)
    big = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    torch.testing.assert_close(zoom(x, 2.0), big[..., 14:42, 14:42], atol=ATOL, rtol=0)


def test_zoom_out_leaves_fill_at_the_border():
    out = zoom(torch.ones(1, 1, 20, 20), 0.5, fill=0.0)
    assert out[0, 0, 0].abs().max().item() < ATOL  # top row is outside the shrunken image
    assert out[0, 0, 8:12, 8:12].min().item() == pytest.approx(1.0, abs=ATOL)
    assert out.sum().item() == pytest.approx(100.0, abs=1e-3)


# ----------------------------------------------------------------------------- composition


def test_shifts_compose_by_adding():
    x = _images()
    # same directions, so nothing that left the image is needed again
    torch.testing.assert_close(shift(shift(x, 1, -2), 3, -1), shift(x, 4, -3), atol=ATOL, rtol=0)


def test_rotations_compose_by_adding_angles():
    x = _images(h=9, w=9)
    torch.testing.assert_close(rotate(rotate(x, 90), 180), rotate(x, 270), atol=ATOL, rtol=0)


def test_combined_transform_rotates_then_shifts():
    x = _images(h=12, w=12)
    expected = shift(rotate(x, 90), 2, -1)
    torch.testing.assert_close(affine(x, degrees=90, dx=2, dy=-1), expected, atol=ATOL, rtol=0)
    # the other order gives a different image: the order is a real convention
    assert (rotate(shift(x, 2, -1), 90) - expected).abs().max().item() > 0.1


def test_zoom_then_rotate_equals_combined():
    x = _images(h=16, w=16)
    torch.testing.assert_close(affine(x, degrees=90, scale=2.0), rotate(zoom(x, 2.0), 90), atol=ATOL, rtol=0)


def test_per_image_parameters_match_one_image_at_a_time():
    x = _images(n=3)
    degrees = torch.tensor([10.0, -25.0, 0.0])
    dx = torch.tensor([1.5, 0.0, -2.0])
    scale = torch.tensor([1.0, 1.2, 0.8])
    batch = affine(x, degrees=degrees, dx=dx, dy=1.0, scale=scale)
    for i in range(3):
        one = affine(x[i : i + 1], degrees=degrees[i].item(), dx=dx[i].item(), dy=1.0, scale=scale[i].item())
        torch.testing.assert_close(batch[i : i + 1], one, atol=ATOL, rtol=0)


# ----------------------------------------------------------------------------- random affine


def test_random_affine_is_reproducible_with_a_generator():
    x = _images(n=4)
    a = random_affine(x, generator=torch.Generator().manual_seed(5))
    b = random_affine(x, generator=torch.Generator().manual_seed(5))
    c = random_affine(x, generator=torch.Generator().manual_seed(6))
    torch.testing.assert_close(a, b, atol=0, rtol=0)
    assert (a - c).abs().max().item() > 1e-3


def test_random_affine_gives_each_image_its_own_transform():
    x = _images(n=1).expand(6, -1, -1, -1).contiguous()
    out = random_affine(x, degrees=30, generator=torch.Generator().manual_seed(0))
    assert all((out[0] - out[i]).abs().max().item() > 1e-3 for i in range(1, 6))


def test_fixed_random_ranges_equal_the_deterministic_transform():
    x = _images()
    out = random_affine(x, degrees=(30, 30), translate=0, scale=(1.25, 1.25))
    torch.testing.assert_close(out, affine(x, degrees=30, scale=1.25), atol=ATOL, rtol=0)


def test_random_shift_stays_within_translate():
    # A single bright pixel at the centre must land within translate * size of it.
    x = torch.zeros(64, 1, 21, 21)
    x[:, 0, 10, 10] = 1.0
    out = random_affine(x, degrees=0, translate=0.1, scale=(1, 1), generator=torch.Generator().manual_seed(1))
    rows = torch.arange(21.0).view(1, 21, 1)
    cols = torch.arange(21.0).view(1, 1, 21)
    mass = out[:, 0].sum(dim=(1, 2))
    cy = (out[:, 0] * rows).sum(dim=(1, 2)) / mass
    cx = (out[:, 0] * cols).sum(dim=(1, 2)) / mass
    assert ((cx - 10).abs() <= 2.1 + 1e-4).all() and ((cy - 10).abs() <= 2.1 + 1e-4).all()
    assert (cx - 10).abs().max().item() > 1.0  # it does move


# ----------------------------------------------------------------------------- shape, dtype, device


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(
    "transform",
    [
        lambda x: rotate(x, 20),
        lambda x: shift(x, 1.5, -2),
        lambda x: zoom(x, 0.7),
        lambda x: random_affine(x),
        lambda x: affine(x, degrees=5, fill=0.3, mode="nearest"),
    ],
)
def test_shape_dtype_device_preserved(dtype, transform):
    x = _images(n=5, c=3, h=17, w=23).to(dtype)
    out = transform(x)
    assert out.shape == x.shape and out.dtype == dtype and out.device == x.device


def test_runs_on_an_accelerator_if_present():
    if torch.cuda.is_available():
        device = torch.device("cuda")
    elif torch.backends.mps.is_available():
        device = torch.device("mps")
    else:
        pytest.skip("no accelerator on this machine")
    x = _images().to(device)
    out = random_affine(x)
    assert out.device == x.device


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call,error,words",
    [
        (lambda: rotate(np.zeros((1, 1, 4, 4)), 10), TypeError, "x"),
        (lambda: rotate(torch.zeros(4, 4), 10), ValueError, "x[None]"),
        (lambda: rotate(torch.zeros(1, 4, 4), 10), ValueError, "(N, C, H, W)"),
        (lambda: rotate(torch.zeros(1, 1, 4, 4, dtype=torch.uint8), 10), TypeError, "float"),
        (lambda: rotate(torch.zeros(1, 1, 4, 4), "ten"), TypeError, "degrees"),
        (lambda: rotate(torch.zeros(1, 1, 4, 4), float("nan")), ValueError, "degrees"),
        (lambda: shift(torch.zeros(2, 1, 4, 4), torch.zeros(3)), ValueError, "dx"),
        (lambda: zoom(torch.zeros(1, 1, 4, 4), 0.0), ValueError, "scale"),
        (lambda: zoom(torch.zeros(1, 1, 4, 4), -2.0), ValueError, "scale"),
        (lambda: affine(torch.zeros(1, 1, 4, 4), mode="bicubic-ish"), ValueError, "mode"),
        (lambda: affine(torch.zeros(1, 1, 4, 4), fill="black"), TypeError, "fill"),
        (lambda: random_affine(torch.zeros(1, 1, 4, 4), translate=1.5), ValueError, "translate"),
        (lambda: random_affine(torch.zeros(1, 1, 4, 4), degrees=-3), ValueError, "degrees"),
        (lambda: random_affine(torch.zeros(1, 1, 4, 4), degrees=(10, 5)), ValueError, "degrees"),
        (lambda: random_affine(torch.zeros(1, 1, 4, 4), scale=(0, 1)), ValueError, "scale"),
        (lambda: random_affine(torch.zeros(1, 1, 4, 4), scale="big"), TypeError, "scale"),
        (lambda: random_affine(torch.zeros(1, 1, 4, 4), generator=3), TypeError, "generator"),
        (lambda: sampling_grid(torch.zeros(2, 3, 3), 4, 4), ValueError, "theta"),
    ],
)
def test_bad_input_raises_a_helpful_error(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)


# ----------------------------------------------------------------------------- the lesson 11 widget


class _TopHeavy(torch.nn.Module):
    """Class 1 when the top half holds more ink than the bottom half: rotating by 180° flips it."""

    def forward(self, x):
        h = x.shape[-2]
        score = x[..., : h // 2, :].sum(dim=(1, 2, 3)) - x[..., h // 2 :, :].sum(dim=(1, 2, 3))
        return torch.stack((-score, score), dim=1)


def test_invariance_explorer_updates_prediction_in_place():
    from helpers.widgets import invariance_explorer

    x = torch.zeros(2, 1, 12, 12)
    x[:, :, 1:4, 3:9] = 1.0  # ink at the top: class 1
    box = invariance_explorer({"top-heavy": _TopHeavy()}, x, [1, 1], class_names=["bottom", "top"])
    assert "cnn-invariance-explorer" in box._dom_classes
    assert "top (" in box.outputs["readout"].value and "right" in box.outputs["readout"].value
    first_picture = box.outputs["picture"].value
    box.controls["angle"].value = 180
    assert "bottom (" in box.outputs["readout"].value and "wrong" in box.outputs["readout"].value
    assert box.outputs["picture"].value != first_picture
    box.controls["reset"].click()
    assert box.controls["angle"].value == 0 and "top (" in box.outputs["readout"].value


def test_invariance_explorer_rejects_bad_input():
    from helpers.widgets import invariance_explorer

    with pytest.raises(TypeError, match="models"):
        invariance_explorer([], torch.zeros(1, 1, 4, 4), [0])
    with pytest.raises(ValueError, match="images"):
        invariance_explorer({"m": _TopHeavy()}, torch.zeros(4, 4), [0])
    with pytest.raises(ValueError, match="labels"):
        invariance_explorer({"m": _TopHeavy()}, torch.zeros(2, 1, 4, 4), [0])
    k = _TopHeavy()(torch.zeros(1, 1, 4, 4)).shape[1]
    with pytest.raises(ValueError, match=rf"class_names: expected {k} names .* got {k + 1}"):
        invariance_explorer({"m": _TopHeavy()}, torch.zeros(1, 1, 4, 4), [0], class_names=[str(i) for i in range(k + 1)])


def test_plot_accuracy_curves_draws_one_line_per_model():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.plots import plot_accuracy_curves

    ax = plot_accuracy_curves([0, 10, 20], {"plain": [0.99, 0.9, 0.6], "augmented": [0.98, 0.97, 0.9]},
                              xlabel="angle", title="robustness")
    assert [line.get_label() for line in ax.get_lines()] == ["plain", "augmented"]
    assert list(ax.get_lines()[1].get_ydata()) == [0.98, 0.97, 0.9]
    assert ax.get_xlabel() == "angle" and ax.get_title() == "robustness"
    with pytest.raises(ValueError, match="plain"):
        plot_accuracy_curves([0, 10], {"plain": [1.0]}, xlabel="angle", title="t")
    plt.close("all")


def test_random_flip_mirrors_a_random_subset_of_the_batch():
    x = torch.rand(64, 1, 5, 7, generator=torch.Generator().manual_seed(0))
    out = random_flip(x, generator=torch.Generator().manual_seed(1))
    mirrored = torch.tensor([torch.equal(o, xi.flip(-1)) for o, xi in zip(out, x)])
    kept = torch.tensor([torch.equal(o, xi) for o, xi in zip(out, x)])
    assert bool((mirrored ^ kept).all())          # each image is one or the other
    assert 16 < int(mirrored.sum()) < 48          # about half of them, p = 0.5
    assert torch.equal(random_flip(x, p=0.0), x)
    assert torch.equal(random_flip(x, p=1.0), x.flip(-1))
    with pytest.raises(ValueError, match="p: expected a probability"):
        random_flip(x, p=1.5)
    with pytest.raises(TypeError, match="generator"):
        random_flip(x, generator=3)
