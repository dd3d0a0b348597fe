"""The files Binder (repo2docker) and a JupyterHub read: checked by parsing them (no Docker here)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_postbuild_fetches_and_verifies_the_data_into_the_image():
    post = ROOT / "postBuild"
    assert post.is_file() and os.access(post, os.X_OK), "postBuild must exist and be executable"
    text = post.read_text()
    assert text.startswith("#!/bin/bash") and "set -euo pipefail" in text
    commands = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1].strip() == "python -m helpers.data fetch"


def test_the_environment_repo2docker_builds_has_the_course_and_its_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "python=3.11" in conda and "pip" in conda
    assert "-e ." in pip  # the helpers package, so `python -m helpers.data fetch` works in postBuild
    assert any(p.startswith("torch==") for p in pip) and any(p.startswith("jupyterlab==") for p in pip)
    assert env["variables"]["OMP_WAIT_POLICY"] == "PASSIVE"


def test_the_readme_tells_instructors_how_to_run_a_class():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Running the course for a class"):]
    for needle in ("JupyterHub", "nbgitpuller", "Binder", "postBuild", "CNN_COURSE_DATA", "progress()"):
        assert needle in section, needle
    # The nbgitpuller link it shows opens lesson 00 of this repository.
    assert re.search(r"git-pull\?repo=[^&\s]+&[^\s]*urlpath=lab/tree/[^\s]*notebooks/00_start_here\.ipynb", section)
