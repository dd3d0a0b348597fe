"""Comparison helpers for checkers, with stated tolerances and named mistakes.

Each returns a :class:`~helpers.exercises.result.Result` whose message says what was
expected, what came, and the likely mistake (transposed, forgot the bias, uint8
wrap-around, off by one, ...). None of them raises on a wrong answer.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Literal, Sequence

import numpy as np

from helpers.exercises.result import (
    Failed,
    Result,
    _describe,
    _exc_text,
    _is_number,
    _is_tensor,
    _to_numpy,
    failed,
    fmt,
    passed,
    unattempted,
)
from helpers.exercises.templates import is_template


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


def as_count(answer: Any) -> int | None:
    """The whole number ``answer`` holds, else None.

    Accepts a Python int, numpy integers, a float with an integral value (``192.0``), and
    0-d or one-element arrays and tensors of those; rejects bools, NaN, inf and fractions.
    """
    value = as_number(answer)
    if value is None or (isinstance(value, float) and (not math.isfinite(value) or value != int(value))):
        return None
    return int(value)


def contains_nan(answer: Any) -> bool:
    """True if ``answer`` (a number, array, tensor, or list/tuple of them) holds a NaN."""
    if isinstance(answer, (list, tuple)):
        return any(contains_nan(a) for a in answer[:10_000])
    if isinstance(answer, float) or isinstance(answer, np.floating):
        return math.isnan(answer)
    if isinstance(answer, np.ndarray) or _is_tensor(answer):
        arr = _to_numpy(answer)
        return np.issubdtype(arr.dtype, np.floating) and bool(np.isnan(arr).any())
    return False


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


def _not_the_array_wanted(answer: Any, exp: np.ndarray, name: str, kind: str) -> Result | None:
    """A failure when ``answer`` is not an array or tensor of the ``kind`` wanted, else None."""
    want = {"numpy": "a numpy array", "torch": "a torch.Tensor", "any": "an array or tensor"}[kind]
    if not (isinstance(answer, np.ndarray) or _is_tensor(answer)):
        extra = ""
        if isinstance(answer, (list, tuple)):
            extra = " Wrap it: `np.array(...)`." if kind != "torch" else " Wrap it: `torch.tensor(...)`."
        return failed(f"`{name}` should be {want} of shape {fmt(exp.shape)}, got {_describe(answer)}.{extra}")
    if kind == "numpy" and _is_tensor(answer):
        return failed(f"`{name}` should be a numpy array, got a torch.Tensor. Convert it with `.numpy()`.")
    if kind == "torch" and isinstance(answer, np.ndarray):
        return failed(f"`{name}` should be a torch.Tensor, got a numpy array. Convert it with `torch.from_numpy(...)`.")
    return None


def _not_comparable(got: np.ndarray, exp: np.ndarray, name: str, check_dtype: bool) -> Result | None:
    """A failure when ``got`` has the wrong shape or dtype, or holds no numbers, else None."""
    if got.shape != exp.shape:
        return failed(check_shape(got.shape, exp.shape, name=f"{name}.shape").message)
    if check_dtype and got.dtype != exp.dtype:
        return failed(f"`{name}` should have dtype {exp.dtype}, got {got.dtype}.")
    if not (got.dtype == np.bool_ or exp.dtype == np.bool_ or np.issubdtype(got.dtype, np.number)):
        return failed(f"`{name}` should hold numbers, got dtype {got.dtype}.")
    return None


def _dtype_mistake(got: np.ndarray, exp: np.ndarray, g: np.ndarray, e: np.ndarray) -> str | None:
    """What the answer's integer dtype did to the values (uint8 wrap-around, fractions cut off), if anything."""
    # uint8 wrap-around: the student's uint8 values equal the true values modulo 256.
    if got.dtype == np.uint8 and (e < 0).any() | (e > 255).any():
        if np.allclose(np.mod(np.round(e), 256), g, atol=0.5):
            return (" The values wrapped around: uint8 arithmetic works modulo 256. "
                    "Convert to a wider type first, e.g. `.astype(np.int16)` or `.astype(np.float32)`.")
        return (" Your array is uint8, which cannot hold the expected values outside 0..255; "
                "convert to a wider type first.")
    if np.issubdtype(got.dtype, np.integer) and np.issubdtype(exp.dtype, np.floating):
        if np.allclose(np.trunc(e), g) or np.allclose(np.floor(e), g) or np.allclose(np.round(e), g):
            return (f" Your dtype is {got.dtype}, so the fractions were cut off; "
                    "use floats (e.g. `/` instead of `//`, or `.astype(np.float32)`).")
    return None


