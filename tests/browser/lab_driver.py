"""Driving JupyterLab in a Playwright page the way a student would.

Every wait here is bounded; a timeout raises with a description of what was
awaited. Selectors are JupyterLab 4.6's and ipywidgets 8's.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Error, Locator, Page

REPO = Path(__file__).resolve().parents[2]
# CNN_COURSE_NOTEBOOKS points the tests at another folder of lessons (for trying the harness).
NOTEBOOKS = Path(os.environ.get("CNN_COURSE_NOTEBOOKS", REPO / "notebooks"))
SCREENSHOTS = REPO / "build" / "screenshots"

# Console errors that are understood and harmless. Each entry: (regex on the text or
# the failing URL, why it is allowed). Nothing else may appear as a console error.
ALLOWED_CONSOLE_ERRORS: list[tuple[str, str]] = [
    (
        r"maxcdn\.bootstrapcdn\.com/font-awesome/4\.4\.0",
        "matplotlib's jshtml animation links Font Awesome 4.4 from a CDN; offline the "
        "request fails, and JupyterLab's own Font Awesome (bundled with ipywidgets) "
        "still draws the buttons' icons",
    ),
]

LOAD_TIMEOUT_MS = 90_000
KERNEL_READY_TIMEOUT_MS = 90_000
CHANGE_TIMEOUT_S = 20.0

# JupyterLab 4.6 renders an error as a stderr output whose text is the traceback.
ERROR_TEXT = re.compile(r"Traceback \(most recent call last\)|^\s*\w*(Error|Exception)\b", re.M)
# What a widget output shows when its view could not be rendered.
BROKEN_WIDGET_TEXT = re.compile(
    r"Loading widget\.\.\.|Error displaying widget|Failed to load model class|"
    r"^\s*\w+\((value|children|layout)=",
    re.M,
)


@dataclass
class ConsoleWatch:
    """Collects console errors and uncaught page errors."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on(
            "requestfailed",
            lambda request: self._add(f"request failed: {request.url} ({request.failure})"),
        )

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "") if message.location else ""
            self._add(f"console error: {message.text} [{location}]")

    def _add(self, text: str) -> None:
        if not any(re.search(pattern, text) for pattern, _why in ALLOWED_CONSOLE_ERRORS):
            self.errors.append(text)

    def unexpected(self) -> list[str]:
        """Errors not explained by the allow-list (request failures appear twice: once)."""
        return list(dict.fromkeys(self.errors))


@dataclass
class LabServer:
    """A running JupyterLab: where it listens, its token and the folder it serves."""

    base_url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    notebooks: list[str] = field(default_factory=list)
    # Lessons run and saved (with widget state) by the lesson tests: name → path.
    executed: dict[str, Path] = field(default_factory=dict)

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}"

    def api(self, method: str, path: str, body: object = None) -> object:
        """Call the server's REST API (with ``body`` sent as JSON); returns the decoded JSON (or None)."""
        headers = {"Authorization": f"token {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(f"{self.base_url}{path}", method=method, headers=headers, data=data)
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Delete every session (and so shut its kernel down)."""
        sessions = self.api("GET", "/api/sessions")
        assert isinstance(sessions, list)
        for session in sessions:
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]


def wait_for(
    condition: Callable[[], Any], timeout_s: float, what: str, interval_s: float = 0.25
) -> Any:
    """Poll ``condition`` until it returns something truthy; raise after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval_s)
    raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what} (last: {last!r})")


def kernel_state(server: LabServer, name: str) -> str | None:
    """The server's view of the kernel of notebook ``name``: 'idle', 'busy', ... or None."""
    sessions = server.api("GET", "/api/sessions")
    assert isinstance(sessions, list)
    for session in sessions:
        if session.get("path") == name and session.get("kernel"):
            return session["kernel"].get("execution_state")
    return None


def open_notebook(page: Page, server: LabServer, name: str) -> list[str]:
    """Open ``name`` in a fresh workspace and wait until its kernel is ready.

    Ready means: the page shows the kernel idle, no dialog for two seconds, and the
    server has a live kernel for the notebook (under heavy load a kernel can take
    long to start). Accepts the dialogs JupyterLab may show on the way (the kernel
    picker); returns their texts.
    """
    workspace = f"test-{secrets.token_hex(6)}"
    page.goto(server.url(f"/lab/workspaces/{workspace}/tree/{name}"), timeout=LOAD_TIMEOUT_MS)
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(
        state="visible", timeout=LOAD_TIMEOUT_MS
    )
    dialogs: list[str] = []
    idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    settled_since: float | None = None
    deadline = time.monotonic() + KERNEL_READY_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        text = accept_dialog(page)
        if text is not None:
            dialogs.append(text)
            settled_since = None
        elif idle.count() and kernel_state(server, name) == "idle":
            # Idle and no dialog for two seconds in a row: ready.
            settled_since = settled_since or time.monotonic()
            if time.monotonic() - settled_since >= 2.0:
                return dialogs
        time.sleep(0.25)
    raise TimeoutError(f"{name}: the kernel did not become ready (dialogs seen: {dialogs})")


def accept_dialog(page: Page) -> str | None:
    """If a JupyterLab dialog is open, accept it and return its text."""
    dialog = page.locator(".jp-Dialog")
    if not dialog.count() or not dialog.first.is_visible():
        return None
    text = dialog.first.inner_text(timeout=5_000)
    dialog.first.locator(".jp-Dialog-button.jp-mod-accept").first.click(timeout=10_000)
    dialog.first.wait_for(state="detached", timeout=10_000)
    return " ".join(text.split())


