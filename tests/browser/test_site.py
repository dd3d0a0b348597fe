"""The static site of the executed course, opened in headless Chromium.

Uses ``build/site`` when its manifest says it was built from the current lessons
and helpers; otherwise builds it first (``python -m tools.build_site``). Serves it
over HTTP on 127.0.0.1 and checks every page: figures loaded, an animation plays,
widgets render from their stored state, nothing fails to load, no console errors.
"""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_driver import NOTEBOOKS, REPO, ConsoleWatch, LabServer, wait_for

from tools import build_site

SITE = REPO / "build" / "site"
BUILD_TIMEOUT_S = 3600
LESSONS = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def _site_is_current() -> bool:
    manifest = SITE / "manifest.json"
    if not manifest.is_file():
        return False
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    return recorded.get("lessons") == [p.name for p in notebooks] and recorded.get(
        "fingerprint"
    ) == build_site.fingerprint(notebooks)


@pytest.fixture(scope="session")
def site_url(browser, lab_server: LabServer) -> Iterator[str]:
    """The site, built if it is missing or stale, served on a free local port.

    When the lesson tests of this session ran and saved every lesson, the site is
    exported from those runs instead of executing every lesson a second time.
    """
    if NOTEBOOKS != build_site.NOTEBOOKS:
        pytest.skip("the site is built from notebooks/ only")
    if not _site_is_current():
        command = [sys.executable, "-m", "tools.build_site"]
        if LESSONS and all(name in lab_server.executed for name in LESSONS):
            command += ["--executed", str(lab_server.root)]
        subprocess.run(command, cwd=REPO, check=True, timeout=BUILD_TIMEOUT_S)
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


_IMAGES_JS = """
() => [...document.images].map(img => ({
  src: img.src.slice(0, 80), complete: img.complete, width: img.naturalWidth }))
"""

_WIDGETS_JS = """
() => ({
  views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
  rendered: [...document.querySelectorAll('.jupyter-widgets')]
     .filter(e => !e.parentElement.closest('.jupyter-widgets')).length,
  broken: [...document.querySelectorAll('.jupyter-widgets-error-widget, .jupyter-widgets.widget-error')]
     .map(e => e.textContent.slice(0, 200)),
})
"""


def _open(browser, url: str) -> tuple[object, object, ConsoleWatch]:
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    console = ConsoleWatch()
    console.attach(page)
    page.goto(url, wait_until="load", timeout=60_000)
    return context, page, console


@pytest.mark.browser
@pytest.mark.skipif(not LESSONS, reason="no lessons in notebooks/ yet")
def test_index_lists_every_lesson_with_objectives(browser, site_url: str) -> None:
    context, page, console = _open(browser, f"{site_url}/index.html")
    try:
        sections = page.locator("section.lesson")
        assert sections.count() == len(LESSONS)
        for i, name in enumerate(LESSONS):
            section = sections.nth(i)
            assert section.locator("a").get_attribute("href") == f"{Path(name).stem}.html"
            assert section.locator("a").inner_text().strip(), f"{name}: no title"
            assert section.locator(".objectives li").count() >= 1, (
                f"{name}: no learning objectives found in its first markdown cells"
            )
        assert not console.unexpected(), console.unexpected()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.skipif(not LESSONS, reason="no lessons in notebooks/ yet")
@pytest.mark.parametrize("name", LESSONS)
def test_page_renders_figures_animations_and_widgets(
    browser, site_url: str, name: str, screenshot_dir: Path
) -> None:
    stem = Path(name).stem
    context, page, console = _open(browser, f"{site_url}/{stem}.html")
    try:
        # Figures: every image loaded with a real size.
        images = page.evaluate(_IMAGES_JS)
        broken = [img for img in images if not img["complete"] or img["width"] == 0]
        assert not broken, f"{name}: images that did not load: {broken}"

        # Widgets: every stored view rendered by the offline HTML manager.
        widgets = page.evaluate(_WIDGETS_JS)
        if widgets["views"]:
            wait_for(
                lambda: page.evaluate(_WIDGETS_JS)["rendered"] >= widgets["views"],
                60,
                f"{name}: {widgets['views']} widgets to render from stored state",
            )
            widgets = page.evaluate(_WIDGETS_JS)
            assert not widgets["broken"], f"{name}: widgets failed: {widgets['broken']}"
            # Widget images (PNG bytes in the stored state) must load too.
            wait_for(
                lambda: all(i["complete"] and i["width"] > 0 for i in page.evaluate(_IMAGES_JS)),
                30,
                f"{name}: widget images to load",
            )

        # Animations (matplotlib jshtml): pressing play changes the frame.
        animations = page.locator(".animation")
        for i in range(animations.count()):
            animation = animations.nth(i)
            frame = animation.locator("img").first
            before = frame.get_attribute("src")
            animation.locator('button[title="Play"]').click()
            wait_for(
                lambda: frame.get_attribute("src") != before,
                20,
                f"{name}: animation {i} to show another frame after Play",
            )
            animation.locator('button[title="Pause"]').click()

        page.screenshot(path=str(screenshot_dir / f"site-{stem}.png"), full_page=True)
        unexpected = console.unexpected()
        assert not unexpected, f"{name}: console errors:\n" + "\n".join(unexpected)
    finally:
        context.close()