def _scale_mistake(g: np.ndarray, e: np.ndarray, rtol: float, atol: float) -> str | None:
    """Every value the same multiple of the expected one (the sign flipped, a scale factor), if so."""
    nz = np.abs(e) > atol
    if nz.sum() >= 2 and np.allclose(g[~nz], 0, atol=atol * 10):
        ratios = g[nz] / e[nz]
        k = float(np.median(ratios))
        if abs(k - 1) > rtol and np.allclose(ratios, k, rtol=1e-3):
            if math.isclose(k, -1, rel_tol=1e-3):
                return " Every value has the wrong sign."
            return f" Every value is {fmt(k)} times the expected one: a missing or extra scale factor?"
    return None


def _pattern_mistake(g: np.ndarray, e: np.ndarray, rtol: float, atol: float) -> str | None:
    """A named pattern in the differences of two finite float arrays (offset, scale, flip, transpose, order)."""
    if g.size <= 1:
        return None
    c = float((g - e).mean())
    if abs(c) > atol and np.allclose(g - e, c, rtol=0, atol=atol + rtol * float(np.abs(e).max())):
        return (f" Every value is off by the same amount ({fmt(c)}): "
                "did you forget (or double) the bias, or an offset such as the mean?")
    scaled = _scale_mistake(g, e, rtol, atol)
    if scaled:
        return scaled
    if g.ndim >= 2 and np.allclose(g, _flip_last2(e), rtol=rtol, atol=atol):
        return (" It looks flipped upside down and left to right "
                "(a flipped kernel: convolution versus cross-correlation?).")
    if g.ndim >= 2 and g.shape[-1] == g.shape[-2] and np.allclose(g, np.swapaxes(e, -1, -2), rtol=rtol, atol=atol):
        return " It looks transposed (rows and columns swapped)."
    if np.allclose(np.sort(g.ravel()), np.sort(e.ravel()), rtol=rtol, atol=atol):
        return " The right values are there but in the wrong places (an axis order or reshape problem?)."
    return None


def _first_difference(got: np.ndarray, exp: np.ndarray, g: np.ndarray, e: np.ndarray, close: np.ndarray) -> str:
    """Where the first wrong value sits, what it should be, and the largest difference."""
    fin = np.isfinite(g) & np.isfinite(e)
    idx = tuple(int(i) for i in np.argwhere(~close)[0])
    where = fmt(idx) if g.ndim else "()"
    worst = float(np.nanmax(np.abs((g - e)[fin]))) if fin.any() else float("nan")
    return (f"First difference at index {where}: expected {fmt(exp[idx].item())}, got {fmt(got[idx].item())}. "
            f"Largest difference: {fmt(worst)}.")


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
    wrong = _not_the_array_wanted(answer, exp, name, kind)
    got = _to_numpy(answer) if wrong is None else None
    wrong = wrong or _not_comparable(got, exp, name, check_dtype)
    if wrong is not None:
        return wrong
    g, e = got.astype(np.float64), exp.astype(np.float64)
    bad_g = ~np.isfinite(g)
    if bad_g.any() and not (bad_g == ~np.isfinite(e)).all():
        return failed(f"`{name}` contains {int(np.isnan(g).sum())} NaN and {int(np.isinf(g).sum())} infinite values "
                      f"out of {g.size}: look for a division by zero, a log of 0 or an overflow.")
    close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return passed(f"`{name}` matches (shape {fmt(exp.shape)}).")
    base = (f"`{name}` has {int((~close).sum())} of {g.size} values that differ from the expected ones "
            f"(tolerance rtol={fmt(rtol)}, atol={fmt(atol)}).")
    mistake = _dtype_mistake(got, exp, g, e)
    if mistake is None and (np.isfinite(g) & np.isfinite(e)).all():
        mistake = _pattern_mistake(g, e, rtol, atol)
    if mistake is not None:
        return failed(base + mistake)
    return failed(base, _first_difference(got, exp, g, e, close))


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
