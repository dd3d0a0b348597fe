"""Lessons stay presentable as slides with jupyterlab-slideshow.

Presenting a lesson, with a widget used on its slide, is checked on lesson 06's own
browser run (``presenting.check_deck``); this file checks what every lesson's cells must
carry for the deck to show them.
"""

from __future__ import annotations

import json

from lab_driver import NOTEBOOKS


def test_continuation_cells_are_shown_in_the_deck() -> None:
    """jupyterlab-slideshow 0.3.4 knows slide types slide, subslide, fragment, notes, skip and
    *no type*; a cell marked "-" (classic Jupyter's "continue the slide") matches none of
    its cases and is never shown when presenting. Continuation cells must carry no
    slide_type."""
    hidden = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        count = sum(c["metadata"].get("slideshow", {}).get("slide_type") == "-" for c in cells)
        if count:
            hidden.append(f"{path.name}: {count} cells")
    assert not hidden, (
        'cells with slideshow.slide_type "-" are invisible in the deck; drop the key '
        "for continuation cells:\n" + "\n".join(hidden)
    )
