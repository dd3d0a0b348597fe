"""How results, hints and solutions are shown: a thin layer over :mod:`helpers.exercises.core`.

In a notebook a result is a coloured box (HTML) with a plain-text fallback; nbval,
CI logs and terminals see only the plain text, e.g. ``✓ Correct (q1): ...``. Both are
deterministic, so a check cell may carry ``# NBVAL_CHECK_OUTPUT``. Colour is never
the only signal: every box also starts with a symbol and a word.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from helpers.exercises.core import Result

if TYPE_CHECKING:
    from helpers.exercises.core import Exercise

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


def _inline(text: str) -> str:
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
    body = f"<div>{_inline(result.message)}</div>"
    if result.details:
        body += f"<div style='opacity:0.85;font-size:90%'>{_inline(result.details)}</div>"
    return (f"<div class='cnn-check cnn-check-{result.status}' style='border-left:6px solid {border};"
            f"background:{bg};color:#1f2328;padding:6px 10px;margin:4px 0;border-radius:4px'>"
            f"<b style='color:{border}'>{html.escape(head)}</b>{label}{body}</div>")


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    return get_ipython()


def _show(plain: str, html_text: str) -> None:
    """Display rich output in IPython, print plain text elsewhere."""
    ip = _ipython()
    if ip is None:
        print(plain)
        return
    from IPython.display import display

    display({"text/plain": plain, "text/html": html_text}, raw=True)


@dataclass(frozen=True)
class CheckResult(Result):
    """The Result returned by ``Exercise.check``: already shown, so IPython does not show it twice
    in the cell that made it (shown normally anywhere else)."""

    exercise: str | None = None
    title: str | None = None
    shown_in: int | None = None

    def text(self) -> str:
        return result_text(self, self.exercise)

    def _repr_html_(self) -> str:
        return result_html(self, self.title, self.exercise)

    def _ipython_display_(self) -> None:
        ip = _ipython()
        if ip is not None and self.shown_in is not None and self.shown_in == getattr(ip, "execution_count", None):
            return
        _show(self.text(), self._repr_html_())


def show_result(exercise: "Exercise", result: Result, *, reveal: bool = False) -> CheckResult:
    """Show ``result`` for ``exercise`` (and its solution when ``reveal``); return it as a CheckResult."""
    ip = _ipython()
    shown = CheckResult(result.status, result.message, result.details, exercise=exercise.name,
                        title=exercise.title, shown_in=getattr(ip, "execution_count", None) if ip else None)
    _show(shown.text(), shown._repr_html_())
    if reveal:
        show_solution(exercise, instructor=True)
    return shown


def show_hint(exercise: "Exercise", level: int, text: str) -> None:
    """Show one hint: ``Hint 1 of 3 (q1): ...``."""
    n = len(exercise.hints)
    more = "" if level < n else " (that was the last hint; `.solution()` shows the answer)"
    plain = f"Hint {level} of {n} ({exercise.name}): {text}{more}"
    h = (f"<div class='cnn-hint' style='border-left:6px solid #0969da;background:#eef5ff;color:#1f2328;"
         f"padding:6px 10px;margin:4px 0;border-radius:4px'><b style='color:#0969da'>Hint {level} of {n}</b> "
         f"<span>({html.escape(exercise.name)})</span><div>{_inline(text)}</div>"
         f"<div style='font-size:90%;opacity:0.85'>{_inline(more.strip(' ()'))}</div></div>")
    _show(plain, h)


def show_solution(exercise: "Exercise", *, instructor: bool = False) -> None:
    """Show the reference solution as code."""
    who = "Solution, shown because instructor mode is on" if instructor else "Solution"
    plain = f"{who} ({exercise.name}):\n{exercise.solution_code}"
    h = (f"<div class='cnn-solution' style='border-left:6px solid #6f42c1;background:#f6f2fc;color:#1f2328;"
         f"padding:6px 10px;margin:4px 0;border-radius:4px'><b style='color:#6f42c1'>{html.escape(who)}</b> "
         f"<span>({html.escape(exercise.name)} · {html.escape(exercise.title)})</span>"
         f"<pre style='margin:4px 0;background:transparent'><code>{html.escape(exercise.solution_code)}</code></pre></div>")
    _show(plain, h)

