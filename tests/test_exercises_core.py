"""Tests for helpers.exercises.core and its display layer."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
import torch

from helpers.exercises import core, display, render
from helpers.exercises.core import (
    Case,
    Exercise,
    Failed,
    Result,
    assert_failed,
    assert_passed,
    assert_unattempted,
    check_array,
    check_choice,
    check_function,
    check_scalar,
    check_shape,
    failed,
    is_template,
    list_exercises,
    passed,
    require,
    reveal_all,
    unattempted,
)


@pytest.fixture(autouse=True)
def _no_reveal(monkeypatch):
    monkeypatch.delenv(core.REVEAL_ENV_VAR, raising=False)
    monkeypatch.delenv(core.CHECK_LOG_ENV_VAR, raising=False)
    reveal_all(None)
    yield
    reveal_all(None)


def make_exercise(checker=None, **kw) -> Exercise:
    checker = checker or (lambda a: check_scalar(a, 3))
    args = dict(name="q1", title="Three", checker=checker, hints=["gentle", "explicit"],
                solution="x = 3", answer_names=["x"])
    args.update(kw)
    return Exercise(**args)


# --- Result ----------------------------------------------------------------


def test_result_constructors_and_text():
    assert passed("fine").status == "passed" and passed("fine").ok
    assert failed("no").status == "failed" and not failed("no").ok
    assert unattempted().status == "unattempted"
    assert passed("fine").text() == "✓ Correct: fine"
    assert failed("no", "row 2").text() == "✗ Not yet: no\n  row 2"
    assert unattempted("todo").text() == "○ Not attempted: todo"


def test_result_rejects_bad_status_and_message():
    with pytest.raises(ValueError, match="status"):
        Result("maybe", "x")
    with pytest.raises(TypeError, match="message"):
        Result("passed", 3)


def test_result_html_escapes_and_renders_code():
    h = render.result_html(failed("use `a<b` & <script>"))
    assert "<code>a&lt;b</code>" in h and "&lt;script&gt;" in h and "<script>" not in h
    assert "cnn-check-failed" in h and "Not yet" in h


# --- Template detection ------------------------------------------------------


def _src_fn(src: str):
    """Define a function from source the way a notebook cell would (source findable)."""
    ns: dict = {}
    exec(compile(textwrap.dedent(src), "<cell>", "exec"), ns)
    return [v for k, v in ns.items() if callable(v) and not k.startswith("__")][0]


def f_ellipsis(x):
    ...


def f_pass(x):
    pass


def f_doc_raise(x):
    """Return twice x."""
    raise NotImplementedError("your code here")


def f_doc_only(x):
    """Return twice x."""


def f_real(x):
    """Return twice x."""
    return 2 * x


def f_raises_other(x):
    raise ValueError("x must be positive")


@pytest.mark.parametrize("answer", [..., None, f_ellipsis, f_pass, f_doc_raise, f_doc_only,
                                    lambda x: ..., (..., ...), [None, ...]])
def test_templates_are_detected(answer):
    assert is_template(answer)


@pytest.mark.parametrize("answer", [0, 0.0, "", [], (), f_real, f_raises_other, lambda x: x,
                                    np.zeros(3), torch.zeros(2), (1, ...), False])
def test_real_answers_are_not_templates(answer):
    assert not is_template(answer)


def test_template_detection_without_source_uses_bytecode():
    # exec'd code has no source file: fall back to comparing bytecode
    assert is_template(_src_fn("def g(x):\n    ...\n"))
    assert is_template(_src_fn("def g(x):\n    raise NotImplementedError\n"))
    assert not is_template(_src_fn("def g(x):\n    return x + 1\n"))


def exec_like_a_cell(src: str, ns: dict) -> None:
    """Run code the way IPython runs a cell: its source stays findable through linecache."""
    import linecache

    filename = f"<cell-{abs(hash(src))}>"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    exec(compile(src, filename, "exec"), ns)


def test_template_class_and_instance_defined_in_notebook():
    ns: dict = {"__name__": "__main__"}
    exec_like_a_cell("class Net:\n    def __init__(self):\n        self.a = 1\n    def forward(self, x):\n        ...\n"
         "class Done:\n    def forward(self, x):\n        return x\n", ns)
    assert is_template(ns["Net"]) and is_template(ns["Net"]())
    assert not is_template(ns["Done"]) and not is_template(ns["Done"]())
    # a deliberately empty method is not a template, a placeholder is
    exec_like_a_cell("class Quiet:\n    def reset(self):\n        pass\n    def forward(self, x):\n        return x\n"
         "class Todo:\n    def forward(self, x):\n        raise NotImplementedError\n", ns)
    assert not is_template(ns["Quiet"]) and not is_template(ns["Quiet"]())
    assert is_template(ns["Todo"])


# --- check_scalar ------------------------------------------------------------


@pytest.mark.parametrize("answer", [3, 3.0, np.int64(3), np.float32(3), np.array(3), torch.tensor(3), np.array([3])])
def test_check_scalar_accepts_number_like(answer):
    assert check_scalar(answer, 3).ok


@pytest.mark.parametrize("answer, match", [
    ("3", "without quotes"),
    (True, "should be a number"),
    (np.array([3, 4]), "Reduce it to one number"),
    (4, "Off by one"),
    (765, "255 times"),
    (-3, "sign"),
    (float("nan"), "division by zero"),
    (3.5, "whole number"),
])
def test_check_scalar_names_mistakes(answer, match):
    r = check_scalar(answer, 3)
    assert r.status == "failed"
    assert match in r.message


def test_check_scalar_tolerance():
    assert check_scalar(0.1 + 0.2, 0.3).ok
    assert check_scalar(0.301, 0.3, rtol=0.01).ok
    assert not check_scalar(0.31, 0.3, rtol=0.01).ok
    assert check_scalar(0.5, 50.0).message.endswith("give a percentage (0..100).")
    with np.errstate(over="ignore"):
        assert "wrapped around" in check_scalar(np.uint8(200) + np.uint8(100), 300).message
        assert "wrapped around" in check_scalar(np.uint8(10) - np.uint8(20), -10).message


# --- check_shape -------------------------------------------------------------


def test_check_shape():
    assert check_shape((3, 28, 28), (3, 28, 28)).ok
    assert check_shape(torch.Size([3, 28, 28]), (3, 28, 28)).ok
    assert check_shape([3, 28, 28], (3, 28, 28)).ok
    assert "transposed" in check_shape((28, 28, 3), (3, 28, 28)).message
    assert "wrong order" in check_shape((28, 3, 28), (3, 28, 28)).message
    assert "missing" in check_shape((28, 28), (1, 28, 28)).message
    assert "extra axis" in check_shape((1, 1, 28, 28), (1, 28, 28)).message
    assert "Off by one along axis 1, 2" in check_shape((3, 27, 27), (3, 28, 28)).message
    assert ".shape" in check_shape(np.zeros((3, 28, 28)), (3, 28, 28)).message
    assert "tuple of whole numbers" in check_shape("3x28x28", (3, 28, 28)).message
    assert "Expected 2 axes" in check_shape((5, 6, 7), (5, 6)).message


# --- check_array -------------------------------------------------------------

E = np.arange(1.0, 13.0).reshape(3, 4)


def test_check_array_passes_within_tolerance():
    assert check_array(E + 1e-9, E).ok
    assert check_array(E.astype(np.float32), E).ok
    assert check_array(torch.tensor(E), torch.tensor(E)).ok
    assert check_array(torch.tensor(E), E, kind="any").ok


@pytest.mark.parametrize("answer, match", [
    (E.T, "transposed"),
    (E + 0.5, "off by the same amount \\(0.5\\)"),
    (E * 255, "255 times"),
    (-E, "wrong sign"),
    (E[::-1, ::-1], "flipped"),
    (E.tolist(), "np.array"),
    (7, "should be a numpy array"),
    (torch.tensor(E), "numpy"),
    (E[None], "extra axis"),
    (np.where(E > 5, np.nan, E), "NaN"),
    (E.ravel()[::-1].reshape(3, 4) + 0, "wrong places|flipped"),
    (E.astype(str), "hold numbers"),
])
def test_check_array_names_mistakes(answer, match):
    r = check_array(answer, E, name="out")
    assert r.status == "failed", r
    assert __import__("re").search(match, r.message), r.message


def test_check_array_square_transpose_and_details():
    sq = np.arange(9.0).reshape(3, 3)
    assert "transposed" in check_array(sq.T, sq).message
    bad = sq.copy()
    bad[1, 2] = 100
    r = check_array(bad, sq)
    assert r.message.startswith("`answer` has 1 of 9 values")
    assert r.details == "First difference at index (1, 2): expected 5, got 100. Largest difference: 95."


def test_check_array_uint8_wraparound():
    img = np.array([[10, 200], [0, 255]], dtype=np.uint8)
    expected = img.astype(np.int16) - 20
    r = check_array(img - np.uint8(20), expected)
    assert "wrapped around" in r.message
    r2 = check_array(np.clip(img, 20, 255).astype(np.uint8), expected)
    assert "cannot hold" in r2.message


def test_check_array_integer_truncation_and_dtype():
    x = np.array([0, 51, 255])
    assert "fractions were cut off" in check_array(x // 255, x / 255).message
    assert "dtype float32" in check_array(x.astype(np.float64), x.astype(np.float32), check_dtype=True).message


def test_check_array_torch_kind():
    t = torch.arange(4.0)
    assert "torch.from_numpy" in check_array(t.numpy(), t).message
    assert check_array(t.clone(), t).ok
    with pytest.raises(ValueError, match="kind"):
        check_array(t, t, kind="jax")


# --- check_function ----------------------------------------------------------


def test_check_function():
    cases = [((np.array([1.0, 2.0]),), np.array([2.0, 4.0])), Case((3,), 6, label="double(3)")]
    assert check_function(f_real, cases).ok
    r = check_function(lambda x: x * 3, cases, name="double")
    assert r.status == "failed" and r.message.startswith("Case 1, double(numpy.ndarray of shape (2,)")
    r = check_function(f_raises_other, cases)
    assert "raised ValueError: x must be positive" in r.message
    assert check_function(f_ellipsis, cases).status == "unattempted"
    assert check_function(f_doc_raise, cases).status == "unattempted"
    assert "not a function" not in check_function(5, cases).message
    assert "should be a function" in check_function(5, cases).message

    def no_return(x):
        y = 2 * x  # noqa: F841

    assert "forget `return`" in check_function(no_return, cases).message
    with pytest.raises(ValueError, match="cases"):
        check_function(f_real, [])


def test_check_function_protects_inputs_from_mutation():
    arr = np.array([1.0, 2.0])

    def mutating(x):
        x *= 2
        return x

    assert check_function(mutating, [((arr,), np.array([2.0, 4.0]))]).ok
    assert arr.tolist() == [1.0, 2.0]


def test_check_choice():
    assert check_choice(" B ", "b", ["a", "b"]).ok
    r = check_choice("a", "b", ["a", "b"], explanations={"a": "A is for apples."})
    assert r.status == "failed" and "A is for apples." in r.message
    assert "one of" in check_choice("c", "b", ["a", "b"]).message
    assert "a string" in check_choice(1, "b", ["a", "b"]).message
    with pytest.raises(ValueError, match="expected"):
        check_choice("a", "z", ["a", "b"])


# --- Exercise ----------------------------------------------------------------


def test_exercise_evaluate_statuses():
    ex = make_exercise()
    assert_passed(ex, 3)
    assert_failed(ex, 4, match="Off by one")
    assert_unattempted(ex, ...)
    assert_unattempted(ex, None)


def test_evaluate_never_raises():
    def crashing(answer):
        return answer.no_such_attribute

    ex = make_exercise(checker=crashing)
    r = assert_failed(ex, 5, match="AttributeError")
    assert "int 5" in r.message


def test_checker_may_raise_failed_or_use_require():
    def chk(answer):
        require(check_shape(answer.shape, (2,), name="a.shape"))
        if answer.sum() != 3:
            raise Failed("the sum should be 3", "details here")
        return passed("good")

    ex = make_exercise(checker=chk)
    assert_passed(ex, np.array([1, 2]))
    r = assert_failed(ex, np.array([1, 1]), match="sum should be 3")
    assert r.details == "details here"
    assert_failed(ex, np.array([1, 1, 1]), match="should be \\(2,\\)")


def test_checker_returning_non_result_is_reported():
    ex = make_exercise(checker=lambda a: True)
    assert_failed(ex, 1, match="course bug")


def test_partial_tuple_answer_is_unattempted():
    ex = make_exercise(checker=lambda ab: check_scalar(ab[0] + ab[1], 3))
    assert_unattempted(ex, (1, ...))
    assert_passed(ex, (1, 2))
    # several answers are packed like ex.check(a, b) packs them
    assert_passed(ex, 1, 2)
    assert_failed(ex, 1, 1, match="should be 3")
    assert_unattempted(ex, ..., 2)
    with pytest.raises(TypeError, match="give the answer"):
        assert_passed(ex)


def test_exercise_validates_arguments():
    with pytest.raises(ValueError, match="name"):
        make_exercise(name="q 1")
    with pytest.raises(ValueError, match="hints"):
        make_exercise(hints=[])
    with pytest.raises(ValueError, match="hints"):
        make_exercise(hints="one string")
    with pytest.raises(TypeError, match="checker"):
        make_exercise(checker=3)
    with pytest.raises(ValueError, match="does not define \\['x'\\]"):
        make_exercise(solution="y = 3")
    with pytest.raises(ValueError, match="not valid Python"):
        make_exercise(solution="x = = 3")
    with pytest.raises(ValueError, match="answer_names"):
        make_exercise(answer_names="x")
    with pytest.raises(ValueError, match="kind"):
        make_exercise(kind="essay")
    # functions, classes and imports count as defined names
    make_exercise(solution="def x(a):\n    return a", answer_names=["x"])
    make_exercise(solution="import numpy as x", answer_names=["x"])


def test_check_prints_plain_text_outside_ipython(capsys):
    ex = make_exercise()
    r = ex.check(4)
    out = capsys.readouterr().out
    assert out == "✗ Not yet (q1): `answer` should be 3, got 4. Off by one: count again from the start and the end.\n"
    assert r.status == "failed" and isinstance(r, Result)
    ex.check(1, 2)  # several answers become a tuple
    assert "should be a number, got tuple" in capsys.readouterr().out
    with pytest.raises(TypeError, match="needs your answer"):
        ex.check()


def test_hints_advance_and_stop(capsys):
    ex = make_exercise()
    ex.hint()
    ex.hint()
    ex.hint()
    ex.hint(1)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Hint 1 of 2 (q1): gentle"
    assert lines[1].startswith("Hint 2 of 2 (q1): explicit (that was the last hint")
    assert lines[2] == lines[1]
    assert lines[3] == "Hint 1 of 2 (q1): gentle"
    with pytest.raises(ValueError, match="between 1 and 2"):
        ex.hint(3)
    with pytest.raises(TypeError, match="int"):
        ex.hint_text("1")


def test_solution_display(capsys):
    ex = make_exercise()
    ex.solution()
    assert capsys.readouterr().out == "Solution (q1):\nx = 3\n"


def test_reveal_all_and_env_var(capsys, monkeypatch):
    ex = make_exercise()
    ex.check(3)
    assert "Solution" not in capsys.readouterr().out
    reveal_all()
    assert core.is_revealed()
    ex.check(4)
    assert "Solution, shown because instructor mode is on (q1):\nx = 3" in capsys.readouterr().out
    reveal_all(False)
    monkeypatch.setenv(core.REVEAL_ENV_VAR, "1")
    assert not core.is_revealed()  # an explicit switch wins over the environment
    reveal_all(None)
    assert core.is_revealed()
    ex.check(...)
    assert "Solution, shown" in capsys.readouterr().out
    monkeypatch.setenv(core.REVEAL_ENV_VAR, "0")
    assert not core.is_revealed()
    with pytest.raises(TypeError, match="on must be"):
        reveal_all("yes")


def test_check_log(tmp_path, monkeypatch, capsys):
    log = tmp_path / "checks.jsonl"
    monkeypatch.setenv(core.CHECK_LOG_ENV_VAR, str(log))
    ex = make_exercise()
    ex.check(3)
    ex.check(...)
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["status"] for r in rows] == ["passed", "unattempted"]
    assert rows[0]["exercise"] == "q1" and rows[0]["module"] == __name__


def test_list_exercises():
    import types

    mod = types.ModuleType("m")
    mod.q1 = make_exercise()
    mod.q2 = make_exercise(name="q2")
    mod.other = 3
    assert [e.name for e in list_exercises(mod)] == ["q1", "q2"]


def test_assert_hooks_fail_loudly():
    ex = make_exercise()
    with pytest.raises(AssertionError, match="expected passed"):
        assert_passed(ex, 4)
    with pytest.raises(AssertionError, match="expected failed"):
        assert_failed(ex, 3)
    with pytest.raises(AssertionError, match="does not match"):
        assert_failed(ex, 4, match="transposed")
    with pytest.raises(AssertionError, match="expected unattempted"):
        assert_unattempted(ex, 3)


# --- Display inside IPython --------------------------------------------------


def test_display_in_ipython_shows_once_and_is_deterministic(monkeypatch):
    class FakeShell:
        execution_count = 7

    shell = FakeShell()
    captured = []
    monkeypatch.setattr(display, "_ipython", lambda: shell)
    monkeypatch.setattr(display, "display", lambda obj, raw=False, **kw: captured.append((obj, raw)))
    ex = make_exercise()
    r = ex.check(4)
    assert len(captured) == 1
    bundle, raw = captured[0]
    assert raw is True
    assert bundle["text/plain"].startswith("✗ Not yet (q1):")
    assert "cnn-check-failed" in bundle["text/html"] and "0x" not in bundle["text/html"]
    assert ex.check(4)._repr_html_() == bundle["text/html"]  # deterministic
    r._ipython_display_()  # same cell: already shown, not shown again
    assert len(captured) == 2
    shell.execution_count += 1
    r._ipython_display_()  # a later cell: shown again
    assert len(captured) == 3 and captured[2][0] == bundle


def test_as_number():
    from helpers.exercises.core import as_number

    assert as_number(3) == 3 and as_number(np.uint8(255)) == 255 and as_number(np.array([2.5])) == 2.5
    assert as_number(torch.tensor(4)) == 4
    assert as_number(np.zeros(3)) is None and as_number("3") is None and as_number(True) is None


# ---------------------------------------------------------------------------- running student code safely


def _fn_exercise(**kw):
    from helpers.exercises.core import Exercise, check_function

    return Exercise("q1", "t", lambda f: check_function(f, [((1,), 1)]), ["h"], "f = 1", ["f"], **kw)


def test_a_student_function_that_never_returns_fails_after_the_time_limit():
    import time as _time

    ex = _fn_exercise(time_limit=0.5)

    def forever(x):
        while True:
            pass

    start = _time.perf_counter()
    r = ex.evaluate(forever)
    assert r.status == "failed" and "longer than 0.5 s" in r.message and "loop that never ends" in r.message
    assert _time.perf_counter() - start < 5
    assert ex.evaluate(lambda x: x).status == "passed"
    _time.sleep(0.7)  # a finished check leaves no timeout behind to land later


def test_exit_in_student_code_fails_the_check_and_stop_propagates():
    import sys as _sys

    ex = _fn_exercise()
    r = ex.evaluate(lambda x: _sys.exit(0))
    assert r.status == "failed" and "exit()" in r.message

    def pressed_stop(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ex.evaluate(pressed_stop)


def test_an_unwritable_check_log_never_makes_check_fail(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_COURSE_CHECK_LOG", str(tmp_path))  # a folder: cannot be appended to
    ex = _fn_exercise()
    assert ex.check(lambda x: x).status == "passed"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("answer", [float("nan"), np.float32("nan"), np.array([1.0, np.nan]), [0.5, float("nan")]])
def test_nan_never_passes(answer):
    from helpers.exercises.core import Exercise, passed

    ex = Exercise("q1", "t", lambda a: passed(), ["h"], "a = 1", ["a"])  # a checker that would accept anything
    assert ex.evaluate(answer).status == "failed"


@pytest.mark.parametrize("answer", [192, np.int64(192), np.int32(192), np.float32(192.0), 192.0,
                                    np.array(192), "torch0d"])
def test_as_count_accepts_numpy_and_torch_whole_numbers(answer):
    import torch

    from helpers.exercises.core import as_count

    if answer == "torch0d":
        answer = torch.tensor(192)
    assert as_count(answer) == 192 and type(as_count(answer)) is int


@pytest.mark.parametrize("answer", [True, 191.5, float("nan"), float("inf"), "192", np.arange(2), None])
def test_as_count_rejects_what_is_not_a_whole_number(answer):
    from helpers.exercises.core import as_count

    assert as_count(answer) is None
