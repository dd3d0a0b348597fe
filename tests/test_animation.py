"""The convolution and pooling animations: right frame count, right numbers, a player that needs no kernel."""

from __future__ import annotations

import gc

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.animation import animate_convolution, animate_pooling, jshtml  # noqa: E402
from helpers.conv import KERNELS, conv2d, pool2d  # noqa: E402

# Tests look at single frames without rendering the whole animation, which matplotlib warns about.
pytestmark = pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")


@pytest.fixture(autouse=True)
def collect_animations():
    """Delete each test's animations while its warning filter still applies."""
    yield
    gc.collect()


def small_image():
    image = np.zeros((5, 5), dtype=int)
    image[1:4, 2] = 1
    return image


def test_convolution_frames_fill_the_output():
    anim = animate_convolution(small_image(), KERNELS["outline"], padding=1)
    view = anim.view
    try:
        assert view.n_steps == 25
        view.draw_step(24)
        np.testing.assert_array_equal(view.output, conv2d(small_image(), KERNELS["outline"], padding=1))
        view.draw_step(3)
        assert np.isnan(view.output).sum() == 25 - 4
        assert "step 4 of 25" in view.caption.get_text()
        assert view.window.get_xy() == (2.5, -0.5)  # fourth window starts at column 3
    finally:
        plt.close(view.fig)


def test_jshtml_player_is_self_contained_and_closes_the_figure():
    before = plt.get_fignums()
    anim = animate_convolution(small_image(), KERNELS["sobel x"], stride=2)
    assert plt.get_fignums() != before
    html = jshtml(anim).data
    assert plt.get_fignums() == before
    assert "<script" in html and "data:image/png;base64" in html
    assert html.count("data:image/png;base64") == 4  # (5 - 3) // 2 + 1 = 2, so 2 x 2 frames


def test_pooling_frames():
    x = np.arange(16).reshape(4, 4) % 5
    for mode in ("max", "avg", "min", "sum"):
        anim = animate_pooling(x, 2, mode)
        try:
            anim.view.draw_step(anim.view.n_steps - 1)
            np.testing.assert_allclose(anim.view.output, pool2d(x, 2, mode=mode))
        finally:
            plt.close(anim.view.fig)
    html = jshtml(animate_pooling(x, 2)).data
    assert html.count("data:image/png;base64") == 4


def test_bad_input_raises_and_leaves_no_figure():
    before = plt.get_fignums()
    with pytest.raises(ValueError, match="2-D"):
        animate_convolution(np.zeros((3, 5, 5)), np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        animate_convolution(np.zeros((2, 2)), np.ones((3, 3)))
    assert plt.get_fignums() == before


def test_pooling_with_a_rectangular_window():
    x = np.arange(24).reshape(4, 6) % 7
    anim = animate_pooling(x, size=(2, 3))
    try:
        view = anim.view
        view.draw_step(view.n_steps - 1)
        np.testing.assert_allclose(view.output, pool2d(x, (2, 3)))
        assert view.window.get_width() == 3 and view.window.get_height() == 2
        assert view.n_steps == 4
    finally:
        plt.close(anim.view.fig)


def test_both_views_write_numbers_only_into_an_output_small_enough_to_read():
    """The output panel is one piece of code for both views: numbers up to 15 cells a side,
    none beyond (pooling used to write them into any output, however small the cells)."""
    big = np.arange(34 * 34).reshape(34, 34) % 9
    for anim in (animate_pooling(big, size=2), animate_convolution(big[:18, :18], np.ones((2, 2)))):
        try:
            view = anim.view
            view.draw_step(view.n_steps - 1)
            assert max(view.out_shape) > 15 and not np.isnan(view.output).any()
            assert all(t.get_text() == "" for t in view.output_text.ravel())
        finally:
            plt.close(anim.view.fig)
    small = animate_pooling(big[:8, :8], size=2)
    try:
        small.view.draw_step(small.view.n_steps - 1)
        assert [t.get_text() for t in small.view.output_text.ravel()] == [
            str(int(v)) for v in pool2d(big[:8, :8], 2).ravel()]
    finally:
        plt.close(small.view.fig)


def test_pooling_bad_input_raises_at_the_door_and_leaves_no_figure():
    before = plt.get_fignums()
    with pytest.raises(ValueError, match="x: expected a 2-D array"):
        animate_pooling(np.zeros((2, 4, 4)))
    with pytest.raises((TypeError, ValueError), match="size"):
        animate_pooling(np.zeros((4, 4)), size=(2, 0))
    assert plt.get_fignums() == before
