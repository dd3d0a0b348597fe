"""Exercises that check themselves: the checking logic, apart from how it is shown.

A checker is a plain function ``answer -> Result``. It may also raise :class:`Failed`
instead of returning ``failed(...)``. :meth:`Exercise.evaluate` is pure: it never
raises and never displays; :meth:`Exercise.check` evaluates, then hands the result to
the display layer (:mod:`helpers.exercises.display`).

Messages are deterministic text (numbers are rounded) so a check cell's output can be
compared by the tests (``# NBVAL_CHECK_OUTPUT``).
"""

from __future__ import annotations

import ast
import copy
import inspect
import math
import os
import re
import sys
import textwrap
import types
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Literal, Sequence

import numpy as np

Status = Literal["passed", "failed", "unattempted"]
STATUSES: tuple[str, ...] = ("passed", "failed", "unattempted")

REVEAL_ENV_VAR = "CNN_COURSE_REVEAL"
CHECK_LOG_ENV_VAR = "CNN_COURSE_CHECK_LOG"

# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


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
        from helpers.exercises.display import result_text

        return result_text(self)

    def __str__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text())

    def _repr_html_(self) -> str:
        from helpers.exercises.display import result_html

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
# Formatting helpers (deterministic text)
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Template detection
# ---------------------------------------------------------------------------


def _trivial_stmt(node: ast.stmt) -> bool:
    """True for `...`, `pass`, a bare string (docstring), `raise NotImplementedError[...]`."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return node.value.value is Ellipsis or isinstance(node.value.value, str)
    if isinstance(node, ast.Raise) and node.exc is not None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    if isinstance(node, ast.Return):
        return node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is Ellipsis)
    return False


def _template_codes() -> list[tuple[bytes, tuple]]:
    src = textwrap.dedent(
        """
        def a(): ...
        def b(): pass
        def c():
            "doc"
        def d(): raise NotImplementedError
        def e(): raise NotImplementedError()
        """
    )
    ns: dict[str, Any] = {}
    exec(compile(src, "<templates>", "exec"), ns)
    return [(ns[k].__code__.co_code, ns[k].__code__.co_names) for k in "abcde"]


_TEMPLATE_CODES = _template_codes()


def _is_placeholder(node: ast.stmt) -> bool:
    """True for `...` or `raise NotImplementedError[...]` (what a template method holds)."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return node.value.value is Ellipsis
    return isinstance(node, ast.Raise) and _trivial_stmt(node)


def _function_is_template(fn: types.FunctionType, *, strict: bool = False) -> bool:
    """True when fn's body is only trivial statements.

    strict: also require a `...` or `raise NotImplementedError` placeholder, so a
    deliberately empty method (`pass`, a docstring) is not mistaken for a template.
    """
    code = fn.__code__
    if fn.__name__ == "<lambda>":
        return code.co_consts[-1:] == (Ellipsis,) and len(code.co_code) <= 8 and not code.co_names
    # Without source, bytecode cannot tell `...` from `pass`: both count.
    codes = _TEMPLATE_CODES
    try:
        src = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(src)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return any(code.co_code == c and code.co_names == n for c, n in codes)
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return any(code.co_code == c and code.co_names == n for c, n in codes)
    trivial = all(_trivial_stmt(s) for s in node.body)
    return trivial and (not strict or any(_is_placeholder(s) for s in node.body))


def _class_is_template(cls: type) -> bool:
    """A class with a method still holding its `...` / NotImplementedError placeholder."""
    own = [v for k, v in vars(cls).items() if isinstance(v, types.FunctionType)]
    return any(_function_is_template(f, strict=True) for f in own)


