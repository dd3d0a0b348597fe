"""The static site's offline scripts: pinned npm packages copied into ``_static/``.

The scripts the HTML template would load from CDNs (require.js, MathJax 2, the Jupyter
widgets HTML manager, Font Awesome for the animation buttons) are fetched once from the
npm registry with ``npm pack`` at pinned versions into ``build/npm/`` and copied into the
site's ``_static/`` folder (see ``tools.site_pages.localize`` for the links to them).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NPM_CACHE = REPO / "build" / "npm"

# npm packages the pages load, pinned. html-manager 1.0.15 is the release that matches
# ipywidgets 8.1.9 (@jupyter-widgets/base 6.0.12, controls 5.0.13); MathJax 2 because
# nbconvert's template configures MathJax through the version-2 API.
NPM_PACKAGES = {
    "html-manager": "@jupyter-widgets/html-manager@1.0.15",
    "requirejs": "requirejs@2.3.8",
    "mathjax": "mathjax@2.7.9",
    "font-awesome": "font-awesome@4.7.0",
}
# What to copy from each unpacked package (paths inside its "package/" folder).
NPM_KEEP = {
    "html-manager": ["dist"],
    "requirejs": ["require.js"],
    "mathjax": [
        "MathJax.js",
        "config",
        "extensions",
        "jax/element",
        "jax/input/TeX",
        "jax/output/CommonHTML",
        "jax/output/PreviewHTML",
        "localization/en",
        "fonts/HTML-CSS/TeX/woff",
    ],
    "font-awesome": ["css", "fonts"],
}
FONT_SUFFIXES = {".woff", ".woff2", ".ttf", ".eot", ".svg"}


def _npm_pack(npm: str, spec: str, into: Path) -> Path:
    """``npm pack spec`` into the folder ``into``; return the tarball."""
    result = subprocess.run(
        [npm, "pack", spec, "--json", "--silent", "--pack-destination", str(into)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"npm pack {spec} failed:\n{result.stderr[-2000:]}")
    (tarball,) = into.glob("*.tgz")
    return tarball


def fetch_npm_package(spec: str, cache: Path) -> Path:
    """``npm pack`` ``spec`` into ``cache`` (once) and return the unpacked package folder."""
    cache.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", spec.lstrip("@"))
    unpacked = cache / slug
    if (unpacked / "package" / "package.json").is_file():
        return unpacked / "package"
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch the site's scripts (apt-get install -y npm)")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        tarball = _npm_pack(npm, spec, Path(tmp))
        staging = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as archive:
            archive.extractall(staging, filter="data")
        if unpacked.exists():
            shutil.rmtree(unpacked)
        os.replace(staging, unpacked)
    return unpacked / "package"


def _copy_part(source: Path, target: Path, spec: str, part: str) -> None:
    if not source.exists():
        raise RuntimeError(f"{spec} has no {part}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target)


def install_assets(static: Path, cache: Path = NPM_CACHE) -> None:
    """Copy the pinned npm packages' needed files into ``static``."""
    for name, spec in NPM_PACKAGES.items():
        package = fetch_npm_package(spec, cache)
        for part in NPM_KEEP[name]:
            _copy_part(package / part, static / name / part, spec, part)
    # The widget manager's styles ask for their icon fonts relative to the page, under
    # the module names it registers with require.js: put copies there.
    fonts = [f for f in (static / "html-manager" / "dist").iterdir() if f.suffix in FONT_SUFFIXES]
    for folder in (static.parent / "@jupyter-widgets", static.parent / "@jupyter-widgets" / "html-manager" / "dist"):
        folder.mkdir(parents=True, exist_ok=True)
        for font in fonts:
            shutil.copy2(font, folder / font.name)
