"""Where a student stands: every ``check()`` result, kept in one small local file.

Each check appends one JSON line to :func:`progress_file` (lesson, exercise, status,
time). Appending one short line with ``O_APPEND`` is a single write, so two kernels
checking at the same moment never interleave or lose each other's lines, and nothing is
ever rewritten in place. Recording can never make a check fail: any error (a read-only
home folder, a full disk) is swallowed. A line that cannot be read (a file cut short by
a crash) is skipped when the file is read back.

The file lives in the user's data folder (``platformdirs``: ``~/.local/share/cnn-course``
on Linux, ``~/Library/Application Support/cnn-course`` on macOS, ``%LOCALAPPDATA%`` on
Windows); ``$CNN_COURSE_PROGRESS`` names another file. Lesson 00 shows the course map
built from it (:func:`helpers.exercises.progress`).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import platformdirs

PROGRESS_ENV_VAR = "CNN_COURSE_PROGRESS"
STATUSES = ("unattempted", "failed", "passed")  # worst to best
_RANK = {s: k for k, s in enumerate(STATUSES)}


def progress_file() -> Path:
    """The progress file: ``$CNN_COURSE_PROGRESS`` if set, else ``progress.jsonl`` in the user's data folder."""
    env = os.environ.get(PROGRESS_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("cnn-course", appauthor=False)) / "progress.jsonl"


def lesson_of(module: str | None) -> str | None:
    """``'helpers.exercises.lesson05'`` -> ``'05'``; anything else -> ``None``."""
    if not module:
        return None
    last = module.rsplit(".", 1)[-1]
    if len(last) == 8 and last.startswith("lesson") and last[6:].isdigit():
        return last[6:]
    return None


def append_json_line(path: Path | str, item: dict) -> bool:
    """Append ``item`` to ``path`` as one JSON line in a single ``O_APPEND`` write.

    Creates the folder and the file when missing. Returns whether it was written; never
    raises (recording can never make a check fail). Used for the progress file and for
    the check log of ``make solutions`` (:func:`helpers.exercises.core.Exercise.check`).
    """
    try:
        target = Path(path)
        line = json.dumps(item) + "\n"
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
        return True
    except Exception:  # noqa: BLE001 - recording can never make a check fail
        return False


def record(module: str | None, exercise: str, status: str, *, path: Path | None = None) -> bool:
    """Append one check result; returns whether it was written. Never raises."""
    try:
        lesson = lesson_of(module)
        if lesson is None or status not in _RANK:
            return False
        target = path if path is not None else progress_file()
    except Exception:  # noqa: BLE001 - recording progress can never make a check fail
        return False
    return append_json_line(target, {"lesson": lesson, "exercise": str(exercise), "status": status,
                                     "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")})


def best_results(path: Path | None = None) -> dict[tuple[str, str], tuple[str, int]]:
    """``{(lesson, exercise): (best status, number of checks)}`` from the progress file.

    A missing file is an empty record; unreadable lines are skipped.
    """
    target = path if path is not None else progress_file()
    try:
        text = target.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    best: dict[tuple[str, str], tuple[str, int]] = {}
    for line in text.splitlines():
        try:
            item = json.loads(line)
            key, status = (str(item["lesson"]), str(item["exercise"])), item["status"]
        except (ValueError, KeyError, TypeError):
            continue
        if status not in _RANK:
            continue
        old, count = best.get(key, ("unattempted", 0))
        best[key] = (status if _RANK[status] > _RANK[old] else old, count + 1)
    return best
