"""How the static site's pages connect: the contents page and the links between lessons.

The contents page (``index.html``) lists each lesson with its title and learning
objectives, read from the lesson's opening markdown; every lesson page carries
previous / contents / next links at its top and bottom.
"""

from __future__ import annotations

import html
import re
import time

import nbformat
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from tools.site_pages import NO_FAVICON

NAV_STYLE = ("<style>.cnn-nav{display:flex;justify-content:space-between;gap:1rem;font:15px system-ui,sans-serif;"
             "padding:0.6rem 1rem;border-bottom:1px solid #ccc;background:#f6f8fa}"
             ".cnn-nav.bottom{border-top:1px solid #ccc;border-bottom:none;margin-top:2rem}"
             ".cnn-nav a{color:#0969da}</style>")
_LIST_BLOCK = re.compile(r"(?:^[ \t]*(?:[-*+]|\d+\.)[ \t].*\n?(?:^[ \t]+\S.*\n?)*)+", re.M)


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


def _opening(notebook: nbformat.NotebookNode) -> tuple[str, str]:
    """(title, the markdown before the lesson's first section) of a lesson."""
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
    return title, "\n\n".join(opening) + "\n"


def lesson_summary(notebook: nbformat.NotebookNode) -> tuple[str, str]:
    """(title, learning objectives as HTML) from the lesson's opening markdown.

    The title is the first level-1 heading. The objectives are the first bulleted list
    before the lesson's first section (``## ...``), with the short line that introduces
    it ("**In this lesson you will**", "## Learning objectives", ...).
    """
    title, text = _opening(notebook)
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
    """The contents page: every lesson's linked title and objectives."""
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