def is_template(answer: Any) -> bool:
    """True when ``answer`` is still the exercise template, so it counts as not attempted.

    Templates: ``...`` (Ellipsis), ``None``, a function whose body is only ``...``,
    ``pass``, a docstring or ``raise NotImplementedError``; a class defined in the
    notebook (or an instance of one) with a method whose body is still ``...`` or
    ``raise NotImplementedError``; a tuple or list whose every item is a template.
    """
    if answer is Ellipsis or answer is None:
        return True
    if isinstance(answer, (types.FunctionType,)):
        return _function_is_template(answer)
    if isinstance(answer, types.MethodType):
        return _function_is_template(answer.__func__)  # type: ignore[arg-type]
    if isinstance(answer, type):
        return answer.__module__ == "__main__" and _class_is_template(answer)
    if isinstance(answer, (tuple, list)) and type(answer) in (tuple, list) and len(answer) > 0:
        return all(is_template(a) for a in answer)
    cls = type(answer)
    if cls.__module__ == "__main__" and not isinstance(answer, (np.ndarray, np.generic)):
        return _class_is_template(cls)
    return False


def _any_template(answer: Any) -> bool:
    return isinstance(answer, tuple) and type(answer) is tuple and any(is_template(a) for a in answer)


# ---------------------------------------------------------------------------
# Comparison helpers
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


def as_number(answer: Any) -> float | int | None:
    """The number ``answer`` holds (Python or numpy number, 0-d or one-element array or tensor), else None.

    Lets a checker compare an answer with known wrong values without tripping over arrays.
    """
    value = answer
    if (isinstance(answer, np.ndarray) or _is_tensor(answer)) and _to_numpy(answer).size == 1:
        value = _to_numpy(answer).reshape(()).item()
    elif isinstance(answer, np.generic):
        value = answer.item()
    if isinstance(value, bool) or not _is_number(value):
        return None
    return value


def check_shape(answer: Any, expected: Sequence[int], *, name: str = "shape") -> Result:
    """Compare a shape (tuple, list, torch.Size) with ``expected``.

    Names likely mistakes: an array given instead of its shape, axes in the wrong
    order, a missing or extra axis of size 1.
    """
    expected = tuple(int(v) for v in expected)
    if isinstance(answer, np.ndarray) or _is_tensor(answer):
        return failed(f"`{name}` should be a shape like {fmt(expected)}, but you gave a whole "
                      f"{_describe(answer)}; use its `.shape`.")
    if not isinstance(answer, (tuple, list)) or not all(_is_number(v) and float(v) == int(v) for v in answer):
        return failed(f"`{name}` should be a tuple of whole numbers like {fmt(expected)}, got {_describe(answer)}.")
    got = tuple(int(v) for v in answer)
    if got == expected:
        return passed(f"`{name}` is {fmt(expected)}.")
    msg = f"`{name}` should be {fmt(expected)}, got {fmt(got)}."
    if len(got) == len(expected) and sorted(got) == sorted(expected):
        if got == expected[::-1]:
            return failed(msg + " It looks transposed: the axes are in reverse order.")
        return failed(msg + " The sizes are right but the axes are in the wrong order.")
    if tuple(v for v in got if v != 1) == tuple(v for v in expected if v != 1):
        if len(got) < len(expected):
            return failed(msg + " An axis of size 1 is missing (a channel or batch axis?).")
        return failed(msg + " There is an extra axis of size 1.")
    if len(got) == len(expected):
        diff = [i for i, (a, b) in enumerate(zip(got, expected)) if a != b]
        if all(abs(got[i] - expected[i]) == 1 for i in diff):
            axes = ", ".join(str(i) for i in diff)
            return failed(msg + f" Off by one along axis {axes}: an output-size formula missing its + 1, "
                          "or a slice that stops one early?")
    if len(got) != len(expected):
        return failed(msg + f" Expected {len(expected)} axes, got {len(got)}.")
    return failed(msg)


