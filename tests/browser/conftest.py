"""Fixtures for the browser tests: one JupyterLab server and one headless Chromium per session.

The server serves a temporary copy of ``notebooks/`` (a run never modifies the
repository) with its own settings, workspaces, config and runtime folders, so no
earlier session's layout is restored and no news or update pop-up appears.
Chromium is the system one at ``/usr/bin/chromium``: Playwright never downloads
a browser. Without it the tests fail under CI (``CI=true``) and skip elsewhere.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab_driver import NOTEBOOKS, SCREENSHOTS, LabServer
CHROMIUM = Path(os.environ.get("CNN_COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT_S = 90


def in_ci() -> bool:
    """True when running under continuous integration (``CI=true``)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_chromium() -> None:
    """Fail (under CI) or skip (elsewhere) with a clear message when Chromium is missing."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    message = (
        f"browser tests need Chromium at {CHROMIUM} (install it with "
        "`apt-get install -y chromium`, or set CNN_COURSE_CHROMIUM to its path)"
    )
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything in this folder as a browser test."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _lab_settings(settings_dir: Path) -> None:
    """User settings that keep the run quiet and every cell in the page."""
    # No news, no update check: there is no network and their pop-ups hide cells.
    _write_json(
        settings_dir / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
        {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
    )
    # Attach every cell to the page, so the tests can see all prompts and outputs
    # (the default attaches off-screen cells lazily).
    _write_json(
        settings_dir / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings",
        {"windowingMode": "none"},
    )
    # Saving a notebook stores its widgets' state, so the static site can reuse the run.
    _write_json(
        settings_dir / "@jupyter-widgets" / "jupyterlab-manager" / "plugin.jupyterlab-settings",
        {"saveState": True},
    )
    # Start outside presentation mode (the deck extension remembers it as a setting).
    _write_json(settings_dir / "jupyterlab-slideshow" / "plugin.jupyterlab-settings", {"active": False})


def _wait_until_up(server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{server.log_tail()}")
        try:
            server.api("GET", "/api/status")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise RuntimeError(
        f"JupyterLab did not answer within {SERVER_START_TIMEOUT_S} s:\n{server.log_tail()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab on 127.0.0.1 serving a temporary copy of the lessons."""
    require_chromium()
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    root.mkdir()
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        shutil.copy2(notebook, root / notebook.name)
    env = dict(os.environ)
    for name in ("settings", "workspaces", "config", "runtime", "data_home"):
        (base / name).mkdir()
    _lab_settings(base / "settings")
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        # Kernels must not pick up a user's IPython profile.
        IPYTHONDIR=str(base / "ipython"),
        # The kernel must not run matplotlib's GUI backends.
        MPLBACKEND="module://matplotlib_inline.backend_inline",
        PYTHONUNBUFFERED="1",
    )
    token = secrets.token_hex(24)
    port = _free_port()
    log_path = base / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.disable_check_xsrf=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--KernelSpecManager.ensure_native_kernel=True",
        # If pytest itself is killed (no teardown), the orphaned server stops by itself.
        "--ServerApp.shutdown_no_activity_timeout=900",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    server = LabServer(
        base_url=f"http://127.0.0.1:{port}",
        token=token,
        root=root,
        process=process,
        log_path=log_path,
        notebooks=sorted(p.name for p in root.glob("*.ipynb")),
    )
    try:
        _wait_until_up(server)
        yield server
    finally:
        try:
            if process.poll() is None:
                server.shutdown_kernels()
        except Exception:  # noqa: BLE001 - the server is being stopped anyway
            pass
        _stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
