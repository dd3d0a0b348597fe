"""Is an answer still the exercise template? Then it counts as "not attempted".

Templates: ``...``, ``None``, a function whose body is only ``...``, ``pass``, a
docstring or ``raise NotImplementedError``, a notebook class whose method still holds
its placeholder.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from typing import Any

import numpy as np


def _trivial_stmt(node: ast.stmt) -> bool:
    """True for `...`, `pass`, a bare string (docstring), `raise NotImplementedError[...]`."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return node.value.value is Ellipsis or isinstance(node.value.value, str)
    if isinstance(node, ast.Raise) and node.exc is not None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    if isinstance(node, ast.Return):
        return node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is Ellipsis)
    return False


def _template_codes() -> list[tuple[bytes, tuple]]:
    src = textwrap.dedent(
        """
        def a(): ...
        def b(): pass
        def c():
            "doc"
        def d(): raise NotImplementedError
        def e(): raise NotImplementedError()
        """
    )
    ns: dict[str, Any] = {}
    exec(compile(src, "<templates>", "exec"), ns)
    return [(ns[k].__code__.co_code, ns[k].__code__.co_names) for k in "abcde"]


_TEMPLATE_CODES = _template_codes()


def _is_placeholder(node: ast.stmt) -> bool:
    """True for `...` or `raise NotImplementedError[...]` (what a template method holds)."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return node.value.value is Ellipsis
    return isinstance(node, ast.Raise) and _trivial_stmt(node)


def _function_is_template(fn: types.FunctionType, *, strict: bool = False) -> bool:
    """True when fn's body is only trivial statements.

    strict: also require a `...` or `raise NotImplementedError` placeholder, so a
    deliberately empty method (`pass`, a docstring) is not mistaken for a template.
    """
    code = fn.__code__
    if fn.__name__ == "<lambda>":
        return code.co_consts[-1:] == (Ellipsis,) and len(code.co_code) <= 8 and not code.co_names
    # Without source, bytecode cannot tell `...` from `pass`: both count.
    codes = _TEMPLATE_CODES
    try:
        src = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(src)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return any(code.co_code == c and code.co_names == n for c, n in codes)
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return any(code.co_code == c and code.co_names == n for c, n in codes)
    trivial = all(_trivial_stmt(s) for s in node.body)
    return trivial and (not strict or any(_is_placeholder(s) for s in node.body))


def _class_is_template(cls: type) -> bool:
    """A class with a method still holding its `...` / NotImplementedError placeholder."""
    own = [v for k, v in vars(cls).items() if isinstance(v, types.FunctionType)]
    return any(_function_is_template(f, strict=True) for f in own)


def is_template(answer: Any) -> bool:
    """True when ``answer`` is still the exercise template, so it counts as not attempted.

    Templates: ``...`` (Ellipsis), ``None``, a function whose body is only ``...``,
    ``pass``, a docstring or ``raise NotImplementedError``; a class defined in the
    notebook (or an instance of one) with a method whose body is still ``...`` or
    ``raise NotImplementedError``; a tuple or list whose every item is a template.
    """
    if answer is Ellipsis or answer is None:
        return True
    if isinstance(answer, (types.FunctionType,)):
        return _function_is_template(answer)
    if isinstance(answer, types.MethodType):
        return _function_is_template(answer.__func__)  # type: ignore[arg-type]
    if isinstance(answer, type):
        return answer.__module__ == "__main__" and _class_is_template(answer)
    if isinstance(answer, (tuple, list)) and type(answer) in (tuple, list) and len(answer) > 0:
        return all(is_template(a) for a in answer)
    cls = type(answer)
    if cls.__module__ == "__main__" and not isinstance(answer, (np.ndarray, np.generic)):
        return _class_is_template(cls)
    return False


def _any_template(answer: Any) -> bool:
    return isinstance(answer, tuple) and type(answer) is tuple and any(is_template(a) for a in answer)
