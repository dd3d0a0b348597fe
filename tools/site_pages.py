"""One lesson's page on the static site: the executed notebook as offline HTML.

nbconvert's "lab" template renders the notebook (figures embedded, jshtml animations,
widgets from their stored state); its script links point at the site's ``_static/``
copies (``tools.site_assets``), and every image gets ``alt`` text: an output figure the
title its code gives it, an animation frame and any other image a generic description.
"""

from __future__ import annotations

import html
import re

import nbformat
from nbconvert import HTMLExporter

FONT_AWESOME_CDN = "https://maxcdn.bootstrapcdn.com/font-awesome/4.4.0/css/font-awesome.min.css"
NO_FAVICON = '<link rel="icon" href="data:,">'
_TITLE_ARG = re.compile(r"""(?:\btitle\s*=|suptitle\(|set_title\()\s*f?(["'])(.+?)\1""")


def exporter() -> HTMLExporter:
    """nbconvert's lab-template exporter, loading its scripts from ``_static/``."""
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


def render_page(notebook: nbformat.NotebookNode, name: str, lesson: str, exp: HTMLExporter) -> str:
    """The HTML page of an executed ``notebook`` (file stem ``name``, titled ``lesson``), offline."""
    body, _resources = exp.from_notebook_node(notebook, resources={"metadata": {"name": name}})
    return add_alt_text(localize(body), image_alts(notebook, lesson))
