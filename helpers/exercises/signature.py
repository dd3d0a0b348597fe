"""The one way an exercise says "this answer must be a function of these arguments".

An exercise declares ``signature="one_hot(labels, num_classes)"``;
:meth:`~helpers.exercises.core.Exercise.evaluate` then checks, before its checker runs,
that the student's answer is a function that can be called the way the lesson says:
with the required arguments, and with every optional one (``stride=1``) too. Only the
number of arguments is checked, never their names: a student may call them what they
like. Builtins whose signature Python cannot read pass unchecked.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any

from helpers.exercises.result import _describe

_SIGNATURE = re.compile(r"\s*([A-Za-z_]\w*)\s*\((.*)\)\s*")
_PARAMETER = re.compile(r"([A-Za-z_]\w*)(\s*=\s*\S.*)?")


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
        match = _SIGNATURE.fullmatch(text)
        if match is None:
            raise ValueError(f"signature: expected 'name(arg, ...)', got {text!r}")
        name, inside = match.groups()
        required: list[str] = []
        optional: list[str] = []
        for part in (p.strip() for p in inside.split(",")) if inside.strip() else ():
            parameter = _PARAMETER.fullmatch(part)
            if parameter is None:
                raise ValueError(f"signature: expected each argument to be a name or name=default, got {part!r} in {text!r}")
            if parameter.group(2) is None:
                if optional:
                    raise ValueError(f"signature: a required argument follows an optional one in {text!r}")
                required.append(parameter.group(1))
            else:
                optional.append(parameter.group(1))
        return cls(name, tuple(required), tuple(optional), f"{name}({inside.strip()})")

    def problem(self, answer: Any) -> str | None:
        """Why ``answer`` cannot be called as this signature says, or None when it can."""
        if not callable(answer):
            return f"`{self.name}` should be a function you call as `{self.text}`, got {_describe(answer)}."
        try:
            theirs = inspect.signature(answer)
        except (TypeError, ValueError):  # a builtin without a readable signature: let the checker call it
            return None
        for count in (len(self.required), len(self.required) + len(self.optional)):
            try:
                theirs.bind(*range(count))
            except TypeError:
                return (f"`{self.name}` should be callable as `{self.text}`, with {self._counts()}; "
                        f"yours is `{self.name}{_shown(theirs)}`.")
        return None

    def _counts(self) -> str:
        low, high = len(self.required), len(self.required) + len(self.optional)
        if high == 0:
            return "no arguments"
        counts = f"{low} or {high}" if high > low else f"{low}"
        return f"{counts} argument{'s' if high > 1 else ''}"


def _shown(signature: inspect.Signature) -> str:
    return "(" + ", ".join(str(p.replace(annotation=inspect.Parameter.empty)) for p in signature.parameters.values()) + ")"
