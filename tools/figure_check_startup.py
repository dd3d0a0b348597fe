# Run by a lesson's kernel as its PYTHONSTARTUP file when `make test-notebooks` checks figures.
# Loads tools/figure_check.py beside it and installs the check (see that file), leaving no
# name behind in the lesson's namespace (not even a docstring), so a lesson runs exactly as
# it does for a student.


def _start_figure_check() -> None:
    import importlib.util
    import os
    import pathlib
    import sys

    path = pathlib.Path(__file__ if "__file__" in globals() else os.environ["PYTHONSTARTUP"]).resolve()
    spec = importlib.util.spec_from_file_location("figure_check", path.with_name("figure_check.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    module.install(os.environ[module.LOG_VARIABLE])


_start_figure_check()
del _start_figure_check
