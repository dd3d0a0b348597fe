"""Learning a kernel (lesson 08): the steps against torch.autograd, convergence on real digits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.animation import jshtml
from helpers.conv import KERNELS
from helpers.data import load_mnist
from helpers.kernel_learning import KernelHistory, animate_kernel_learning, learn_kernel, sobel_pairs


@pytest.fixture(scope="module")
def digits():
    return load_mnist("train")[0][:8] / 255.0


def torch_targets(images, kernel):
    x = torch.from_numpy(images.copy())[:, None]
    return F.conv2d(x.clone(), torch.from_numpy(np.asarray(kernel, dtype=float))[None, None])[:, 0].numpy()


def test_targets_are_torch_convolutions(digits):
    np.testing.assert_allclose(sobel_pairs(digits), torch_targets(digits, KERNELS["sobel x"]), atol=1e-12)
    blur = KERNELS["box blur"]
    np.testing.assert_allclose(sobel_pairs(digits, kernel=blur), torch_targets(digits, blur), atol=1e-12)


def test_steps_equal_torch_autograd_steps(digits):
    rng = np.random.default_rng(3)
    images = digits[:3] + rng.normal(0, 0.1, digits[:3].shape)
    targets = rng.normal(size=(3, 26, 26))
    history = learn_kernel(images, targets, steps=3, lr=0.7, seed=5)
    x, t = torch.from_numpy(images)[:, None], torch.from_numpy(targets)[:, None]
    kernel = torch.from_numpy(history.kernels[0].copy()).requires_grad_(True)
    for step in range(3):
        loss = ((F.conv2d(x, kernel[None, None]) - t) ** 2).mean()
        assert history.losses[step] == pytest.approx(loss.item(), rel=1e-12)
        (grad,) = torch.autograd.grad(loss, kernel)
        kernel = (kernel - 0.7 * grad).detach().requires_grad_(True)
        np.testing.assert_allclose(history.kernels[step + 1], kernel.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert history.kernels.shape == (4, 3, 3) and history.losses.shape == (4,)


def test_the_start_depends_on_the_seed(digits):
    targets = sobel_pairs(digits[:2])
    a, b = learn_kernel(digits[:2], targets, steps=0, seed=0), learn_kernel(digits[:2], targets, steps=0, seed=1)
    assert not np.allclose(a.kernel, b.kernel)
    np.testing.assert_array_equal(a.kernel, learn_kernel(digits[:2], targets, steps=0, seed=0).kernel)


def test_converges_to_sobel_on_digits_within_the_default_steps(digits):
    history = learn_kernel(digits, sobel_pairs(digits))
    assert np.abs(history.kernel - KERNELS["sobel x"]).max() < 1e-2
    assert np.abs(history.kernels[0] - KERNELS["sobel x"]).max() > 0.5  # it did have to learn
    assert history.losses[-1] < 1e-3 * history.losses[0]
    assert np.all(np.diff(history.losses) <= 1e-15)  # a small enough step never goes uphill on this quadratic


@pytest.mark.parametrize("name", ["sobel y", "box blur"])
def test_other_kernels_are_learned_too(digits, name):
    target = KERNELS[name]
    history = learn_kernel(digits, sobel_pairs(digits, kernel=target))
    assert np.abs(history.kernel - target).max() < 2e-2
    assert np.abs(history.kernel - KERNELS["sobel x"]).max() > 0.5


@pytest.mark.parametrize("call, error, match", [
    (lambda d: sobel_pairs((d * 255).astype(np.uint8)), TypeError, "divide uint8"),
    (lambda d: sobel_pairs(d[0]), ValueError, r"images: expected shape \(N, H, W\)"),
    (lambda d: sobel_pairs(d.tolist()), TypeError, "numeric numpy array"),
    (lambda d: sobel_pairs(d, kernel=np.ones((5, 5))), ValueError, "3×3"),
    (lambda d: learn_kernel(d, sobel_pairs(d)[:, 1:]), ValueError, "targets: expected shape"),
    (lambda d: learn_kernel(d, sobel_pairs(d), steps=-1), ValueError, "steps"),
    (lambda d: learn_kernel(d, sobel_pairs(d), lr=0), ValueError, "lr"),
    (lambda d: learn_kernel(d, np.full((8, 26, 26), np.nan)), ValueError, "targets: expected finite"),
])
def test_bad_input_is_rejected(digits, call, error, match):
    with pytest.raises(error, match=match):
        call(digits)


def test_animation_shows_the_history(digits):
    history = learn_kernel(digits[:2], sobel_pairs(digits[:2]), steps=40)
    anim = animate_kernel_learning(history, digits[0], frames=6)
    view = anim.view
    view.draw(len(view.frames) - 1)
    assert view.frames[0] == 0 and view.frames[-1] == 40
    np.testing.assert_allclose(view.k_img.get_array(), history.kernel)
    assert view.texts[0][0].get_text() == f"{history.kernel[0, 0]:+.2f}"
    assert len(view.curve.get_xdata()) == 41
    html = jshtml(anim)
    assert "<script" in html.data
    with pytest.raises(TypeError, match="history"):
        animate_kernel_learning(history.kernels, digits[0])
    with pytest.raises(ValueError, match="frames"):
        animate_kernel_learning(history, digits[0], frames=1)
    assert isinstance(history, KernelHistory)