def check_scalar(
    answer: Any,
    expected: float | int,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    name: str = "answer",
    integer: bool | None = None,
) -> Result:
    """Compare a number with ``expected`` within ``|a - e| <= atol + rtol * |e|``.

    integer: require a whole number (defaults to True when ``expected`` is an int).
    Accepts Python and numpy numbers and 0-d arrays or tensors. Names: wrong type,
    NaN/inf, off by one, a factor of 255 or 100, a sign flip.
    """
    if integer is None:
        integer = isinstance(expected, (int, np.integer)) and not isinstance(expected, bool)
    value = as_number(answer)
    if value is None:
        extra = ""
        if isinstance(answer, str):
            extra = " Write the number without quotes."
        elif isinstance(answer, (np.ndarray, list, tuple)) or _is_tensor(answer):
            extra = " Reduce it to one number (e.g. `.max()`, `.sum()`, `len(...)`, or `.item()`)."
        return failed(f"`{name}` should be a number, got {_describe(answer)}.{extra}")
    value = float(value) if isinstance(value, float) else value
    if isinstance(value, float) and not math.isfinite(value):
        return failed(f"`{name}` is {fmt(value)}: look for a division by zero or a log of 0.")
    e = float(expected)
    v = float(value)
    if integer and v != round(v):
        return failed(f"`{name}` should be a whole number, got {fmt(v)}.")
    if abs(v - e) <= atol + rtol * abs(e):
        return passed(f"`{name}` = {fmt(expected)}.")
    msg = f"`{name}` should be {fmt(expected)}, got {fmt(value)}."
    if integer and not 0 <= e <= 255 and v == e % 256:
        return failed(msg + " That is the true value modulo 256: uint8 arithmetic wrapped around. "
                      "Convert to a wider type first, e.g. `.astype(np.int64)`.")
    if integer and abs(v - e) == 1:
        return failed(msg + " Off by one: count again from the start and the end.")
    if e != 0 and v != 0:
        ratio = v / e
        for k, why in ((255.0, "It looks 255 times too large: divide by 255?"),
                       (1 / 255.0, "It looks divided by 255 once too often."),
                       (100.0, "It looks like a percentage; give a fraction (0..1)."),
                       (0.01, "It looks like a fraction; give a percentage (0..100)."),
                       (-1.0, "The sign is flipped.")):
            if math.isclose(ratio, k, rel_tol=1e-3):
                return failed(f"{msg} {why}")
    return failed(msg)


def _flip_last2(a: np.ndarray) -> np.ndarray:
    return a[..., ::-1, ::-1]


