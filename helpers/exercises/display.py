"""How results, hints and solutions are shown: a thin layer over :mod:`helpers.exercises.core`.

In a notebook a result is a coloured box (HTML) with a plain-text fallback; nbval,
CI logs and terminals see only the plain text, e.g. ``✓ Correct (q1): ...``. Both are
deterministic, so a check cell may carry the ``nbval-check-output`` tag. Colour is never
the only signal: every box also starts with a symbol and a word.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from IPython.display import display

from helpers.exercises.render import inline_markup, result_html, result_text
from helpers.exercises.result import Result

if TYPE_CHECKING:
    from helpers.exercises.core import Exercise

def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    return get_ipython()


def show_rich(plain: str, html_text: str) -> None:
    """Display rich output in IPython, print plain text elsewhere."""
    ip = _ipython()
    if ip is None:
        print(plain)
        return
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
        show_rich(self.text(), self._repr_html_())


def show_result(exercise: "Exercise", result: Result, *, reveal: bool = False) -> CheckResult:
    """Show ``result`` for ``exercise`` (and its solution when ``reveal``); return it as a CheckResult."""
    ip = _ipython()
    shown = CheckResult(result.status, result.message, result.details, exercise=exercise.name,
                        title=exercise.title, shown_in=getattr(ip, "execution_count", None) if ip else None)
    show_rich(shown.text(), shown._repr_html_())
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
         f"<span>({html.escape(exercise.name)})</span><div>{inline_markup(text)}</div>"
         f"<div style='font-size:90%;opacity:0.85'>{inline_markup(more.strip(' ()'))}</div></div>")
    show_rich(plain, h)


def show_solution(exercise: "Exercise", *, instructor: bool = False) -> None:
    """Show the reference solution as code."""
    who = "Solution, shown because instructor mode is on" if instructor else "Solution"
    plain = f"{who} ({exercise.name}):\n{exercise.solution_code}"
    h = (f"<div class='cnn-solution' style='border-left:6px solid #6f42c1;background:#f6f2fc;color:#1f2328;"
         f"padding:6px 10px;margin:4px 0;border-radius:4px'><b style='color:#6f42c1'>{html.escape(who)}</b> "
         f"<span>({html.escape(exercise.name)} · {html.escape(exercise.title)})</span>"
         f"<pre style='margin:4px 0;background:transparent'><code>{html.escape(exercise.solution_code)}</code></pre></div>")
    show_rich(plain, h)

