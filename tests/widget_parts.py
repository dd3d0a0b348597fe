"""Reach a widget's parts through the course's one widget contract (helpers.figures.expose)."""

from __future__ import annotations


class parts:  # noqa: N801 - reads like a function in tests: parts(box).slider
    """``parts(box).name`` is ``box.controls[name]``, ``box.outputs[name]`` or ``box.state[name]``,
    looked up at every access (state changes as the widget updates)."""

    def __init__(self, box) -> None:
        for attr in ("controls", "outputs", "update", "state"):
            assert hasattr(box, attr), f"{type(box).__name__} does not follow the widget contract: no .{attr}"
        self._box = box

    def __getattr__(self, name: str):
        box = self._box
        for group in (box.controls, box.outputs, box.state):
            if name in group:
                return group[name]
        raise AttributeError(f"the widget has no part {name!r}: controls {list(box.controls)}, "
                             f"outputs {list(box.outputs)}, state {list(box.state)}")