def check_array(
    answer: Any,
    expected: Any,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    name: str = "answer",
    check_dtype: bool = False,
    kind: Literal["numpy", "torch", "any"] | None = None,
) -> Result:
    """Compare an array or tensor with ``expected`` elementwise: ``|a - e| <= atol + rtol * |e|``.

    answer, expected: numpy arrays or torch tensors of any shape.
    kind: which type is required; by default the type of ``expected`` ("any" accepts both).
    check_dtype: also require the same dtype.
    Names likely mistakes: wrong type, wrong shape ("looks transposed" when the axes
    are reversed), NaN or inf, uint8 wrap-around, every value off by the same constant
    (forgot the bias?), every value scaled, a flipped or transposed result.
    """
    if kind is None:
        kind = "torch" if _is_tensor(expected) else "numpy"
    if kind not in ("numpy", "torch", "any"):
        raise ValueError(f"kind must be 'numpy', 'torch' or 'any', got {kind!r}")
    exp = _to_numpy(expected)
    want = {"numpy": "a numpy array", "torch": "a torch.Tensor", "any": "an array or tensor"}[kind]
    is_arr = isinstance(answer, np.ndarray) or _is_tensor(answer)
    if not is_arr:
        extra = ""
        if isinstance(answer, (list, tuple)):
            extra = " Wrap it: `np.array(...)`." if kind != "torch" else " Wrap it: `torch.tensor(...)`."
        return failed(f"`{name}` should be {want} of shape {fmt(exp.shape)}, got {_describe(answer)}.{extra}")
    if kind == "numpy" and _is_tensor(answer):
        return failed(f"`{name}` should be a numpy array, got a torch.Tensor. Convert it with `.numpy()`.")
    if kind == "torch" and isinstance(answer, np.ndarray):
        return failed(f"`{name}` should be a torch.Tensor, got a numpy array. Convert it with `torch.from_numpy(...)`.")
    got = _to_numpy(answer)
    if got.shape != exp.shape:
        r = check_shape(got.shape, exp.shape, name=f"{name}.shape")
        return failed(r.message)
    if check_dtype and got.dtype != exp.dtype:
        return failed(f"`{name}` should have dtype {exp.dtype}, got {got.dtype}.")
    if got.dtype == np.bool_ or exp.dtype == np.bool_:
        g, e = got.astype(np.float64), exp.astype(np.float64)
    elif not (np.issubdtype(got.dtype, np.number)):
        return failed(f"`{name}` should hold numbers, got dtype {got.dtype}.")
    else:
        g, e = got.astype(np.float64), exp.astype(np.float64)
    n = g.size
    bad_g = ~np.isfinite(g)
    if bad_g.any() and not (bad_g == ~np.isfinite(e)).all():
        nn = int(np.isnan(g).sum())
        ni = int(np.isinf(g).sum())
        return failed(f"`{name}` contains {nn} NaN and {ni} infinite values out of {n}: "
                      "look for a division by zero, a log of 0 or an overflow.")
    close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return passed(f"`{name}` matches (shape {fmt(exp.shape)}).")
    nbad = int((~close).sum())
    base = f"`{name}` has {nbad} of {n} values that differ from the expected ones (tolerance rtol={fmt(rtol)}, atol={fmt(atol)})."
    fin = np.isfinite(g) & np.isfinite(e)
    # uint8 wrap-around: the student's uint8 values equal the true values modulo 256.
    if got.dtype == np.uint8 and (e < 0).any() | (e > 255).any():
        if np.allclose(np.mod(np.round(e), 256), g, atol=0.5):
            return failed(base + " The values wrapped around: uint8 arithmetic works modulo 256. "
                          "Convert to a wider type first, e.g. `.astype(np.int16)` or `.astype(np.float32)`.")
        return failed(base + " Your array is uint8, which cannot hold the expected values outside 0..255; "
                      "convert to a wider type first.")
    if np.issubdtype(got.dtype, np.integer) and np.issubdtype(exp.dtype, np.floating):
        if np.allclose(np.trunc(e), g) or np.allclose(np.floor(e), g) or np.allclose(np.round(e), g):
            return failed(base + f" Your dtype is {got.dtype}, so the fractions were cut off; "
                          "use floats (e.g. `/` instead of `//`, or `.astype(np.float32)`).")
    d = g - e
    if n > 1 and fin.all():
        c = float(d.mean())
        if abs(c) > atol and np.allclose(d, c, rtol=0, atol=atol + rtol * float(np.abs(e).max())):
            return failed(base + f" Every value is off by the same amount ({fmt(c)}): "
                          "did you forget (or double) the bias, or an offset such as the mean?")
        nz = np.abs(e) > atol
        if nz.sum() >= 2 and np.allclose(g[~nz], 0, atol=atol * 10):
            ratios = g[nz] / e[nz]
            k = float(np.median(ratios))
            if abs(k - 1) > rtol and np.allclose(ratios, k, rtol=1e-3):
                if math.isclose(k, -1, rel_tol=1e-3):
                    return failed(base + " Every value has the wrong sign.")
                return failed(base + f" Every value is {fmt(k)} times the expected one: a missing or extra scale factor?")
        if g.ndim >= 2 and np.allclose(g, _flip_last2(e), rtol=rtol, atol=atol):
            return failed(base + " It looks flipped upside down and left to right "
                          "(a flipped kernel: convolution versus cross-correlation?).")
        if g.ndim >= 2 and g.shape[-1] == g.shape[-2] and np.allclose(g, np.swapaxes(e, -1, -2), rtol=rtol, atol=atol):
            return failed(base + " It looks transposed (rows and columns swapped).")
        if np.allclose(np.sort(g.ravel()), np.sort(e.ravel()), rtol=rtol, atol=atol):
            return failed(base + " The right values are there but in the wrong places (an axis order or reshape problem?).")
    idx = tuple(int(i) for i in np.argwhere(~close)[0])
    where = fmt(idx) if g.ndim else "()"
    worst = float(np.nanmax(np.abs(d[fin]))) if fin.any() else float("nan")
    details = (f"First difference at index {where}: expected {fmt(exp[idx].item())}, got {fmt(got[idx].item())}. "
               f"Largest difference: {fmt(worst)}.")
    return failed(base, details)