def open_dialog_text(page: Page) -> str | None:
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and dialog.first.is_visible():
        return " ".join(dialog.first.inner_text(timeout=5_000).split())
    return None


def menu(page: Page, top: str, item: str) -> None:
    """Click menu ``top`` in the menu bar, then its entry ``item``."""
    blocking = open_dialog_text(page)
    if blocking is not None:
        raise AssertionError(f"a dialog blocks the menu {top} → {item}: {blocking!r}")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).first.click()
    page.locator(
        ".lm-Menu-content .lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")
    ).first.click()


_STATE_JS = """
() => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  const prompts = cells
    .filter(c => (c.querySelector('.cm-content')?.textContent ?? '').trim() !== '')
    .map(c => (c.querySelector('.jp-InputArea-prompt')?.textContent ?? '').trim());
  const errors = [...document.querySelectorAll(
      '.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],'
    + '.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')]
    .map(e => e.textContent);
  const status = document.querySelector('.jp-Notebook-ExecutionIndicator')
    ?.getAttribute('data-status');
  return {prompts, errors, status};
}
"""


def _started(state: dict[str, Any]) -> bool:
    return state["status"] == "busy" or any(p != "[ ]:" for p in state["prompts"])


def run_all_and_wait(page: Page, timeout_s: float) -> dict[str, Any]:
    """Run → Run All Cells, then wait until every non-empty code cell has run.

    Returns the final state; stops early if a cell raised (JupyterLab then stops
    the run and later cells never get an execution count). If the run has not
    visibly started after a while (seen once under heavy load: the kernel was
    reported idle but did not take the request), Run All is chosen once more.
    """
    deadline = time.monotonic() + timeout_s
    dialogs: list[str] = []

    def started() -> bool:
        # JupyterLab asks for a kernel if the notebook's kernel went away; pick the default.
        text = accept_dialog(page)
        if text is not None:
            dialogs.append(text)
        return _started(page.evaluate(_STATE_JS))

    for attempt in (1, 2):
        menu(page, "Run", "Run All Cells")
        try:
            wait_for(started, 60, f"the run to start (dialogs: {dialogs})", 0.25)
            break
        except TimeoutError:
            if attempt == 2:
                raise

    def finished() -> dict[str, Any] | None:
        state = page.evaluate(_STATE_JS)
        if any(ERROR_TEXT.search(text) for text in state["errors"]):
            return state
        done = all(re.fullmatch(r"\[\d+\]:", p) for p in state["prompts"])
        return state if done and state["status"] == "idle" else None

    return wait_for(
        finished,
        max(1.0, deadline - time.monotonic()),
        "all cells to run and the kernel to go idle",
        0.5,
    )


def save_notebook(page: Page, path: Path) -> None:
    """File → Save Notebook, and wait until ``path`` holds it (the tab is no longer dirty)."""
    before = path.stat().st_mtime_ns
    menu(page, "File", "Save Notebook")
    wait_for(
        lambda: page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count() == 0
        and path.stat().st_mtime_ns != before,
        30,
        f"{path.name} to be saved",
    )


def error_outputs(page: Page) -> list[str]:
    """Texts of outputs that show a raised exception."""
    state = page.evaluate(_STATE_JS)
    return [text[:2000] for text in state["errors"] if ERROR_TEXT.search(text)]


_WIDGETS_JS = """
() => {
  const outputs = [...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')]
    .filter(o => !o.parentElement.closest('.jp-OutputArea-output'));
  return outputs.map(o => {
    const widget = o.querySelector('.jupyter-widgets');
    const box = widget ? widget.getBoundingClientRect() : null;
    return {
      mime: o.getAttribute('data-mime-type'),
      widget: !!widget,
      size: box ? [box.width, box.height] : null,
      text: o.textContent.slice(0, 300),
      error: !!o.querySelector('.jupyter-widgets-error-widget, .jupyter-widgets.widget-error'),
    };
  });
}
"""


def widget_report(page: Page) -> tuple[int, list[str]]:
    """Count rendered widget outputs and describe broken ones."""
    rendered = 0
    problems: list[str] = []
    for output in page.evaluate(_WIDGETS_JS):
        text = output["text"]
        if output["error"]:
            problems.append(f"widget shows an error instead of itself: {text!r}")
            continue
        if BROKEN_WIDGET_TEXT.search(text):
            problems.append(f"widget output did not render: {text!r}")
            continue
        if output["widget"]:
            width, height = output["size"]
            if width <= 0 or height <= 0:
                problems.append(f"widget has no size ({width}x{height}): {text!r}")
            else:
                rendered += 1
    return rendered, problems


def element_snapshot(locator: Locator) -> bytes:
    """A PNG of one element, scrolled into view (what a person would look at)."""
    locator.scroll_into_view_if_needed(timeout=10_000)
    # Park the mouse in a corner so hover styles never count as a change.
    locator.page.mouse.move(1, 1)
    return locator.screenshot(timeout=10_000, animations="disabled")


def wait_for_change(locator: Locator, before: bytes, what: str) -> bytes:
    """Wait until the element's picture differs from ``before``; return the new one."""

    def changed() -> bytes | None:
        after = element_snapshot(locator)
        return after if after != before else None

    return wait_for(changed, CHANGE_TIMEOUT_S, what, 0.5)


def save_screenshot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, timeout=30_000)
    return path
