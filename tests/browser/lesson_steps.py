"""What a person does with each lesson's interactive pieces, keyed by lesson number.

A step acts on the page like a student (keyboard on a slider handle, a click on a
button, typing into a text box, a mouse stroke on a canvas) and names the element
whose picture must change afterwards. Widgets are found by the ``cnn-...`` CSS
classes their builders in ``helpers.widgets`` (and friends) add.
"""

from __future__ import annotations

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


def press_slider(widget: str, key: str = "ArrowRight", times: int = 3) -> Callable[[Page], None]:
    """Focus the slider handle inside ``widget`` and press ``key`` ``times`` times."""

    def act(page: Page) -> None:
        handle = _first(page, f"{widget} .noUi-handle")
        handle.click()
        for _ in range(times):
            handle.press(key)

    return act


def drag_slider(widget: str, fraction: float = 0.7) -> Callable[[Page], None]:
    """Drag the slider handle inside ``widget`` with the mouse to ``fraction`` of its track."""

    def act(page: Page) -> None:
        handle = _first(page, f"{widget} .noUi-handle")
        track = _first(page, f"{widget} .noUi-base")
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


def select_option(widget: str, label: str) -> Callable[[Page], None]:
    """Choose ``label`` in the dropdown inside ``widget``."""

    def act(page: Page) -> None:
        _first(page, f"{widget} select").select_option(label=label)

    return act


def type_into(selector: str, text: str, submit: bool = True) -> Callable[[Page], None]:
    """Replace the text of the input ``selector`` with ``text`` (then Enter)."""

    def act(page: Page) -> None:
        box = _first(page, selector)
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


# Lessons → steps. Filled from the `add_class("cnn-...")` calls in helpers/.
LESSON_STEPS: dict[str, list[Step]] = {}

# Lessons → the least number of rendered widget outputs they must show.
MIN_WIDGETS: dict[str, int] = {}
