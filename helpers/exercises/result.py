"""The outcome of a check, and how values are described in its message.

A checker returns a :class:`Result` made with :func:`passed`, :func:`failed` or
:func:`unattempted`, or raises :class:`Failed`. Messages are deterministic text
(numbers rounded by :func:`fmt`), so a check cell's output can be compared by nbval.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from helpers.exercises.render import result_html, result_text

Status = Literal["passed", "failed", "unattempted"]
STATUSES: tuple[str, ...] = ("passed", "failed", "unattempted")


@dataclass(frozen=True)
class Result:
    """The outcome of checking one answer.

    status: "passed", "failed" or "unattempted".
    message: one or two sentences for the student.
    details: optional extra lines (for example which values differ).
    """

    status: Status
    message: str
    details: str | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        if not isinstance(self.message, str):
            raise TypeError(f"message must be a str, got {type(self.message).__name__}")

    @property
    def ok(self) -> bool:
        """True when the answer passed."""
        return self.status == "passed"

    def text(self) -> str:
        """Plain-text rendering, e.g. ``"✓ Correct: ..."`` (deterministic)."""
        return result_text(self)

    def __str__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text())

    def _repr_html_(self) -> str:
        return result_html(self)


def passed(message: str = "Correct!", details: str | None = None) -> Result:
    """A passing result."""
    return Result("passed", message, details)


def failed(message: str, details: str | None = None) -> Result:
    """A failing result; the message says what was expected and what came."""
    return Result("failed", message, details)


def unattempted(message: str = "Replace the `...` with your answer, then run the cell again.") -> Result:
    """The answer is still the template."""
    return Result("unattempted", message)


class Failed(Exception):
    """Raised inside a checker to fail with a message (turned into ``failed(...)``).

    ``raise Failed("expected 3 channels, got 1")`` reads like an assertion.
    """

    def __init__(self, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


def require(result: Result) -> Result:
    """Return ``result`` if it passed, else raise :class:`Failed` carrying it.

    Lets a checker chain comparisons: ``require(check_shape(...)); return check_array(...)``.
    """
    if not isinstance(result, Result):
        raise TypeError(f"result must be a Result, got {type(result).__name__}")
    if result.status == "passed":
        return result
    if result.status == "unattempted":
        raise _Unattempted(result.message)
    raise Failed(result.message, result.details)


class _Unattempted(Exception):
    """Internal: a part of the answer is still the template."""


# ---------------------------------------------------------------------------
# Describing values in messages (deterministic text)
# ---------------------------------------------------------------------------


def _is_tensor(x: Any) -> bool:
    t = type(x)
    return t.__module__.startswith("torch") and hasattr(x, "detach") and hasattr(x, "shape")


def _to_numpy(x: Any) -> np.ndarray:
    if _is_tensor(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def fmt(x: Any, digits: int = 4) -> str:
    """Format a number or short value deterministically (``digits`` significant digits)."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x == int(x) and abs(x) < 1e15:
            return str(int(x)) if abs(x) >= 1 or x == 0 else f"{x:.{digits}g}"
        return f"{x:.{digits}g}"
    if isinstance(x, tuple):
        return "(" + ", ".join(fmt(v, digits) for v in x) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, list):
        return "[" + ", ".join(fmt(v, digits) for v in x) + "]"
    r = repr(x)
    return r if len(r) <= 60 else r[:57] + "..."


def type_name(x: Any) -> str:
    """A short readable name of x's type: 'numpy.ndarray', 'torch.Tensor', 'int', ..."""
    t = type(x)
    if t.__module__ in ("builtins",):
        return t.__name__
    if t.__module__.startswith("torch") and t.__name__ == "Tensor":
        return "torch.Tensor"
    if t.__module__.startswith("numpy"):
        return f"numpy.{t.__name__}"
    return f"{t.__module__}.{t.__qualname__}"


def _describe(x: Any) -> str:
    """'int 5', 'numpy.ndarray of shape (3, 4) and dtype uint8', ..."""
    if _is_tensor(x):
        return f"torch.Tensor of shape {fmt(tuple(x.shape))} and dtype {str(x.dtype).replace('torch.', '')}"
    if isinstance(x, np.ndarray):
        return f"numpy.ndarray of shape {fmt(x.shape)} and dtype {x.dtype}"
    if isinstance(x, (list, tuple)):
        return f"{type(x).__name__} of length {len(x)}"
    if isinstance(x, (int, float, str, np.generic)):
        return f"{type_name(x)} {fmt(x)}"
    return type_name(x)


def _exc_text(exc: BaseException) -> str:
    s = str(exc).strip().splitlines()
    text = s[0] if s else "(no message)"
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", text)
    return text if len(text) <= 200 else text[:197] + "..."
