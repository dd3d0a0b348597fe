"""A lesson under JupyterLab's dark theme: every figure keeps its own light background, so
its black labels stay readable, and the exercise boxes keep their own colours.

Runs lesson 02 (figures and exercise checks) with the theme set to "JupyterLab Dark"
through the server's settings API, keeps a screenshot (``02-dark.png``), and puts the
light theme back for the tests that follow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab_driver import LabServer, error_outputs, open_notebook, run_all_and_wait, save_screenshot

THEMES = "/lab/api/settings/@jupyterlab/apputils-extension:themes"
LESSON = "02_normalization.ipynb"

# The colour of each output figure's corner pixels and of its middle row's ends, read from the
# decoded PNG in the page (data: URLs, so the canvas is not tainted).
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


def _set_theme(server: LabServer, theme: str) -> None:
    server.api("PUT", THEMES, {"raw": json.dumps({"theme": theme})})


@pytest.mark.browser
def test_figures_stay_readable_in_the_dark_theme(lab_server: LabServer, browser, screenshot_dir: Path) -> None:
    _set_theme(lab_server, "JupyterLab Dark")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        open_notebook(page, lab_server, LESSON)
        assert page.evaluate("document.body.dataset.jpThemeLight") == "false", "the dark theme is not on"
        run_all_and_wait(page, 300)
        assert not error_outputs(page)
        page.locator(".jp-OutputArea-output img").first.scroll_into_view_if_needed(timeout=10_000)
        save_screenshot(page, screenshot_dir, "02-dark")
        corners = page.evaluate(_FIGURE_CORNERS_JS)
        assert len(corners) >= 3, f"{LESSON} should show several figures, found {len(corners)}"
        for k, figure in enumerate(corners):
            for r, g, b, a in figure:
                # Opaque and light: the figure brings its own background instead of showing the page's.
                assert a == 255 and min(r, g, b) >= 230, f"figure {k}: corner pixel {(r, g, b, a)} is not light and opaque"
        boxes = page.evaluate("() => [...document.querySelectorAll('.cnn-check')]"
                              ".map(e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color])")
        assert len(boxes) >= 4, f"{LESSON} checks four exercises; found {len(boxes)} result boxes"
        for background, colour in boxes:
            # Each box paints its own light background under dark text, whatever the theme.
            assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background
            assert colour == "rgb(31, 35, 40)", colour
    finally:
        context.close()
        lab_server.shutdown_kernels()
        _set_theme(lab_server, "JupyterLab Light")