@dataclass(frozen=True)
class Case:
    """One call of a student function: ``fn(*args, **kwargs)`` should give ``expected``.

    compare: optional ``(got, expected) -> Result``; by default check_array for arrays
    and tensors, check_scalar for numbers, ``==`` otherwise.
    """

    args: tuple
    expected: Any
    kwargs: dict | None = None
    label: str | None = None
    compare: Callable[[Any, Any], Result] | None = None


def _short_args(args: tuple, kwargs: dict | None) -> str:
    parts = []
    for a in args:
        parts.append(_describe(a) if isinstance(a, np.ndarray) or _is_tensor(a) else fmt(a))
    for k, v in (kwargs or {}).items():
        parts.append(f"{k}={_describe(v) if isinstance(v, np.ndarray) or _is_tensor(v) else fmt(v)}")
    return ", ".join(parts)


def check_function(
    fn: Any,
    cases: Iterable[Case | tuple],
    *,
    name: str | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> Result:
    """Call a student function on each case and compare what comes back.

    cases: :class:`Case` objects or ``(args_tuple, expected)`` pairs. Arguments are
    deep-copied, so a function that changes its input cannot spoil later cases.
    An exception inside the student's function becomes a failed result naming the
    case; the first wrong case is reported.
    """
    fname = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        return failed(f"`{fname}` should be a function, got {_describe(fn)}.")
    if is_template(fn):
        return unattempted(f"`{fname}` still has only the template body: write its code, then run the cell again.")
    cases = [c if isinstance(c, Case) else Case(tuple(c[0]), c[1]) for c in cases]
    if not cases:
        raise ValueError("cases must hold at least one case, got none")
    for i, case in enumerate(cases, 1):
        label = case.label or f"{fname}({_short_args(case.args, case.kwargs)})"
        args = copy.deepcopy(case.args)
        kwargs = copy.deepcopy(case.kwargs or {})
        try:
            got = fn(*args, **kwargs)
        except NotImplementedError:
            return unattempted(f"`{fname}` raises NotImplementedError: write its code, then run the cell again.")
        except Exception as exc:  # noqa: BLE001 - any student error becomes a message
            return failed(f"Case {i}, {label}, raised {type(exc).__name__}: {_exc_text(exc)}")
        if got is None and case.expected is not None:
            return failed(f"Case {i}, {label}, returned None: did you forget `return`?")
        try:
            if case.compare is not None:
                r = case.compare(got, case.expected)
            elif isinstance(case.expected, np.ndarray) or _is_tensor(case.expected):
                r = check_array(got, case.expected, rtol=rtol, atol=atol, name="result")
            elif _is_number(case.expected):
                r = check_scalar(got, case.expected, rtol=rtol, atol=atol, name="result")
            else:
                r = passed() if got == case.expected else failed(f"expected {fmt(case.expected)}, got {fmt(got)}.")
        except Failed as f:
            r = failed(f.message, f.details)
        if r.status != "passed":
            return failed(f"Case {i}, {label}: {r.message}", r.details)
    return passed(f"`{fname}` gives the right result on all {len(cases)} test cases.")


def check_choice(answer: Any, expected: str, options: Sequence[str], *, name: str = "answer",
                 explanations: dict[str, str] | None = None) -> Result:
    """A multiple-choice prediction: ``answer`` must be one of ``options`` (case-insensitive).

    explanations: optional message per wrong option, saying why it is wrong.
    """
    opts = [o.lower() for o in options]
    if expected.lower() not in opts:
        raise ValueError(f"expected must be one of options {list(options)}, got {expected!r}")
    if not isinstance(answer, str):
        return failed(f"`{name}` should be one of {', '.join(repr(o) for o in options)} (a string), got {_describe(answer)}.")
    a = answer.strip().lower()
    if a not in opts:
        return failed(f"`{name}` should be one of {', '.join(repr(o) for o in options)}, got {answer!r}.")
    if a == expected.lower():
        return passed(f"`{name}` = {expected!r}.")
    why = (explanations or {}).get(a) or (explanations or {}).get(answer.strip())
    return failed(f"{answer.strip()!r} is not right." + (f" {why}" if why else ""))


def _exc_text(exc: BaseException) -> str:
    s = str(exc).strip().splitlines()
    text = s[0] if s else "(no message)"
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", text)
    return text if len(text) <= 200 else text[:197] + "..."


# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------

_REVEAL: bool | None = None


def reveal_all(on: bool = True) -> None:
    """Instructor switch: when on, every ``.check(...)`` also shows the solution inline.

    ``reveal_all(False)`` turns it off again; ``reveal_all(None)`` defers to the
    ``CNN_COURSE_REVEAL`` environment variable.
    """
    global _REVEAL
    if on is not None and not isinstance(on, bool):
        raise TypeError(f"on must be True, False or None, got {type(on).__name__}")
    _REVEAL = on


def is_revealed() -> bool:
    """True when solutions are shown with every check (reveal_all() or CNN_COURSE_REVEAL=1)."""
    if _REVEAL is not None:
        return _REVEAL
    return os.environ.get(REVEAL_ENV_VAR, "").strip().lower() in ("1", "true", "yes", "on")


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _defined_names(code: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                names.add((a.asname or a.name).split(".")[0])
    return names


class Exercise:
    """One auto-checked exercise.

    name: its attribute name in the lesson module ("q1").
    title: a short title shown with every result.
    checker: ``answer -> Result`` (may raise :class:`Failed`).
    hints: from gentle to explicit; ``.hint()`` shows the next one each call.
    solution: runnable code that defines every name in ``answer_names``.
    answer_names: the names the exercise cell defines (used by ``make solutions``).
    kind: "code" (write code) or "prediction" (predict a value before running).
    """

    def __init__(
        self,
        name: str,
        title: str,
        checker: Callable[[Any], Result],
        hints: Sequence[str],
        solution: str,
        answer_names: Sequence[str],
        *,
        kind: Literal["code", "prediction"] = "code",
    ) -> None:
        if not isinstance(name, str) or not _IDENT.match(name):
            raise ValueError(f"name must be a Python identifier, got {name!r}")
        if not isinstance(title, str) or not title.strip():
            raise ValueError(f"title must be a non-empty str, got {title!r}")
        if not callable(checker):
            raise TypeError(f"checker must be callable, got {type(checker).__name__}")
        if isinstance(hints, str) or not hints or not all(isinstance(h, str) and h.strip() for h in hints):
            raise ValueError(f"hints must be a non-empty list of non-empty str, got {hints!r}")
        if not isinstance(solution, str) or not solution.strip():
            raise ValueError(f"solution must be non-empty code as a str, got {solution!r}")
        if isinstance(answer_names, str) or not answer_names or not all(isinstance(n, str) and _IDENT.match(n) for n in answer_names):
            raise ValueError(f"answer_names must be a non-empty list of identifiers, got {answer_names!r}")
        if kind not in ("code", "prediction"):
            raise ValueError(f"kind must be 'code' or 'prediction', got {kind!r}")
        solution = textwrap.dedent(solution).strip("\n")
        try:
            defined = _defined_names(solution)
        except SyntaxError as exc:
            raise ValueError(f"solution of exercise {name!r} is not valid Python: {exc}") from exc
        missing = [n for n in answer_names if n not in defined]
        if missing:
            raise ValueError(f"solution of exercise {name!r} must define {list(answer_names)}; it does not define {missing}")
        self.name = name
        self.title = title
        self.checker = checker
        self.hints = list(hints)
        self.solution_code = solution
        self.answer_names = list(answer_names)
        self.kind = kind
        self.module: str | None = sys._getframe(1).f_globals.get("__name__")
        self._hints_shown = 0

    def __repr__(self) -> str:
        return f"Exercise({self.name!r}, {self.title!r}, {len(self.hints)} hints)"

    def evaluate(self, answer: Any) -> Result:
        """Check ``answer`` and return a Result. Pure: never displays, never raises."""
        if is_template(answer):
            return unattempted()
        if _any_template(answer):
            return unattempted("Some parts still hold `...`: fill in every part, then run the cell again.")
        try:
            result = self.checker(answer)
        except Failed as f:
            return failed(f.message, f.details)
        except _Unattempted as u:
            return unattempted(str(u))
        except NotImplementedError:
            return unattempted("Your code raises NotImplementedError: replace it with your code.")
        except Exception as exc:  # noqa: BLE001 - a check never raises on a wrong answer
            return failed(f"Checking your answer raised {type(exc).__name__}: {_exc_text(exc)}. "
                          f"Expected something else than {_describe(answer)}?")
        if not isinstance(result, Result):
            return failed(f"(course bug) the checker of {self.name} returned {type_name(result)}, not a Result; "
                          "please report it.")
        return result

    def check(self, *answers: Any) -> Result:
        """Evaluate the answer, show the result (and the solution in instructor mode), return it.

        Several answers may be passed at once: ``ex.q3.check(a, b)`` checks the tuple ``(a, b)``.
        """
        from helpers.exercises.display import show_result

        if len(answers) == 0:
            raise TypeError(f"{self.name}.check() needs your answer, e.g. {self.name}.check({self.answer_names[0]})")
        answer = answers[0] if len(answers) == 1 else tuple(answers)
        result = self.evaluate(answer)
        _log_check(self, result)
        return show_result(self, result, reveal=is_revealed())

    def hint_text(self, level: int) -> str:
        """The hint at ``level`` (1-based) as text, without showing it."""
        if not isinstance(level, int) or isinstance(level, bool):
            raise TypeError(f"level must be an int, got {type(level).__name__}")
        if not 1 <= level <= len(self.hints):
            raise ValueError(f"level must be between 1 and {len(self.hints)}, got {level}")
        return self.hints[level - 1]

    def hint(self, level: int | None = None) -> None:
        """Show the next hint (each call goes one level further), or the hint at ``level``."""
        from helpers.exercises.display import show_hint

        if level is None:
            self._hints_shown = min(self._hints_shown + 1, len(self.hints))
            level = self._hints_shown
        text = self.hint_text(level)
        show_hint(self, level, text)

    def solution(self) -> None:
        """Show the reference solution code."""
        from helpers.exercises.display import show_solution

        show_solution(self)


def _log_check(ex: Exercise, result: Result) -> None:
    """Append one JSON line per check to $CNN_COURSE_CHECK_LOG (used by ``make solutions``)."""
    path = os.environ.get(CHECK_LOG_ENV_VAR)
    if not path:
        return
    import json

    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"exercise": ex.name, "module": getattr(ex, "module", None),
                             "status": result.status, "message": result.message}) + "\n")


