"""Exercises that check themselves: the Exercise, the instructor switch and the test hooks.

A checker is a plain function ``answer -> Result``. It may also raise :class:`Failed`
instead of returning ``failed(...)``. :meth:`Exercise.evaluate` is pure: it never
raises and never displays; :meth:`Exercise.check` evaluates, then hands the result to
the display layer (:mod:`helpers.exercises.display`).

The pieces live in small modules, all importable from here:
:mod:`~helpers.exercises.result` (Result, passed, failed, unattempted, Failed, require),
:mod:`~helpers.exercises.compare` (check_array, check_scalar, check_shape,
check_function, check_choice, as_number, as_count, Case) and
:mod:`~helpers.exercises.templates` (is_template).

Running student code safely (policy):

- Time limit: :meth:`Exercise.evaluate` runs the checker (and so every call of the
  student's code) under a time limit (``time_limit`` seconds, default
  :data:`TIME_LIMIT_S`). A watchdog thread raises an exception in the calling thread
  with ``PyThreadState_SetAsyncExc``; this works in a Jupyter kernel on Linux, macOS
  and Windows, and keeps closures and globals (a subprocess would lose them). Limits:
  the exception lands between Python bytecodes, so a single long C call (one huge
  ``torch`` op, ``time.sleep``) is interrupted only when it returns, and a bare
  ``except:`` in student code can swallow it (the timeout derives from BaseException,
  so ``except Exception`` cannot).
- ``SystemExit`` raised by student code (``exit()``, ``sys.exit()``) becomes a failed
  result saying so; the kernel keeps running.
- ``KeyboardInterrupt`` (the student pressed stop) propagates, as it should.
- A NaN in the answer never passes. Writing the check log can never make a check fail.
"""

from __future__ import annotations

import ast
import ctypes
import os
import re
import sys
import textwrap
import threading
import types
from typing import Any, Callable, Literal, Sequence

from helpers.exercises.compare import (  # noqa: F401 - re-exported API
    Case,
    as_count,
    as_number,
    check_array,
    check_choice,
    check_function,
    check_scalar,
    check_shape,
    contains_nan,
)
from helpers.exercises.display import show_hint, show_result, show_solution
from helpers.exercises.progress import append_json_line
from helpers.exercises.progress import record as record_progress
from helpers.exercises.result import (  # noqa: F401 - re-exported API
    STATUSES,
    Failed,
    Result,
    Status,
    _describe,
    _exc_text,
    _Unattempted,
    failed,
    fmt,
    passed,
    require,
    type_name,
    unattempted,
)
from helpers.exercises.signature import Signature
from helpers.exercises.templates import _any_template, is_template  # noqa: F401 - re-exported API

REVEAL_ENV_VAR = "CNN_COURSE_REVEAL"
CHECK_LOG_ENV_VAR = "CNN_COURSE_CHECK_LOG"


_REVEAL: bool | None = None

KINDS = ("code", "prediction", "explain", "find-the-bug")  # what an exercise asks the student to do
TIME_LIMIT_S = 20.0  # seconds a check may run the student's code


class _TimeLimit(BaseException):
    """Raised in the checking thread when the student's code runs past the time limit."""


