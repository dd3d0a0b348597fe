"""helpers.explain against hand computations: loops, finite differences and plain autograd."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.architectures import GlobalAvgPool
from helpers.explain import cam, fgsm, grad_cam, occlusion_map, saliency_map


def smooth_net(seed: int = 0) -> nn.Sequential:
    """A tiny double-precision network without kinks: x (N, 1, 6, 6) -> logits (N, 4)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.Tanh(), nn.Flatten(), nn.Linear(3 * 6 * 6, 4)).double()


def conv_net(seed: int = 0) -> nn.Sequential:
    """x (N, 1, 8, 8) -> logits (N, 5): two convolutions, then flatten + linear."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 6, 3), nn.ReLU(),
                         nn.Flatten(), nn.Linear(6 * 4 * 4, 5)).double()


def gap_net(seed: int = 0, pool: nn.Module | None = None) -> nn.Sequential:
    """x (N, 1, 8, 8) -> logits (N, 5): convolutions, global average pooling, one linear layer."""
    torch.manual_seed(seed)
    layers = [nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 6, 3), pool or GlobalAvgPool()]
    if isinstance(pool, nn.AdaptiveAvgPool2d):
        layers.append(nn.Flatten())
    return nn.Sequential(*layers, nn.Linear(6, 5)).double()


def image(shape=(1, 6, 6), seed: int = 1) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# --- occlusion -------------------------------------------------------------------------


@pytest.mark.parametrize("patch, stride, fill", [(2, 2, 0.0), (3, 2, -0.5), (3, 1, 1.0), (4, 3, 0.0)])
def test_occlusion_matches_a_hand_loop(patch, stride, fill):
    model, x = conv_net(), image((1, 8, 8))
    target = 2
    p = lambda im: F.softmax(model(im[None]), dim=1)[0, target].item()  # noqa: E731
    base = p(x)
    total, count = torch.zeros(8, 8, dtype=torch.float64), torch.zeros(8, 8, dtype=torch.float64)
    starts = sorted(set(list(range(0, 8 - patch + 1, stride)) + [8 - patch]))
    for r in starts:
        for c in starts:
            hidden = x.clone()
            hidden[:, r : r + patch, c : c + patch] = fill
            total[r : r + patch, c : c + patch] += base - p(hidden)
            count[r : r + patch, c : c + patch] += 1
    got = occlusion_map(model, x, target, patch=patch, stride=stride, fill=fill, batch_size=5)
    assert got.shape == (8, 8)
    torch.testing.assert_close(got.double(), total / count, atol=1e-6, rtol=1e-5)


def test_occlusion_explains_the_predicted_class_by_default():
    model, x = conv_net(), image((1, 8, 8))
    predicted = int(model(x[None]).argmax())
    torch.testing.assert_close(occlusion_map(model, x), occlusion_map(model, x, predicted))


# --- saliency ----------------------------------------------------------------------------


def finite_difference_gradient(model, x, target, h=1e-6):
    grad = torch.zeros_like(x)
    with torch.no_grad():
        for idx in range(x.numel()):
            up, down = x.clone().flatten(), x.clone().flatten()
            up[idx] += h
            down[idx] -= h
            grad.view(-1)[idx] = (model(up.view_as(x)[None])[0, target] - model(down.view_as(x)[None])[0, target]) / (2 * h)
    return grad


def test_gradient_saliency_matches_finite_differences():
    model, x = smooth_net(), image()
    expected = finite_difference_gradient(model, x, 3)
    torch.testing.assert_close(saliency_map(model, x, 3), expected[0].abs(), atol=1e-7, rtol=1e-5)
    torch.testing.assert_close(saliency_map(model, x, 3, method="gradient_x_input"), (expected * x)[0].abs(),
                               atol=1e-7, rtol=1e-5)


def test_smoothgrad_is_the_mean_gradient_over_noisy_copies():
    model, x = smooth_net(), image()
    got = saliency_map(model, x, 1, method="smoothgrad", samples=6, noise=0.2,
                       generator=torch.Generator().manual_seed(5))
    sigma = 0.2 * float(x.max() - x.min())
    noise = torch.randn((6, 1, 6, 6), generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    grads = [finite_difference_gradient(model, x + sigma * n, 1) for n in noise]
    torch.testing.assert_close(got, torch.stack(grads).mean(0)[0].abs(), atol=1e-7, rtol=1e-5)


def test_saliency_keeps_the_largest_channel():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 2, 3), nn.Tanh(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3)).double()
    x = image((3, 6, 6))
    grad = finite_difference_gradient(model, x, 0)
    torch.testing.assert_close(saliency_map(model, x, 0), grad.abs().amax(0), atol=1e-7, rtol=1e-5)


# --- Grad-CAM and CAM ------------------------------------------------------------------


def hand_grad_cam(model: nn.Sequential, x, split: int, target: int, size=None):
    """Grad-CAM by plain autograd: run the front, take A, run the back, differentiate."""
    with torch.no_grad():
        acts = model[:split](x[None])
    acts = acts.clone().requires_grad_(True)
    score = model[split:](acts)[0, target]
    (grad,) = torch.autograd.grad(score, acts)
    maps = torch.relu((grad[0].mean(dim=(1, 2))[:, None, None] * acts[0]).sum(0)).detach()
    if size is not None:
        maps = F.interpolate(maps[None, None], size=size, mode="bilinear", align_corners=False)[0, 0]
    return maps


@pytest.mark.parametrize("layer_index", [0, 1, 2, 3])
def test_grad_cam_matches_a_hand_computation(layer_index):
    model, x = conv_net(), image((1, 8, 8))
    for target in range(5):
        expected = hand_grad_cam(model, x, layer_index + 1, target, size=(8, 8))
        torch.testing.assert_close(grad_cam(model, x, model[layer_index], target), expected)
        torch.testing.assert_close(grad_cam(model, x, str(layer_index), target), expected)
    small = grad_cam(model, x, model[2], 1, upsample=False)
    assert small.shape == (4, 4)
    torch.testing.assert_close(small, hand_grad_cam(model, x, 3, 1))


@pytest.mark.parametrize("pool", [None, nn.AdaptiveAvgPool2d(1)])
def test_cam_is_grad_cam_when_pooling_follows_the_last_conv(pool):
    model, x = gap_net(pool=pool), image((1, 8, 8))
    for target in range(5):
        raw = cam(model, x, target, upsample=False)  # (4, 4)
        assert raw.shape == (4, 4)
        # theory: the score is the mean of the CAM plus the bias ...
        logit = model(x[None])[0, target].item()
        assert raw.mean().item() + model[-1].bias[target].item() == pytest.approx(logit, rel=1e-9, abs=1e-12)
        # ... and Grad-CAM on the pooled maps is the CAM, ReLU'd and scaled by 1 / (h w)
        torch.testing.assert_close(grad_cam(model, x, model[2], target, upsample=False), torch.relu(raw) / 16)
        up = cam(model, x, target)
        assert up.shape == (8, 8)
        torch.testing.assert_close(up, F.interpolate(raw[None, None], size=(8, 8), mode="bilinear")[0, 0])


def test_cam_refuses_a_network_without_global_average_pooling():
    with pytest.raises(ValueError, match="model: cam needs .*global average pooling.*grad_cam"):
        cam(conv_net(), image((1, 8, 8)))


# --- FGSM ------------------------------------------------------------------------------


def test_fgsm_raises_the_loss_and_moves_each_pixel_by_epsilon():
    model = smooth_net()
    x = image((5, 1, 6, 6)) * 0.3
    y = torch.tensor([0, 1, 2, 3, 0])
    eps = 1e-3
    adv = fgsm(model, x, y, eps, clip=(-10.0, 10.0))
    assert adv.shape == x.shape and adv.dtype == x.dtype and not adv.requires_grad
    xg = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(xg), y), xg)
    torch.testing.assert_close(adv, x + eps * grad.sign())
    with torch.no_grad():
        assert F.cross_entropy(model(adv), y) > F.cross_entropy(model(x), y)
        for i in range(5):  # each image on its own, too
            assert F.cross_entropy(model(adv[i : i + 1]), y[i : i + 1]) > F.cross_entropy(model(x[i : i + 1]), y[i : i + 1])


def test_fgsm_never_leaves_the_pixel_range():
    model = smooth_net()
    lo, hi = -0.4242, 2.8215
    x = image((8, 1, 6, 6)).clamp(lo, hi)
    y = torch.arange(8) % 4
    for eps in [0.0, 0.1, 0.5, 5.0]:
        adv = fgsm(model, x, y, eps, clip=(lo, hi))
        assert adv.min() >= lo and adv.max() <= hi
        assert (adv - x).abs().max() <= eps + 1e-12
    torch.testing.assert_close(fgsm(model, x, y, 0.0, clip=(lo, hi)), x)


# --- the model comes back as it was ------------------------------------------------------


@pytest.mark.parametrize("training", [True, False])
def test_model_mode_and_flags_are_restored(training):
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.5),
                          GlobalAvgPool(), nn.Linear(4, 3)).double()
    model.train(training)
    model[0].bias.requires_grad_(False)
    flags = [p.requires_grad for p in model.parameters()]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = image((1, 8, 8))
    calls = [lambda: occlusion_map(model, x), lambda: saliency_map(model, x, method="smoothgrad", samples=3),
             lambda: grad_cam(model, x, "0"), lambda: cam(model, x),
             lambda: fgsm(model, x[None].repeat(2, 1, 1, 1), torch.tensor([0, 2]), 0.1, clip=(-3, 3))]
    for call in calls:
        call()
        assert model.training is training
        assert all(m.training is training for m in model.modules())
        assert [p.requires_grad for p in model.parameters()] == flags
        assert all(p.grad is None for p in model.parameters())
    for k, v in model.state_dict().items():  # eval mode: batch-norm statistics untouched
        torch.testing.assert_close(v, before[k])


def test_model_is_restored_even_when_a_call_fails():
    model = conv_net().train()
    with pytest.raises(ValueError):
        grad_cam(model, image((1, 8, 8)), nn.Flatten())
    with pytest.raises(ValueError, match="target"):
        saliency_map(model, image((1, 8, 8)), 7)
    assert model.training and all(p.requires_grad for p in model.parameters())


# --- bad input ---------------------------------------------------------------------------


def test_bad_input_is_rejected_clearly():
    model, x = conv_net(), image((1, 8, 8))
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module"):
        occlusion_map(lambda t: t, x)
    with pytest.raises(TypeError, match="image: expected a torch.Tensor"):
        saliency_map(model, x.numpy())
    with pytest.raises(ValueError, match=r"image: expected one image of shape \(C, H, W\).*images\[i\]"):
        grad_cam(model, x[None], "0")
    with pytest.raises(TypeError, match="image: expected float"):
        occlusion_map(model, (x * 100).to(torch.uint8))
    with pytest.raises(ValueError, match=r"target: expected a class number in 0\.\.4, got 5"):
        occlusion_map(model, x, 5)
    with pytest.raises(ValueError, match="target: expected a class number"):
        grad_cam(model, x, "0", -1)
    with pytest.raises(TypeError, match="target: expected a class number"):
        saliency_map(model, x, 1.0)
    with pytest.raises(ValueError, match="layer: expected the name of a layer.*'features.9'"):
        grad_cam(model, x, "features.9")
    with pytest.raises(ValueError, match="layer: expected a layer inside the model"):
        grad_cam(model, x, nn.Conv2d(1, 4, 3))
    with pytest.raises(ValueError, match=r"layer: expected a layer whose output is feature maps"):
        grad_cam(model, x, "5")
    with pytest.raises(TypeError, match="layer: expected a layer name"):
        grad_cam(model, x, 0)
    for bad in (0, -2):
        with pytest.raises(ValueError, match="patch: expected a positive int"):
            occlusion_map(model, x, patch=bad)
        with pytest.raises(ValueError, match="stride: expected a positive int"):
            occlusion_map(model, x, stride=bad)
    with pytest.raises(TypeError, match="patch: expected a positive int"):
        occlusion_map(model, x, patch=2.5)
    with pytest.raises(ValueError, match="patch: expected at most the image size 8"):
        occlusion_map(model, x, patch=9)
    with pytest.raises(ValueError, match="method: expected one of"):
        saliency_map(model, x, method="integrated")
    with pytest.raises(ValueError, match="noise: expected a non-negative"):
        saliency_map(model, x, method="smoothgrad", noise=-1.0)
    xs, ys = x[None].repeat(3, 1, 1, 1), torch.tensor([0, 1, 2])
    with pytest.raises(ValueError, match=r"images: expected shape \(N, C, H, W\)"):
        fgsm(model, x, ys, 0.1, clip=(0, 1))
    with pytest.raises(ValueError, match=r"labels: expected shape \(3,\)"):
        fgsm(model, xs, ys[:2], 0.1, clip=(0, 1))
    with pytest.raises(TypeError, match="labels: expected integer class numbers"):
        fgsm(model, xs, ys.float(), 0.1, clip=(0, 1))
    with pytest.raises(ValueError, match=r"labels: expected class numbers in 0\.\.4"):
        fgsm(model, xs, torch.tensor([0, 1, 9]), 0.1, clip=(0, 1))
    with pytest.raises(ValueError, match="epsilon: expected a step size >= 0"):
        fgsm(model, xs, ys, -0.1, clip=(0, 1))
    with pytest.raises(ValueError, match="clip: expected lo < hi"):
        fgsm(model, xs, ys, 0.1, clip=(1, 0))
    with pytest.raises(TypeError, match="clip: expected a pair"):
        fgsm(model, xs, ys, 0.1, clip=1.0)
