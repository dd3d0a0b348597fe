"""How a check result reads: plain text and a coloured HTML box (no display, no state).

Used by :class:`~helpers.exercises.result.Result` to render itself and by
:mod:`~helpers.exercises.display` to show results, hints and solutions.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helpers.exercises.result import Result

SYMBOL = {"passed": "✓", "failed": "✗", "unattempted": "○"}
WORD = {"passed": "Correct", "failed": "Not yet", "unattempted": "Not attempted"}
# Border and background colours; the symbol and word carry the meaning, colour only helps.
COLOUR = {"passed": ("#1a7f37", "#e9f6ec"), "failed": ("#b35900", "#fdf1e6"), "unattempted": ("#57606a", "#f3f4f6")}


def result_text(result: Result, exercise: str | None = None) -> str:
    """``"✓ Correct (q1): message"`` plus details on the next line."""
    tag = f" ({exercise})" if exercise else ""
    text = f"{SYMBOL[result.status]} {WORD[result.status]}{tag}: {result.message}"
    if result.details:
        text += "\n  " + result.details
    return text


def inline_markup(text: str) -> str:
    """Escape text for HTML and render `backticks` as code."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for p in parts:
        if len(p) >= 2 and p.startswith("`") and p.endswith("`"):
            out.append(f"<code>{html.escape(p[1:-1])}</code>")
        else:
            out.append(html.escape(p))
    return "".join(out)


def result_html(result: Result, title: str | None = None, exercise: str | None = None) -> str:
    """A coloured box with symbol, word, optional exercise title, message and details."""
    border, bg = COLOUR[result.status]
    head = f"{SYMBOL[result.status]} {WORD[result.status]}"
    label = ""
    if exercise or title:
        label = " <span style='font-weight:normal'>(" + html.escape(" · ".join(x for x in (exercise, title) if x)) + ")</span>"
    body = f"<div>{inline_markup(result.message)}</div>"
    if result.details:
        body += f"<div style='opacity:0.85;font-size:90%'>{inline_markup(result.details)}</div>"
    return (f"<div class='cnn-check cnn-check-{result.status}' style='border-left:6px solid {border};"
            f"background:{bg};color:#1f2328;padding:6px 10px;margin:4px 0;border-radius:4px'>"
            f"<b style='color:{border}'>{html.escape(head)}</b>{label}{body}</div>")
