"""Presenting a lesson as slides with jupyterlab-slideshow, widgets live on the slide.

An instructor runs the lesson, presses the notebook toolbar's deck button
("Start Deck"), steps forward with the on-screen remote until a slide shows a
widget, and uses it there. The widget must render on the slide and respond.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab_driver import (
    NOTEBOOKS,
    ConsoleWatch,
    LabServer,
    element_snapshot,
    open_notebook,
    run_all_and_wait,
    wait_for,
    wait_for_change,
)
from lesson_steps import DECK_STEPS

# Lessons to present, in order of preference: the first one present is used.
DECK_LESSONS = ("06", "01", "00")
MAX_SLIDES = 300

_ON_SLIDE_JS = """
(selector) => [...document.querySelectorAll('.jp-Deck .jp-Cell.jp-deck-mod-onscreen.jp-deck-mod-visible')]
  .some(cell => [...cell.querySelectorAll(selector)].some(e => {
     const r = e.getBoundingClientRect();
     return r.width > 0 && r.height > 0;
  }))
"""


_SLIDE_TEXT_JS = """
() => [...document.querySelectorAll('.jp-Deck .jp-Cell.jp-deck-mod-onscreen.jp-deck-mod-visible')]
  .map(c => c.textContent.trim().slice(0, 40).replace(/\\s+/g, ' ')).join(' | ')
"""


def _lesson_for_deck() -> str | None:
    names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    for key in DECK_LESSONS:
        for name in names:
            if name.startswith(f"{key}_") and key in DECK_STEPS:
                return name
    return None


def test_continuation_cells_are_shown_in_the_deck() -> None:
    """jupyterlab-slideshow 0.3.4 knows slide types slide, subslide, fragment, notes, skip and
    *no type*; a cell marked "-" (classic Jupyter's "continue the slide") matches none of
    its cases and is never shown when presenting. Continuation cells must carry no
    slide_type."""
    hidden = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        count = sum(c["metadata"].get("slideshow", {}).get("slide_type") == "-" for c in cells)
        if count:
            hidden.append(f"{path.name}: {count} cells")
    assert not hidden, (
        'cells with slideshow.slide_type "-" are invisible in the deck; drop the key '
        "for continuation cells:\n" + "\n".join(hidden)
    )


@pytest.mark.browser
def test_deck_shows_a_live_widget(lab_server: LabServer, browser, screenshot_dir: Path) -> None:
    name = _lesson_for_deck()
    if name is None:
        pytest.skip(f"none of lessons {DECK_LESSONS} with widget steps exists yet")
    key = name.split("_", 1)[0]
    step = DECK_STEPS[key]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    console = ConsoleWatch()
    console.attach(page)
    try:
        open_notebook(page, lab_server, name)
        run_all_and_wait(page, 300.0)
        # Present from the top: select the first cell, then the toolbar's deck button.
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="deck"] button').first.click()
        page.locator(".jp-NotebookPanel.jp-Deck").first.wait_for(state="visible", timeout=20_000)
        remote = page.locator(".jp-Deck-Remote")
        forward = remote.locator(".jp-deck-mod-direction-forward").first
        down = remote.locator(".jp-deck-mod-direction-down").first

        def enabled(button) -> bool:
            return "jp-mod-disabled" not in (button.get_attribute("class") or "")

        seen: list[str] = []

        def slide_with_widget() -> bool:
            for _ in range(MAX_SLIDES):
                if page.evaluate(_ON_SLIDE_JS, step.view):
                    return True
                seen.append(page.evaluate(_SLIDE_TEXT_JS))
                # Sub-slides lie "down" from their slide; the next slide is "forward".
                if enabled(down):
                    down.click()
                elif enabled(forward):
                    forward.click()
                else:
                    return False
                page.wait_for_timeout(300)
            return False

        assert slide_with_widget(), (
            f"{name}: no slide shows {step.view}; slides seen:\n" + "\n".join(seen)
        )
        page.wait_for_timeout(500)
        page.screenshot(path=str(screenshot_dir / f"{Path(name).stem}-deck.png"))
        view = page.locator(f".jp-deck-mod-onscreen.jp-deck-mod-visible {step.view}").first
        before = element_snapshot(view)
        step.act(page)
        wait_for_change(view, before, f"{name} on a slide: {step.description}")
        page.screenshot(path=str(screenshot_dir / f"{Path(name).stem}-deck-interacted.png"))
        unexpected = console.unexpected()
        assert not unexpected, f"{name} as slides: console errors:\n" + "\n".join(unexpected)
    finally:
        try:
            page.screenshot(path=str(screenshot_dir / f"{Path(name).stem}-deck-last.png"))
        except Exception:  # noqa: BLE001 - a screenshot must not hide the real failure
            pass
        stop = page.locator(".jp-Deck-Remote .jp-deck-mod-stop")
        try:
            if stop.count():
                stop.first.click(timeout=5_000)
                wait_for(lambda: page.locator(".jp-Deck").count() == 0, 10, "the deck to stop")
        except Exception:  # noqa: BLE001 - cleanup must not hide the real failure
            pass
        context.close()
        lab_server.shutdown_kernels()
