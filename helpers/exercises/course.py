"""The course map (lesson 00): every lesson's exercises and how far the student got.

``progress()`` lists, lesson by lesson, the exercises passed, attempted (checked but not
yet correct) and not started, read from the file that every ``check()`` appends to
(:mod:`helpers.exercises.progress`). In a notebook it is a table with a bar per lesson;
elsewhere, plain text.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

from helpers.exercises.core import list_exercises
from helpers.exercises.display import show_rich
from helpers.exercises.progress import best_results, progress_file

_TITLE = re.compile(r"Exercises for lesson \d+ \((.*?)\)")


@dataclass(frozen=True)
class LessonProgress:
    """One lesson's exercises, split by how far the student got."""

    lesson: str
    title: str
    passed: tuple[str, ...]
    attempted: tuple[str, ...]
    not_started: tuple[str, ...]

    @property
    def total(self) -> int:
        return len(self.passed) + len(self.attempted) + len(self.not_started)


@dataclass(frozen=True)
class CourseProgress:
    """The course map: a :class:`LessonProgress` per lesson, in lesson order."""

    lessons: tuple[LessonProgress, ...]
    source: Path

    @property
    def passed(self) -> int:
        return sum(len(p.passed) for p in self.lessons)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.lessons)

    def text(self) -> str:
        rows = [f"Your progress: {self.passed} of {self.total} exercises passed"]
        for p in self.lessons:
            bar = "#" * len(p.passed) + "~" * len(p.attempted) + "." * len(p.not_started)
            rows.append(f"  {p.lesson} {p.title[:38]:38s} [{bar:6s}] {len(p.passed)}/{p.total} passed"
                        + (f", {len(p.attempted)} attempted" if p.attempted else ""))
        rows.append("  (# passed, ~ attempted, . not started)")
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        cells = []
        for p in self.lessons:
            boxes = "".join(
                f"<span title='{html.escape(name)}: {label}' style='display:inline-block;width:14px;height:14px;"
                f"margin-right:2px;border-radius:3px;background:{colour}'></span>"
                for names, label, colour in ((p.passed, "passed", "#1a7f37"), (p.attempted, "attempted", "#bf8700"),
                                             (p.not_started, "not started", "#d0d7de"))
                for name in names)
            cells.append(f"<tr><td>{p.lesson}</td><td>{html.escape(p.title)}</td><td>{boxes}</td>"
                         f"<td>{len(p.passed)}/{p.total}</td></tr>")
        return (f"<div class='cnn-progress' style='color:#1f2328;background:#ffffff;padding:6px'>"
                f"<b>Your progress: {self.passed} of {self.total} exercises passed</b>"
                "<table><tr><th>lesson</th><th>title</th><th>exercises (green passed, amber attempted, "
                "grey not started)</th><th>passed</th></tr>" + "".join(cells) + "</table></div>")


def lesson_modules() -> list[tuple[str, str, list[str]]]:
    """``(lesson number, title, exercise names)`` for every lesson module, in order."""
    found = []
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if re.fullmatch(r"lesson\d\d", info.name):
            module = importlib.import_module(f"helpers.exercises.{info.name}")
            match = _TITLE.search(module.__doc__ or "")
            title = match.group(1) if match else f"Lesson {info.name[6:]}"
            names = sorted((e.name for e in list_exercises(module)),
                           key=lambda n: (int(n[1:]) if n[1:].isdigit() else 10**6, n))
            found.append((info.name[6:], title, names))
    return sorted(found)


def course_progress(path: Path | None = None) -> CourseProgress:
    """The course map from the progress file (``path``, default :func:`progress_file`)."""
    source = path if path is not None else progress_file()
    best = best_results(source)
    lessons = []
    for lesson, title, names in lesson_modules():
        status = {name: best.get((lesson, name), ("unattempted", 0))[0] for name in names}
        lessons.append(LessonProgress(
            lesson, title,
            passed=tuple(n for n in names if status[n] == "passed"),
            attempted=tuple(n for n in names if status[n] == "failed"),
            not_started=tuple(n for n in names if status[n] == "unattempted")))
    return CourseProgress(tuple(lessons), source)


def progress(path: Path | None = None) -> CourseProgress:
    """Show the course map (lesson 00): exercises passed, attempted and not started, per lesson.

    Returns the :class:`CourseProgress` it showed.
    """
    shown = course_progress(path)
    show_rich(shown.text(), shown._repr_html_())
    return shown
