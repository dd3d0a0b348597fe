"""The one way an exercise says "this answer must be a function of these arguments".

An exercise declares ``signature="my_conv2d(image, kernel, stride=1, padding=0)"``;
:meth:`~helpers.exercises.core.Exercise.evaluate` then checks, before its checker runs,
that the student's answer is a function that can be called the way the checker calls it:
the required arguments by position (their names are the student's to choose), and every
optional one by its name (``stride=2``), as the lesson writes it. Builtins whose signature
Python cannot read pass unchecked.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from typing import Any

from helpers.exercises.result import _describe


@dataclass(frozen=True)
class Signature:
    """``name(required..., optional=default...)``, parsed from the text an exercise declares."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    text: str

    @classmethod
    def parse(cls, text: str) -> Signature:
        if not isinstance(text, str):
            raise TypeError(f"signature: expected a str such as 'one_hot(labels, num_classes)', got {type(text).__name__}")
        try:
            tree = ast.parse(f"def {text.strip()}: pass")
        except SyntaxError:
            raise ValueError(f"signature: expected 'name(arg, ..., optional=default, ...)', got {text!r}") from None
        function = tree.body[0]
        if not isinstance(function, ast.FunctionDef) or len(tree.body) != 1:
            raise ValueError(f"signature: expected one 'name(arg, ...)', got {text!r}")
        args = function.args
        if args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg:
            raise ValueError(f"signature: expected plain arguments (no /, *, *args or **kwargs), got {text!r}")
        names = [a.arg for a in args.args]
        cut = len(names) - len(args.defaults)
        return cls(function.name, tuple(names[:cut]), tuple(names[cut:]), f"{function.name}({ast.unparse(args)})")

    def problem(self, answer: Any) -> str | None:
        """Why ``answer`` cannot be called as this signature says, or None when it can."""
        if not callable(answer):
            return f"`{self.name}` should be a function you call as `{self.text}`, got {_describe(answer)}."
        try:
            theirs = inspect.signature(answer)
        except (TypeError, ValueError):  # a builtin without a readable signature: let the checker call it
            return None
        positional = range(len(self.required))
        for keywords in ({}, dict.fromkeys(self.optional, 0)):
            try:
                theirs.bind(*positional, **keywords)
            except TypeError:
                return (f"`{self.name}` should be callable as `{self.text}`, with {self._how()}; "
                        f"yours is `{self.name}{_shown(theirs)}`.")
        return None

    def _how(self) -> str:
        n = len(self.required)
        required = "no arguments" if n == 0 else f"{n} argument{'s' if n > 1 else ''}"
        if not self.optional:
            return required
        return f"{required}, and {' and '.join(f'`{o}=`' for o in self.optional)} by name too"


def _shown(signature: inspect.Signature) -> str:
    """The student's signature as they wrote it (with its / and * markers), without annotations."""
    bare = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=bare, return_annotation=inspect.Signature.empty))
