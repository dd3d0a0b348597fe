"""The course as an installable package: a wheel built from the repository, installed into a
fresh environment in an empty folder, runs lessons unmodified, with its data in the user's
data folder instead of the repository's ``data/``.

The fresh environment is a new virtual environment holding only the wheel; the third-party
packages (torch, numpy, …) come from this environment's site-packages through a ``.pth``
line, because this machine cannot download them again. ``.pth`` files inside that folder are
not processed, so the repository's editable install of ``helpers`` is not visible there:
``helpers`` is imported from the wheel (the test checks where it came from).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ("00_start_here.ipynb", "01_pixels_as_arrays.ipynb")


def _run(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert out.returncode == 0, f"{cmd} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    # Build from a clean copy of what the package is made of, so no build folder left in
    # the repository by an earlier build can slip stale modules into the wheel.
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copyfile(ROOT / name, source / name)
    shutil.copytree(ROOT / "helpers", source / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)])
    wheels = list(dist.glob("cnn_course_helpers-*.whl"))
    assert len(wheels) == 1, wheels
    env = tmp / "env"
    _run([sys.executable, "-m", "venv", "--without-pip", str(env)])
    python = env / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "course-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheels[0])])
    home = tmp / "home"
    (home / "data").mkdir(parents=True)
    envvars = {k: v for k, v in os.environ.items() if not k.startswith("CNN_COURSE_DATA")}
    envvars.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), PYTHONNOUSERSITE="1")
    empty = tmp / "class"
    empty.mkdir()
    return {"wheel": wheels[0], "python": python, "env": envvars, "folder": empty, "home": home}


def test_the_wheel_holds_the_package_and_no_data_or_lessons(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    assert "helpers/exercises/lesson01.py" in names and "helpers/conv.py" in names
    shipped = {n for n in names if n.startswith("helpers/") and n.endswith(".py")}
    assert shipped == {p.relative_to(ROOT).as_posix() for p in (ROOT / "helpers").rglob("*.py")}
    assert not [n for n in names if n.startswith(("data/", "notebooks/", "tests/")) or n.endswith((".npy", "-ubyte"))]


def test_helpers_come_from_the_wheel_and_data_from_the_users_folder(installed):
    out = _run([str(installed["python"]), "-c",
                "import helpers, helpers.data as d; print(helpers.__file__); print(d.data_dir())"],
               cwd=installed["folder"], env=installed["env"]).stdout.split("\n")
    assert str(installed["python"].parent.parent) in out[0], out
    assert out[1] == str(installed["home"] / "data" / "cnn-course" / "data"), out


def test_lessons_run_unmodified_from_the_installed_package(installed):
    # The class's copy of the data, placed in the user's data folder as the instructor's
    # "fetch once" step would (fetching from the network again here would only be slower).
    target = installed["home"] / "data" / "cnn-course" / "data"
    for key in ("mnist", "fashion-mnist"):
        (target / key).mkdir(parents=True, exist_ok=True)
        for f in (ROOT / "data" / key).glob("*-ubyte"):
            shutil.copyfile(f, target / key / f.name)
    for name in LESSONS:
        shutil.copyfile(ROOT / "notebooks" / name, installed["folder"] / name)
        _run([str(installed["python"]), "-m", "nbconvert", "--to", "notebook", "--execute",
              "--ExecutePreprocessor.timeout=300", "--output", f"done-{name}", name],
             cwd=installed["folder"], env=installed["env"])
        done = (installed["folder"] / f"done-{name}").read_text()
        assert '"output_type": "error"' not in done
    # Lesson 01 verified and cached the data where an installed course keeps it.
    assert list((target / "mnist").glob("*.npy")), "lesson 01 should have loaded MNIST from the user's folder"
    assert "ready: True" in (installed["folder"] / "done-00_start_here.ipynb").read_text()
