"""Widgets on the static site: what the offline widget manager can show, and notes for the rest.

A lesson page shows each widget from the state stored when the lesson ran. Widgets whose
JavaScript module the offline manager lacks (the ipycanvas drawing canvas) are replaced
by a note saying they need a running kernel; every other widget gets a note under it
saying it is a snapshot that only responds in JupyterLab.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import nbformat

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
# Widget modules the offline HTML manager can render (the rest need a kernel).
OFFLINE_WIDGET_MODULES = {"@jupyter-widgets/base", "@jupyter-widgets/controls", "@jupyter-widgets/output"}
LIVE_NOTE = (
    '<p class="cnn-live-note"><em>This widget is a snapshot of the executed lesson: here it does not '
    "respond. Open the lesson in JupyterLab with a running kernel (<code>make lab</code>) to use it live.</em></p>"
)
_MODEL_REF = re.compile(r"IPY_MODEL_([0-9a-f]+)")


def _refs(model: dict[str, Any]) -> set[str]:
    """Ids of the widget models ``model``'s state refers to."""
    return set(_MODEL_REF.findall(json.dumps(model.get("state", {}))))


def _model_modules(state: dict[str, Any], model_id: str, seen: set[str]) -> set[str]:
    """Modules of a widget model and of every model it refers to."""
    if model_id in seen or model_id not in state:
        return set()
    seen.add(model_id)
    model = state[model_id]
    modules = {model.get("model_module", "")}
    for ref in sorted(_refs(model)):
        modules |= _model_modules(state, ref, seen)
    return modules


def _kernel_note(modules: set[str]) -> nbformat.NotebookNode:
    note = (
        '<p class="cnn-needs-kernel"><em>This interactive piece ('
        + html.escape(", ".join(sorted(modules)))
        + ") needs a running Python kernel: open the lesson in JupyterLab to use it.</em></p>"
    )
    return nbformat.v4.new_output("display_data", data={"text/html": note, "text/plain": "(needs a kernel)"})


def _drop_models(state: dict[str, Any], drop: set[str]) -> None:
    """Remove ``drop``, the models no offline module renders, and whatever refers to them."""
    drop = drop | {k for k, m in state.items() if m.get("model_module") not in OFFLINE_WIDGET_MODULES}
    # Whatever refers to a dropped model goes too (until nothing changes).
    while True:
        more = {k for k, m in state.items() if k not in drop and _refs(m) & drop}
        if not more:
            break
        drop |= more
    for key in drop:
        state.pop(key, None)


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
            missing = _model_modules(state, view.get("model_id", ""), tree) - OFFLINE_WIDGET_MODULES
            if missing:
                cell.outputs[i] = _kernel_note(missing)
                drop |= tree
                replaced += 1
    _drop_models(state, drop)
    return replaced


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
