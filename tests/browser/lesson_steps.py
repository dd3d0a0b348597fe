"""What a person does with each lesson's interactive pieces, keyed by lesson number.

A step acts on the page like a student (keyboard on a slider handle, a click on a
button, typing into a text box, a mouse stroke on a canvas) and names the element
whose picture must change afterwards. Widgets are found by the ``cnn-...`` CSS
classes their builders in ``helpers.widgets`` (and friends) add.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Locator, Page


@dataclass(frozen=True)
class Step:
    """One interaction: ``act`` on the page, then ``view`` must look different."""

    description: str
    view: str
    act: Callable[[Page], None]


def _first(page: Page, selector: str) -> Locator:
    locator = page.locator(selector).first
    locator.wait_for(state="visible", timeout=15_000)
    locator.scroll_into_view_if_needed(timeout=10_000)
    return locator


def _nth(page: Page, selector: str, nth: int) -> Locator:
    locator = page.locator(selector).nth(nth)
    locator.wait_for(state="visible", timeout=15_000)
    locator.scroll_into_view_if_needed(timeout=10_000)
    return locator


def press_slider(
    widget: str, key: str = "ArrowRight", times: int = 3, nth: int = 0
) -> Callable[[Page], None]:
    """Focus the ``nth`` slider handle inside ``widget`` and press ``key`` ``times`` times."""

    def act(page: Page) -> None:
        handle = _nth(page, f"{widget} .noUi-handle", nth)
        handle.click()
        for _ in range(times):
            handle.press(key)

    return act


def drag_slider(widget: str, fraction: float = 0.7, nth: int = 0) -> Callable[[Page], None]:
    """Drag the ``nth`` slider handle in ``widget`` with the mouse to ``fraction`` of its track."""

    def act(page: Page) -> None:
        handle = _nth(page, f"{widget} .noUi-handle", nth)
        track = _nth(page, f"{widget} .noUi-base", nth)
        hbox, tbox = handle.bounding_box(), track.bounding_box()
        assert hbox and tbox, "slider has no box"
        page.mouse.move(hbox["x"] + hbox["width"] / 2, hbox["y"] + hbox["height"] / 2)
        page.mouse.down()
        page.mouse.move(tbox["x"] + tbox["width"] * fraction, tbox["y"] + tbox["height"] / 2, steps=8)
        page.mouse.up()

    return act


def click(selector: str, times: int = 1) -> Callable[[Page], None]:
    """Click the element ``selector`` (a button, usually) ``times`` times."""

    def act(page: Page) -> None:
        target = _first(page, selector)
        for _ in range(times):
            target.click()

    return act


def play_pause_in_step(widget: str, columns: int, play_ms: int = 2500) -> Callable[[Page], None]:
    """Press play on the stepper ``widget``, pause, and check that the figure keeps up.

    Once the kernel has caught up, the written-out sum must be the one for the step the
    slider shows (step ``n`` is ``output[(n - 1) // columns, (n - 1) % columns]``): a
    figure one frame behind the slider fails here. The picture and the sum are redrawn in
    one callback, and the unit tests check the picture's caption against the slider.
    """

    def act(page: Page) -> None:
        toggle = _first(page, f"{widget} .widget-play button")  # play/pause, then stop and repeat
        toggle.click()
        page.wait_for_timeout(play_ms)
        toggle.click()
        readout = page.locator(f"{widget} .widget-readout").first
        text = page.locator(f"{widget} .widget-html").first
        seen = ""
        for _ in range(40):  # up to 10 s for the last update to arrive
            page.wait_for_timeout(250)
            step = int(readout.inner_text().strip())
            found = re.search(r"output\[(\d+), (\d+)\]", text.inner_text())
            seen = f"slider at step {step}, sum {found.group(0) if found else text.inner_text()!r}"
            if step > 1 and found and (int(found.group(1)), int(found.group(2))) == divmod(step - 1, columns):
                return
        raise AssertionError(f"{widget}: after play and pause the figure does not show the slider's step: {seen}")

    return act


def select_option(widget: str, label: str) -> Callable[[Page], None]:
    """Choose ``label`` in the dropdown inside ``widget``."""

    def act(page: Page) -> None:
        _first(page, f"{widget} select").select_option(label=label)

    return act


def type_into(
    selector: str, text: str, submit: bool = True, nth: int = 0
) -> Callable[[Page], None]:
    """Replace the text of the ``nth`` input ``selector`` with ``text`` (then Enter)."""

    def act(page: Page) -> None:
        box = _nth(page, selector, nth)
        box.click()
        box.fill(text)
        if submit:
            box.press("Enter")
        else:
            box.press("Tab")

    return act


def draw_stroke(canvas: str) -> Callable[[Page], None]:
    """Press the mouse on the canvas ``canvas``, draw a vertical stroke, release."""

    def act(page: Page) -> None:
        target = _first(page, canvas)
        box = target.bounding_box()
        assert box, "canvas has no box"
        x = box["x"] + box["width"] * 0.5
        page.mouse.move(x, box["y"] + box["height"] * 0.2)
        page.mouse.down()
        for i in range(1, 13):
            page.mouse.move(x + (i % 3), box["y"] + box["height"] * (0.2 + 0.05 * i), steps=2)
        page.mouse.up()

    return act


# Widget (its `cnn-...` class) → what a person does with it. The lesson test runs the
# steps of every such widget it finds on the page, in this order.
WIDGET_STEPS: dict[str, list[Step]] = {
    ".cnn-widget-check": [
        Step("arrow keys on the check slider", ".cnn-widget-check .widget-html",
             press_slider(".cnn-widget-check")),
        Step("dragging the check slider", ".cnn-widget-check .widget-html",
             drag_slider(".cnn-widget-check", 0.9)),
    ],
    ".cnn-digit-browser": [
        Step("arrow keys on the image slider", ".cnn-digit-browser .widget-image",
             press_slider(".cnn-digit-browser", times=2, nth=0)),
        Step("dragging the row slider", ".cnn-digit-browser .widget-html",
             drag_slider(".cnn-digit-browser", 0.15, nth=1)),
    ],
    ".cnn-parameter-counter": [
        Step("arrow keys on the hidden-layers slider", ".cnn-parameter-counter .widget-image",
             press_slider(".cnn-parameter-counter", key="ArrowLeft", times=1, nth=0)),
    ],
    ".cnn-softmax-explorer": [
        Step("arrow keys on the first score's slider", ".cnn-softmax-explorer .widget-image",
             press_slider(".cnn-softmax-explorer", times=5, nth=0)),
    ],
    ".cnn-gd-explorer": [
        Step("arrow keys on the learning-rate slider", ".cnn-gd-explorer .widget-image",
             press_slider(".cnn-gd-explorer", times=4, nth=0)),
    ],
    ".cnn-conv-stepper": [
        Step("pressing play, then pause, on the convolution stepper", ".cnn-conv-stepper .widget-image",
             play_pause_in_step(".cnn-conv-stepper", columns=4)),  # lesson 06: 6×6 image, 3×3 kernel
    ],
    ".cnn-kernel-editor": [
        Step("typing a kernel entry", ".cnn-kernel-editor .widget-image",
             type_into(".cnn-kernel-editor .cnn-kernel-cell input", "7")),
    ],
    ".cnn-conv-size-explorer": [
        Step("arrow keys on the stride slider", ".cnn-conv-size-explorer .widget-image",
             press_slider(".cnn-conv-size-explorer", key="ArrowLeft", times=1, nth=2)),
    ],
    ".cnn-pool-stepper": [
        Step("pressing play, then pause, on the pooling stepper", ".cnn-pool-stepper .widget-image",
             play_pause_in_step(".cnn-pool-stepper", columns=3)),  # lesson 07: 6×6 map, 2×2 pooling
    ],
    ".cnn-receptive-field": [
        Step("arrow keys on the layer slider", ".cnn-receptive-field .widget-image",
             press_slider(".cnn-receptive-field", key="ArrowLeft", times=1, nth=0)),
        Step("arrow keys on the row slider", ".cnn-receptive-field .widget-image",
             press_slider(".cnn-receptive-field", times=2, nth=1)),
    ],
    ".cnn-feature-maps": [
        Step("arrow keys on the image slider", ".cnn-feature-maps .widget-image",
             press_slider(".cnn-feature-maps", times=1, nth=0)),
    ],
    ".cnn-draw-digit": [
        Step("drawing a stroke on the canvas", ".cnn-draw-digit .widget-image",
             draw_stroke("canvas.cnn-draw-canvas, .cnn-draw-canvas canvas")),
        Step("pressing Clear", ".cnn-draw-digit .widget-image", click(".cnn-draw-clear")),
    ],
    ".cnn-invariance-explorer": [
        Step("arrow keys on the angle slider", ".cnn-invariance-explorer .widget-image",
             press_slider(".cnn-invariance-explorer", times=3, nth=1)),
        Step("pressing reset", ".cnn-invariance-explorer .widget-image",
             click(".cnn-invariance-explorer button")),
    ],
    ".cnn-explain-explorer": [
        Step("arrow keys on the image slider", ".cnn-explain-explorer .widget-image",
             press_slider(".cnn-explain-explorer", times=2, nth=0)),
    ],
}

# Classes that mark parts inside the widgets above (not widgets of their own).
WIDGET_PARTS = {"cnn-kernel-cell", "cnn-draw-canvas", "cnn-draw-clear", "cnn-draw-prediction"}

# Lesson → widgets it must show (and so exercise). Other lessons' widgets are
# exercised when found, but their absence is not an error.
EXPECTED_WIDGETS: dict[str, list[str]] = {
    "00": [".cnn-widget-check"],
    "01": [".cnn-digit-browser"],
    "06": [".cnn-conv-stepper", ".cnn-kernel-editor", ".cnn-conv-size-explorer"],
    "03": [".cnn-parameter-counter", ".cnn-softmax-explorer"],
    "04": [".cnn-gd-explorer"],
    "07": [".cnn-pool-stepper"],
    "08": [".cnn-receptive-field"],
    "09": [".cnn-feature-maps", ".cnn-draw-digit"],
    "11": [".cnn-invariance-explorer"],
    "13": [".cnn-explain-explorer"],
}

# Lesson → what the presenter does on the slide that shows its widget (presenting.check_deck). (In the deck,
# JupyterLab's output-collapse overlay covers a widget's left edge, where the Play
# buttons sit, so the presenter uses the slider instead.)
DECK_STEPS: dict[str, Step] = {
    "06": Step("arrow keys on the stepper's position slider", ".cnn-conv-stepper .widget-image",
               press_slider(".cnn-conv-stepper", times=3)),
}
