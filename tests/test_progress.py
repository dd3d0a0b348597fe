"""Progress across lessons: every check() is recorded locally, safely, and the course map reads it back."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers.exercises import lesson01, progress
from helpers.exercises.course import course_progress, lesson_modules
from helpers.exercises.progress import (PROGRESS_ENV_VAR, append_json_line, best_results, lesson_of,
                                        progress_file, record)


@pytest.fixture
def log(tmp_path, monkeypatch):
    path = tmp_path / "progress.jsonl"
    monkeypatch.setenv(PROGRESS_ENV_VAR, str(path))
    return path


def test_the_file_is_the_variable_or_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(PROGRESS_ENV_VAR, str(tmp_path / "p.jsonl"))
    assert progress_file() == tmp_path / "p.jsonl"
    monkeypatch.delenv(PROGRESS_ENV_VAR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert progress_file() == tmp_path / "xdg" / "cnn-course" / "progress.jsonl"


def test_the_tests_never_write_to_the_real_progress_file():
    # The root conftest points every test run (and the kernels it starts) at a temporary file.
    assert "cnn-course-progress-" in str(progress_file())


def test_lesson_of():
    assert lesson_of("helpers.exercises.lesson05") == "05"
    assert lesson_of("lesson12") == "12"
    assert lesson_of("__main__") is None and lesson_of(None) is None and lesson_of("helpers.exercises.lessonXY") is None


def test_a_check_is_recorded_and_the_best_result_is_kept(log):
    lesson01.q1.check(3)  # wrong
    assert best_results(log) == {("01", "q1"): ("failed", 1)}
    lesson01.q1.check(255)  # right
    lesson01.q1.check(4)  # wrong again after passing: still passed
    assert best_results(log) == {("01", "q1"): ("passed", 3)}
    lesson01.q2.check(...)  # the template: not attempted
    assert best_results(log)[("01", "q2")] == ("unattempted", 1)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["status"] for line in lines] == ["failed", "passed", "failed", "unattempted"]


def test_the_course_map_lists_every_exercise_of_every_lesson(log):
    lesson01.q1.check(255)
    lesson01.q2.check(1234)
    shown = course_progress()
    lessons = {p.lesson: p for p in shown.lessons}
    assert [p.lesson for p in shown.lessons] == sorted(lessons)
    assert {lesson for lesson, _, _ in lesson_modules()} == set(lessons)
    assert "01" in lessons and "00" in lessons
    one = lessons["01"]
    assert one.title == "Pixels as arrays"
    assert one.passed == ("q1",) and one.attempted == ("q2",)
    assert set(one.not_started) == {e for e in ("q3", "q4", "q5")}
    assert shown.passed == 1 and shown.total == sum(len(names) for _, _, names in lesson_modules())
    text = shown.text()
    assert "1 of" in text and "01 Pixels as arrays" in text and "1/5 passed, 1 attempted" in text
    assert "cnn-progress" in shown._repr_html_() and "Pixels as arrays" in shown._repr_html_()


def test_progress_shows_plain_text_outside_a_notebook(log, capsys):
    result = progress()
    assert "Your progress: 0 of" in capsys.readouterr().out
    assert result.passed == 0


def test_recording_never_makes_a_check_fail(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(PROGRESS_ENV_VAR, str(blocker / "progress.jsonl"))  # its parent is a file
    assert lesson01.q1.check(255).ok
    assert record("helpers.exercises.lesson01", "q1", "passed") is False


def test_json_lines_are_appended_whole_into_a_folder_made_for_them(tmp_path):
    target = tmp_path / "new" / "folder" / "log.jsonl"
    assert append_json_line(target, {"a": 1}) is True
    assert append_json_line(target, {"b": "é"}) is True
    assert [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()] == [{"a": 1}, {"b": "é"}]
    assert append_json_line(tmp_path, {"a": 1}) is False  # a folder: never raises, says it did not write
    assert append_json_line(tmp_path / "x.jsonl", {"not json": object()}) is False
    assert not (tmp_path / "x.jsonl").exists()


def test_unreadable_lines_are_skipped(log):
    record("helpers.exercises.lesson01", "q1", "passed")
    with open(log, "a", encoding="utf-8") as fh:
        fh.write('{"lesson": "01", "exercise": "q2", "stat')  # cut short by a crash
        fh.write("\n[1, 2]\n{\"lesson\": \"01\", \"exercise\": \"q3\", \"status\": \"excellent\"}\n")
    record("helpers.exercises.lesson01", "q4", "failed")
    assert best_results(log) == {("01", "q1"): ("passed", 1), ("01", "q4"): ("failed", 1)}


def test_nothing_is_recorded_for_checks_outside_a_lesson(log):
    assert record("__main__", "q1", "passed") is False
    assert record("helpers.exercises.lesson01", "q1", "great") is False
    assert not log.exists()


def test_two_processes_writing_at_once_lose_nothing(log):
    script = ("import sys\nfrom helpers.exercises.progress import record\n"
              "for k in range(300):\n    record('helpers.exercises.lesson%s' % sys.argv[1], 'q%d' % k, 'passed')\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, lesson]) for lesson in ("02", "03")]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    lines = log.read_text().splitlines()
    assert len(lines) == 600
    assert all(json.loads(line)["status"] == "passed" for line in lines)
    best = best_results(log)
    assert len(best) == 600 and best[("02", "q299")] == ("passed", 1)
