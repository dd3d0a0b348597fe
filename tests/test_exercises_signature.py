"""Exercise(signature=...): the one way to say "this answer must be a function of these arguments"."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import numpy as np
import pytest

from helpers.exercises.core import Exercise, list_exercises, passed
from helpers.exercises.signature import Signature

LESSON_MODULES = sorted(Path("helpers/exercises").glob("lesson*.py"))


def test_parse_reads_required_and_optional_arguments():
    s = Signature.parse(" my_conv2d(image, kernel, stride=1, padding=0) ")
    assert (s.name, s.required, s.optional) == ("my_conv2d", ("image", "kernel"), ("stride", "padding"))
    assert s.text == "my_conv2d(image, kernel, stride=1, padding=0)"
    tuple_default = Signature.parse("pool(x, size=(2, 2))")
    assert tuple_default.optional == ("size",) and tuple_default.text == "pool(x, size=(2, 2))"
    none = Signature.parse("build_model()")
    assert (none.name, none.required, none.optional) == ("build_model", (), ())


@pytest.mark.parametrize(("text", "message"), [
    ("one_hot", r"expected 'name\(arg, \.\.\., optional=default, \.\.\.\)', got 'one_hot'"),
    ("one_hot(labels,, k)", r"got 'one_hot\(labels,, k\)'"),
    ("f(a=1, b)", r"got 'f\(a=1, b\)'"),
    ("f(3)", r"got 'f\(3\)'"),
    ("f(a, b=1 2)", r"got 'f\(a, b=1 2\)'"),
    ("f(a, *, b=1)", r"plain arguments \(no /, \*, \*args or \*\*kwargs\)"),
    ("f(*args)", "plain arguments"),
])
def test_parse_refuses_what_is_not_a_signature(text, message):
    with pytest.raises(ValueError, match=message):
        Signature.parse(text)


def test_parse_refuses_a_signature_that_is_not_text():
    with pytest.raises(TypeError, match="signature: expected a str .* got tuple"):
        Signature.parse(("f", "x"))


def test_a_function_that_can_be_called_that_way_has_no_problem():
    s = Signature.parse("pixel_count(height, width, channels=1)")

    def exact(height, width, channels=1):
        return height * width * channels

    def other_names(h, w, channels=1):
        return h * w * channels

    def keyword_only(height, width, *, channels=1):
        return height * width * channels

    def star(*args, **kwargs):
        return args

    assert s.problem(exact) is None
    assert s.problem(other_names) is None  # the required ones are called by position: any names
    assert s.problem(keyword_only) is None  # the optional ones are called by name
    assert s.problem(star) is None
    assert s.problem(lambda h, w, channels=3, extra=None: 0) is None
    assert s.problem(max) is None  # a builtin whose signature Python cannot read: the checker decides


@pytest.mark.parametrize(("answer", "message"), [
    (3, r"`pixel_count` should be a function you call as `pixel_count\(height, width, channels=1\)`, got int 3\."),
    (lambda height, width: 0, r"with 2 arguments, and `channels=` by name too; yours is `pixel_count\(height, width\)`"),
    (lambda h, w, c=1: 0, r"yours is `pixel_count\(h, w, c=1\)`"),  # called with channels=3, it cannot work
    (lambda height, width, channels: 0, r"yours is `pixel_count\(height, width, channels\)`"),
    (lambda height: 0, r"yours is `pixel_count\(height\)`"),
])
def test_a_function_that_cannot_be_called_that_way_is_named_with_both_signatures(answer, message):
    problem = Signature.parse("pixel_count(height, width, channels=1)").problem(answer)
    assert problem is not None and re.search(message, problem), problem


def test_no_arguments_is_said_in_words():
    problem = Signature.parse("build_model()").problem(lambda size: None)
    assert problem == "`build_model` should be callable as `build_model()`, with no arguments; yours is `build_model(size)`."


def test_annotations_are_left_out_of_the_students_signature():
    def softmax(z: np.ndarray, axis: int = -1, extra: int = 0) -> np.ndarray:
        return z

    problem = Signature.parse("softmax()").problem(softmax)
    assert problem is not None and "yours is `softmax(z, axis=-1, extra=0)`" in problem


def test_the_students_signature_keeps_its_markers():
    def my_conv2d(image, kernel, /, *, stride=1):
        return image

    problem = Signature.parse("my_conv2d(image, kernel, stride=1, padding=0)").problem(my_conv2d)
    assert problem == ("`my_conv2d` should be callable as `my_conv2d(image, kernel, stride=1, padding=0)`, with "
                       "2 arguments, and `stride=` and `padding=` by name too; yours is `my_conv2d(image, kernel, /, *, stride=1)`.")


def _exercise(**kwargs):
    calls = []

    def checker(answer):
        calls.append(answer)
        return passed("ok")

    options = dict(name="qx", title="t", checker=checker, hints=["h"], solution="def f(x):\n    return x",
                   answer_names=["f"], signature="f(x)")
    options.update(kwargs)
    return Exercise(**options), calls


def test_evaluate_fails_before_the_checker_runs():
    ex, calls = _exercise()
    result = ex.evaluate(lambda a, b: a)
    assert result.status == "failed" and "yours is `f(a, b)`" in result.message
    assert ex.evaluate("f").status == "failed"
    assert calls == []
    assert ex.evaluate(lambda a: a).status == "passed" and len(calls) == 1


def test_evaluate_still_calls_a_template_unattempted():
    ex, calls = _exercise()

    def f(x):
        ...

    assert ex.evaluate(f).status == "unattempted" and calls == []


def test_with_several_answers_the_signature_names_its_part():
    ex, calls = _exercise(solution="def build_model():\n    return 1\nsettings = {}",
                          answer_names=["build_model", "settings"], signature="build_model()")
    result = ex.evaluate(({"epochs": 1}, lambda: 1))  # the two parts swapped
    assert result.status == "failed" and "`build_model` should be a function" in result.message
    assert ex.evaluate((lambda: 1, {"epochs": 1})).status == "passed"
    # A wrong number of parts is the checker's to explain.
    assert ex.evaluate((lambda: 1,)).status == "passed" and len(calls) == 2


def test_the_signature_must_name_an_answer():
    with pytest.raises(ValueError, match=r"signature: expected a function named in answer_names \['f'\], got 'g'"):
        _exercise(signature="g(x)")


def _solution_functions(ex: Exercise) -> dict[str, str]:
    """The answer functions the solution defines, as ``name(args)`` written there."""
    found = {}
    for node in ast.parse(ex.solution_code).body:
        if isinstance(node, ast.FunctionDef) and node.name in ex.answer_names:
            found[node.name] = f"{node.name}({ast.unparse(node.args)})"
    return found


@pytest.mark.parametrize("path", LESSON_MODULES, ids=lambda p: p.stem)
def test_every_function_answer_declares_the_signature_its_solution_has(path):
    module = importlib.import_module(f"helpers.exercises.{path.stem}")
    for ex in list_exercises(module):
        functions = _solution_functions(ex)
        if not functions:
            assert ex.signature is None, f"{path.stem}.{ex.name}: a signature, but the solution defines no function"
            continue
        assert ex.signature is not None, f"{path.stem}.{ex.name}: the answer is a function; declare signature="
        assert functions.get(ex.signature.name) == ex.signature.text, (
            f"{path.stem}.{ex.name}: signature {ex.signature.text!r}, solution {functions}")


@pytest.mark.parametrize("path", LESSON_MODULES, ids=lambda p: p.stem)
def test_no_checker_asks_callable_by_hand(path):
    assert "callable(" not in path.read_text(encoding="utf-8"), (
        f"{path}: say that an answer is a function with Exercise(signature=...), not by hand")
