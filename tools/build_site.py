"""Build a static web site of the executed course under ``build/site/``.

    python -m tools.build_site                 # every lesson
    python -m tools.build_site --only 00 06    # some lessons (index lists those)

Each lesson is executed in a temporary copy of ``notebooks/`` with the current
environment's Python kernel (``tools.notebook_exec``), its widget state stored, and
exported to HTML with nbconvert's "lab" template: figures are embedded, jshtml
animations play, and widgets display from their stored state without a kernel. An
index page lists the lessons with their titles and learning objectives.

This module is the build driver; the parts live beside it, one idea each:

- ``tools.site_assets``: the offline scripts (pinned npm packages copied to ``_static/``);
- ``tools.site_widgets``: which widgets render offline, notes for the others and snapshots;
- ``tools.site_pages``: one lesson's offline HTML page, alt text on its images;
- ``tools.site_navigation``: the contents page and the links between lessons.

The site works offline. The drawing canvas (ipycanvas) has no offline renderer: its
output is replaced by a note saying it needs a running kernel.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from helpers.files import write_atomic
from tools import notebook_exec
from tools.site_assets import install_assets
from tools.site_navigation import add_navigation, index_page, lesson_summary
from tools.site_pages import exporter, render_page
from tools.site_widgets import mark_snapshot_widgets, replace_kernel_only_widgets

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SITE = REPO / "build" / "site"
# The code a site is built with: a change to any of it makes a built site stale.
SITE_CODE = ("build_site.py", "site_assets.py", "site_navigation.py", "site_pages.py", "site_widgets.py",
             "notebook_exec.py")


def log(message: str) -> None:
    print(f"[build_site] {message}", flush=True)


def execute(path: Path, timeout_s: int) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` (in its folder) and keep its widget state."""
    notebook = nbformat.read(path, as_version=4)
    return notebook_exec.execute(notebook, path.parent, timeout=timeout_s, store_widget_state=True)


def fingerprint(notebooks: list[Path]) -> dict[str, str]:
    """SHA-256 of each lesson, the helpers package and the site's code, to tell whether a site is current."""
    prints = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in notebooks}
    helpers = hashlib.sha256()
    for source in sorted((REPO / "helpers").rglob("*.py")):
        helpers.update(source.relative_to(REPO).as_posix().encode())
        helpers.update(source.read_bytes())
    prints["helpers/"] = helpers.hexdigest()
    code = hashlib.sha256()
    for name in SITE_CODE:
        code.update(name.encode())
        code.update((REPO / "tools" / name).read_bytes())
    prints["tools/ (site)"] = code.hexdigest()
    return prints


def select(only: list[str] | None) -> list[Path]:
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    if only:
        notebooks = [p for p in notebooks if p.name.split("_", 1)[0] in only or p.stem in only]
    if not notebooks:
        raise SystemExit(f"no lessons selected in {NOTEBOOKS} (only={only})")
    return notebooks


def lesson_page(notebook: nbformat.NotebookNode, source: Path, exp: HTMLExporter) -> tuple[dict[str, str], str]:
    """The contents entry and the page (without navigation yet) of an executed lesson."""
    replaced = replace_kernel_only_widgets(notebook)
    if replaced:
        log(f"{source.name}: {replaced} kernel-only widget output(s) replaced by a note")
    noted = mark_snapshot_widgets(notebook)
    title, objectives = lesson_summary(notebook)
    page = render_page(notebook, source.stem, title or source.stem, exp)
    log(f"{source.name}: {noted} widget snapshot(s) noted")
    return {"href": f"{source.stem}.html", "title": title or source.stem, "objectives": objectives}, page


def write_pages(staging: Path, notebooks: list[Path], timeout_s: int, executed: Path | None) -> tuple[list[dict[str, str]], dict[str, float]]:
    """Execute (or read) and export every lesson into ``staging``; return the entries and seconds."""
    entries: list[dict[str, str]] = []
    pages: list[str] = []
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="cnn-site-") as work:
        for source in sorted(NOTEBOOKS.glob("*.ipynb")):
            shutil.copy2(source, Path(work) / source.name)
        exp = exporter()
        for source in notebooks:
            start = time.perf_counter()
            if executed is not None:
                log(f"exporting {source.name} as run in {executed}")
                notebook = nbformat.read(executed / source.name, as_version=4)
            else:
                log(f"executing {source.name}")
                notebook = execute(Path(work) / source.name, timeout_s)
            timings[source.name] = round(time.perf_counter() - start, 1)
            log(f"{source.name}: {timings[source.name]} s")
            entry, page = lesson_page(notebook, source, exp)
            entries.append(entry)
            pages.append(page)
    # Navigation needs every lesson's title: pages are written once all are exported.
    for k, (entry, page) in enumerate(zip(entries, pages)):
        write_atomic(staging / entry["href"], add_navigation(page, entries, k))
    return entries, timings


def swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by the finished ``staging`` folder whole."""
    if out.exists():
        old = out.with_name(f".{out.name}-old-{os.getpid()}")
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out)


def build(out: Path, only: list[str] | None, timeout_s: int, executed: Path | None = None) -> Path:
    """Build the site in ``out``; with ``executed``, export the already-run copies found there."""
    notebooks = select(only)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-"))
    try:
        install_assets(staging / "_static")
        entries, timings = write_pages(staging, notebooks, timeout_s, executed)
        write_atomic(staging / "index.html", index_page(entries))
        manifest = {
            "lessons": [p.name for p in notebooks],
            "fingerprint": fingerprint(notebooks),
            "executed_by": "JupyterLab (browser tests)" if executed else "nbclient",
            "seconds": timings,
        }
        write_atomic(staging / "manifest.json", json.dumps(manifest, indent=1))
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=SITE, help="site folder (default build/site)")
    parser.add_argument("--only", nargs="+", help="lesson numbers or names to include")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument(
        "--executed",
        type=Path,
        help="folder of lessons already run with their widget state saved (export only)",
    )
    args = parser.parse_args(argv)
    site = build(args.out.resolve(), args.only, args.timeout, args.executed)
    log(f"site written to {site}/index.html")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