def list_exercises(module: types.ModuleType) -> list[Exercise]:
    """The Exercise objects defined in a lesson module, in definition order."""
    return [v for v in vars(module).values() if isinstance(v, Exercise)]


# ---------------------------------------------------------------------------
# Test hooks
# ---------------------------------------------------------------------------


def _pack(ex: Exercise, answers: tuple) -> Any:
    if not answers:
        raise TypeError(f"give the answer to test, e.g. assert_passed(ex.{ex.name}, answer)")
    return answers[0] if len(answers) == 1 else tuple(answers)


def assert_passed(ex: Exercise, *answers: Any) -> Result:
    """Assert that the answer passes ``ex`` (for checker tests).

    Several answers are packed into a tuple, exactly as ``ex.check(a, b)`` does.
    """
    r = ex.evaluate(_pack(ex, answers))
    assert r.status == "passed", f"{ex.name}: expected passed, got {r.status}: {r.message} {r.details or ''}"
    return r


def assert_failed(ex: Exercise, *answers: Any, match: str | None = None) -> Result:
    """Assert that the answer fails ``ex``; ``match`` is a regex the message (or details) must contain."""
    r = ex.evaluate(_pack(ex, answers))
    assert r.status == "failed", f"{ex.name}: expected failed, got {r.status}: {r.message}"
    if match is not None:
        full = r.message + ("\n" + r.details if r.details else "")
        assert re.search(match, full), f"{ex.name}: message {full!r} does not match {match!r}"
    return r


def assert_unattempted(ex: Exercise, *answers: Any) -> Result:
    """Assert that the answer counts as not attempted."""
    r = ex.evaluate(_pack(ex, answers))
    assert r.status == "unattempted", f"{ex.name}: expected unattempted, got {r.status}: {r.message}"
    return r