class _Watchdog:
    """Context manager: raise :class:`_TimeLimit` in this thread after ``seconds``."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.done = False
        self.fired = False
        self.thread_id = threading.get_ident()
        self.timer: threading.Timer | None = None

    def _fire(self) -> None:
        with self.lock:
            if self.done:
                return
            self.fired = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.thread_id), ctypes.py_object(_TimeLimit))

    def __enter__(self) -> "_Watchdog":
        if self.seconds is not None:
            self.timer = threading.Timer(self.seconds, self._fire)
            self.timer.daemon = True
            self.timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        with self.lock:
            self.done = True
            if self.timer is not None:
                self.timer.cancel()
            if self.fired:  # fired but maybe not yet delivered: clear it so it cannot land later
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.thread_id), None)


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
    kind: what the student does: "code" (write code), "prediction" (commit to a prediction,
    then run), "explain" (choose the explanation of a result, each wrong choice answered
    with why it is wrong) or "find-the-bug" (find what breaks a short piece of code).
    signature: for an answer that is a function, how the lesson calls it, e.g.
    ``"one_hot(labels, num_classes)"`` (:mod:`helpers.exercises.signature`); the name is
    one of ``answer_names``. A value that is not a function, or one that cannot be called
    that way, fails with a message saying so before the checker runs.
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
        kind: Literal["code", "prediction", "explain", "find-the-bug"] = "code",
        time_limit: float | None = None,
        signature: str | None = None,
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
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
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
        if time_limit is not None and (not isinstance(time_limit, (int, float)) or not time_limit > 0):
            raise ValueError(f"time_limit: expected a positive number of seconds, got {time_limit!r}")
        self.time_limit = time_limit
        self.signature = None if signature is None else Signature.parse(signature)
        if self.signature is not None and self.signature.name not in self.answer_names:
            raise ValueError(f"signature: expected a function named in answer_names {self.answer_names}, "
                             f"got {self.signature.name!r}")
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
        if contains_nan(answer):
            return failed(f"Your answer contains NaN (not a number): look for a division by zero, a log of 0 "
                          f"or an overflow. Got {_describe(answer)}.")
        problem = self._signature_problem(answer)
        if problem is not None:
            return failed(problem)
        limit = self.time_limit if self.time_limit is not None else TIME_LIMIT_S
        try:
            try:
                with _Watchdog(limit):
                    result = self.checker(answer)
            except _TimeLimit:
                return failed(f"Your function took longer than {fmt(limit)} s: look for a loop that never ends "
                              "(a `while` whose condition never becomes false).")
            except SystemExit:
                return failed("Your code called `exit()` (or `sys.exit()`), which would stop the whole notebook: "
                              "use `return` to hand back a value instead.")
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

    def _signature_problem(self, answer: Any) -> str | None:
        """What is wrong with the function part of ``answer`` (see ``signature``), if anything."""
        if self.signature is None:
            return None
        if len(self.answer_names) > 1:
            if not isinstance(answer, tuple) or len(answer) != len(self.answer_names):
                return None  # the checker says which parts are missing
            answer = answer[self.answer_names.index(self.signature.name)]
        return self.signature.problem(answer)

    def check(self, *answers: Any) -> Result:
        """Evaluate the answer, show the result (and the solution in instructor mode), return it.

        Several answers may be passed at once: ``ex.q3.check(a, b)`` checks the tuple ``(a, b)``.
        """
        if len(answers) == 0:
            raise TypeError(f"{self.name}.check() needs your answer, e.g. {self.name}.check({self.answer_names[0]})")
        answer = answers[0] if len(answers) == 1 else tuple(answers)
        result = self.evaluate(answer)
        _log_check(self, result)
        record_progress(self.module, self.name, result.status)
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
        if level is None:
            self._hints_shown = min(self._hints_shown + 1, len(self.hints))
            level = self._hints_shown
        text = self.hint_text(level)
        show_hint(self, level, text)

    def solution(self) -> None:
        """Show the reference solution code."""
        show_solution(self)


def _log_check(ex: Exercise, result: Result) -> None:
    """Append one JSON line per check to $CNN_COURSE_CHECK_LOG (used by ``make solutions``)."""
    path = os.environ.get(CHECK_LOG_ENV_VAR)
    if path:
        append_json_line(path, {"exercise": ex.name, "module": getattr(ex, "module", None),
                                "status": result.status, "message": result.message})


def list_exercises(module: types.ModuleType) -> list[Exercise]:
    """The Exercise objects defined in a lesson module, in definition order."""
    return [v for v in vars(module).values() if isinstance(v, Exercise)]


# ---------------------------------------------------------------------------
# Test hooks
# ---------------------------------------------------------------------------


def solution_answers(ex: Exercise, **names: Any) -> list[Any]:
    """Run ``ex``'s reference solution and return its answers, in ``ex.answer_names`` order.

    ``names`` are what the lesson has defined by the time the exercise comes (``np=np``,
    ``conv2d=conv2d``, ...); the solution code runs in a fresh namespace holding only them.
    """
    namespace: dict[str, Any] = dict(names)
    exec(ex.solution_code, namespace)
    return [namespace[name] for name in ex.answer_names]


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
