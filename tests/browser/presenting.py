"""What an instructor does with a lesson that has already run: present it as slides, or
show it under JupyterLab's dark theme.

Each check works on the page ``test_lessons`` has just run and used, so presenting costs
no extra run of the lesson. ``PRESENTATION_CHECKS`` says which lesson each check uses:

- lesson 02 (figures and exercise checks) under "JupyterLab Dark": every figure keeps its
  own light background, so its black labels stay readable, and the exercise boxes keep
  their own colours. Screenshot ``02-dark.png``.
- lesson 06 presented with jupyterlab-slideshow: the toolbar's deck button ("Start Deck"),
  the on-screen remote stepped forward until a slide shows the stepper, and the stepper
  used there. Screenshots ``06_convolution-deck.png`` and ``-deck-interacted.png``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from lab_driver import LabServer, element_snapshot, menu, save_screenshot, wait_for, wait_for_change
from lesson_steps import DECK_STEPS
from playwright.sync_api import Page

THEMES = "/lab/api/settings/@jupyterlab/apputils-extension:themes"
MAX_SLIDES = 300

# The colour of each output figure's corner pixels, read from the decoded PNG in the page
# (data: URLs, so the canvas is not tainted).
_FIGURE_CORNERS_JS = """
async () => {
  const imgs = [...document.querySelectorAll('.jp-OutputArea-output img')]
    .filter(i => i.src.startsWith('data:image/png'));
  const out = [];
  for (const img of imgs) {
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const at = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data);
    out.push([at(1, 1), at(c.width - 2, 1), at(1, c.height - 2), at(c.width - 2, c.height - 2)]);
  }
  return out;
}
"""

_CHECK_BOX_COLOURS_JS = """
() => [...document.querySelectorAll('.cnn-check')]
  .map(e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color])
"""

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


def _theme_is_light(page: Page) -> str | None:
    return page.evaluate("document.body.dataset.jpThemeLight")


def check_dark_theme(page: Page, server: LabServer, name: str, screenshot_dir: Path) -> None:
    """Switch the running lesson to "JupyterLab Dark" from the Settings menu and check
    that its figures and exercise boxes stay readable; the light theme is put back."""
    try:
        menu(page, "Settings", "Theme")
        # Exactly this theme: "JupyterLab Dark High Contrast" is installed too.
        page.locator(".lm-Menu-content .lm-Menu-itemLabel", has_text=re.compile(r"^JupyterLab Dark$")).first.click()
        wait_for(lambda: _theme_is_light(page) == "false", 20, f"{name}: the dark theme to come on")
        page.locator(".jp-OutputArea-output img").first.scroll_into_view_if_needed(timeout=10_000)
        save_screenshot(page, screenshot_dir, f"{name.split('_', 1)[0]}-dark")
        corners = page.evaluate(_FIGURE_CORNERS_JS)
        assert len(corners) >= 3, f"{name} should show several figures, found {len(corners)}"
        for k, figure in enumerate(corners):
            for r, g, b, a in figure:
                # Opaque and light: the figure brings its own background instead of showing the page's.
                assert a == 255 and min(r, g, b) >= 230, (
                    f"{name} in the dark theme: figure {k}'s corner pixel {(r, g, b, a)} is not light and opaque")
        boxes = page.evaluate(_CHECK_BOX_COLOURS_JS)
        assert len(boxes) >= 4, f"{name} checks four exercises; found {len(boxes)} result boxes"
        for background, colour in boxes:
            # Each box paints its own light background under dark text, whatever the theme.
            assert background not in ("rgba(0, 0, 0, 0)", "transparent"), (
                f"{name} in the dark theme: an exercise box has no background of its own ({background})")
            assert colour == "rgb(31, 35, 40)", f"{name} in the dark theme: exercise box text is {colour}"
    finally:
        # The menu saved the choice in the server's settings; the next lesson opens in light.
        try:
            server.api("PUT", THEMES, {"raw": json.dumps({"theme": "JupyterLab Light"})})
        except Exception:  # noqa: BLE001 - cleanup must not hide the real failure
            pass


def check_deck(page: Page, server: LabServer, name: str, screenshot_dir: Path) -> None:
    """Present the running lesson from its first cell, step forward to the first slide that
    shows the widget of ``DECK_STEPS``, use it there and see it respond; stop the deck."""
    step = DECK_STEPS[name.split("_", 1)[0]]
    stem = Path(name).stem
    try:
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

        assert slide_with_widget(), f"{name}: no slide shows {step.view}; slides seen:\n" + "\n".join(seen)
        page.wait_for_timeout(500)
        page.screenshot(path=str(screenshot_dir / f"{stem}-deck.png"))
        view = page.locator(f".jp-deck-mod-onscreen.jp-deck-mod-visible {step.view}").first
        before = element_snapshot(view)
        step.act(page)
        wait_for_change(view, before, f"{name} on a slide: {step.description}")
        page.screenshot(path=str(screenshot_dir / f"{stem}-deck-interacted.png"))
    finally:
        stop = page.locator(".jp-Deck-Remote .jp-deck-mod-stop")
        try:
            if stop.count():
                stop.first.click(timeout=5_000)
                wait_for(lambda: page.locator(".jp-Deck").count() == 0, 10, "the deck to stop")
        except Exception:  # noqa: BLE001 - cleanup must not hide the real failure
            pass


# Lesson key → the check run on that lesson's page once its own steps are done.
PRESENTATION_CHECKS: dict[str, Callable[[Page, LabServer, str, Path], None]] = {
    "02": check_dark_theme,
    "06": check_deck,
}
