"""Exercises that check themselves, one module per lesson.

Use in a lesson::

    from helpers.exercises import lesson01 as ex
    ex.q1.check(answer)   # ✓ Correct / ✗ Not yet / ○ Not attempted, with a helpful message
    ex.q1.hint()          # the next hint each call; ex.q1.hint(2) a given level
    ex.q1.solution()      # the reference solution code

Instructors: ``reveal_all()`` (or the environment variable ``CNN_COURSE_REVEAL=1``)
makes every check also show the solution.

Checking logic is apart from showing it: :mod:`~helpers.exercises.core` holds the
Exercise, the instructor switch and the test hooks, built on
:mod:`~helpers.exercises.result` (what a check returns), :mod:`~helpers.exercises.compare`
(comparisons that name likely mistakes), :mod:`~helpers.exercises.templates` (is the
answer still the template?) and :mod:`~helpers.exercises.signature` (an answer that must be a
function of given arguments); :mod:`~helpers.exercises.display` shows a result as a
coloured box with a plain-text fallback. Every check is also kept in a small local file
(:mod:`~helpers.exercises.progress`), and ``progress()`` (:mod:`~helpers.exercises.course`)
shows the course map: per lesson, the exercises passed, attempted and not started.
"""

from helpers.exercises.core import (
    Case,
    Exercise,
    Failed,
    Result,
    as_number,
    check_array,
    check_choice,
    check_function,
    check_scalar,
    check_shape,
    failed,
    is_revealed,
    is_template,
    passed,
    require,
    reveal_all,
    unattempted,
)
from helpers.exercises.course import progress

__all__ = [
    "Case",
    "Exercise",
    "Failed",
    "Result",
    "as_number",
    "check_array",
    "check_choice",
    "check_function",
    "check_scalar",
    "check_shape",
    "failed",
    "is_revealed",
    "is_template",
    "passed",
    "progress",
    "require",
    "reveal_all",
    "unattempted",
]
