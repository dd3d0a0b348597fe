"""pyproject.toml and environment.yml must install the same packages at the same versions.

environment.yml is a student's (or a class's, or Binder's) environment: the runtime
dependencies only. The test tooling is pyproject's ``dev`` extra, which only ``make test``
installs; ``make lab`` installs what a student needs.
"""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _pins(lines):
    pins = {}
    for line in lines:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)\s*", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def pyproject_pins(extras: bool = True):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    if extras:
        for extra in project.get("optional-dependencies", {}).values():
            lines += extra
    return lines, _pins(lines)


def environment_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_lines = []
    conda = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict) and "pip" in dep:
            pip_lines += dep["pip"]
        else:
            conda.append(dep)
    return env, conda, pip_lines, _pins(pip_lines)


def test_every_pyproject_dependency_is_pinned_exactly():
    lines, pins = pyproject_pins()
    assert len(pins) == len(lines), f"not pinned with ==: {[l for l in lines if '==' not in l]}"


def test_environment_yml_matches_pyproject():
    _, runtime = pyproject_pins(extras=False)
    _, _, _, environment = environment_pins()
    assert environment == runtime


def test_the_student_environment_has_no_test_tooling():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev = set(_pins(project["optional-dependencies"]["dev"]))
    assert {"pytest", "nbval", "playwright", "hypothesis"} <= dev
    _, _, _, environment = environment_pins()
    assert not dev & set(environment)


def _make_recipe(target: str) -> str:
    """The prerequisites and commands of ``target`` in the Makefile."""
    text = (ROOT / "Makefile").read_text()
    m = re.search(rf"^{re.escape(target)}:(.*?)(?=^\S|\Z)", text, re.M | re.S)
    assert m, f"Makefile has no {target} target"
    return m.group(1)


def test_make_lab_installs_only_what_a_student_needs():
    lab = _make_recipe("lab")
    assert "setup-dev" not in lab and "[dev]" not in lab
    student = _make_recipe("$(STAMP)")
    assert "-e ." in student and "[dev]" not in student
    for target in ("test-unit", "test-notebooks", "test-browser", "solutions"):
        assert "setup-dev" in _make_recipe(target), target


def test_torch_is_the_cpu_build_on_disk():
    _, pins = pyproject_pins()
    assert pins["torch"] == "2.13.0"
    _, _, pip_lines, _ = environment_pins()
    assert any("download.pytorch.org/whl/cpu" in l for l in pip_lines)


def test_environment_yml_uses_python_311_and_installs_the_helpers():
    env, conda, pip_lines, _ = environment_pins()
    assert "conda-forge" in env["channels"]
    assert "python=3.11" in conda
    assert "-e ." in pip_lines
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"].startswith(">=3.11")
