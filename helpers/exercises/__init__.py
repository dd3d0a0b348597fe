"""Exercises that check themselves, one module per lesson.

Use in a lesson::

    from helpers.exercises import lesson01 as ex
    ex.q1.check(answer)   # ✓ Correct / ✗ Not yet / ○ Not attempted, with a helpful message
    ex.q1.hint()          # the next hint each call; ex.q1.hint(2) a given level
    ex.q1.solution()      # the reference solution code

Instructors: ``reveal_all()`` (or the environment variable ``CNN_COURSE_REVEAL=1``)
makes every check also show the solution.

Checking logic lives in :mod:`helpers.exercises.core`; how results look lives in
:mod:`helpers.exercises.display`.
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
    "require",
    "reveal_all",
    "unattempted",
]
