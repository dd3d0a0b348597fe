"""MNIST and Fashion-MNIST, loaded fast and verified (lesson 01).

    from helpers.data import load_mnist, load_fashion_mnist, FASHION_CLASSES
    images, labels = load_mnist("train")   # images: (60000, 28, 28) uint8, labels: (60000,) int64

This is the notebook-facing module: it loads, and re-exports what a lesson needs from
:mod:`helpers.datasets` (the catalog, the data folder, IDX) and :mod:`helpers.fetch`
(``fetch``, ``verify``; ``python -m helpers.data fetch`` is the command line).

Decoded arrays are cached as ``.npy`` files next to the IDX files so that loading takes
a fraction of a second. A cache is verified like the data: the sha256 of each ``.npy``
file is recorded in ``cache-manifest.json`` when it is written and checked on every load
(about 25 ms more for the 47 MB training images); a cache that does not match is rebuilt
from the verified IDX file with a one-line notice. ``.part`` files left behind by an
interrupted write (older than an hour) are removed by :func:`fetch` and :func:`load`.

The data folder is ``data/`` at the top of a clone, the folder named by the environment
variable ``CNN_COURSE_DATA``, or, for a course installed as a package, a folder in the
user's data directory, fetched and verified on first use (see :func:`data_dir`).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from helpers.datasets import (  # noqa: F401 - re-exported: the notebook-facing names
    DATASETS,
    FASHION_CLASSES,
    MNIST_CLASSES,
    SPLITS,
    DataError,
    DataFile,
    DataMissingError,
    Dataset,
    IdxFormatError,
    cache_path,
    data_dir,
    file_path,
    manifest_path,
    read_idx,
    read_manifest,
    remove_stale_parts,
    user_data_root,
    write_idx,
)
from helpers.fetch import FetchReport, Source, default_sources, fetch, verify  # noqa: F401 - re-exported
from helpers.files import atomic_write_bytes

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
    cache = cache_path(root, ds, spec)
    manifest = read_manifest(root, ds)
    entry = manifest.get(spec.name)
    if cache.is_file():
        arr = _read_cache(cache, entry, spec)
        if arr is not None:
            return arr
        if entry and entry.get("cache_sha256"):
            _notice(f"{ds.key}/{cache.name}: the cached copy is damaged (its sha256 changed); "
                    "rebuilding it from the verified IDX file.")
    idx = file_path(root, ds, spec)
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
        atomic_write_bytes(cache, lambda f: f.write(blob))
        manifest = read_manifest(root, ds)
        manifest[spec.name] = {"sha256": spec.sha256, "cache_sha256": hashlib.sha256(blob).hexdigest()}
        text = json.dumps(manifest, indent=1, sort_keys=True).encode()
        atomic_write_bytes(manifest_path(root, ds), lambda f: f.write(text))
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
    remove_stale_parts(root / ds.key)
    if root == user_data_root() and not all(file_path(root, ds, spec).is_file() for spec in ds.files.values()):
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
