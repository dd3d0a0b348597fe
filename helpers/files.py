"""Files on disk: checksums and atomic writes, the one way the course writes a file.

Every file the course writes (data files and their caches, checkpoints, solved lessons,
the web site, benchmark results, grades) goes through :func:`atomic_file`: the bytes go
to a temporary ``.NAME.*.part`` file beside the target, are flushed to disk, and only
then replace the target in one step (``os.replace``). An interrupted write (a crash, a
full disk, Ctrl-C) leaves the old file as it was and no half-written one; the stray part
file is removed on the way out (and :func:`helpers.datasets.remove_stale_parts` sweeps
the data folder for any a killed process left behind).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_file", "atomic_write_bytes", "sha256_file", "write_atomic"]


def sha256_file(path: Path | str) -> str:
    """The sha256 of a file's bytes, as hex, read a megabyte at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def atomic_file(path: Path | str, *, mode: int = 0o644) -> Iterator[BinaryIO]:
    """Open a temporary binary file beside ``path``; on a normal exit it replaces ``path``.

    If the block raises, ``path`` is left untouched and the temporary file removed, so a
    caller can also reject what it wrote (a checksum that does not match) by raising.
    The file gets permissions ``mode`` (``mkstemp`` alone would make it owner-only).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            os.chmod(tmp, mode)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path | str, writer: Callable[[BinaryIO], object], *, mode: int = 0o644) -> None:
    """Write through ``writer(file)`` (e.g. ``lambda f: torch.save(state, f)``) atomically."""
    with atomic_file(path, mode=mode) as f:
        writer(f)


def write_atomic(path: Path | str, text: str, *, mode: int = 0o644) -> None:
    """Write ``text`` (UTF-8, line endings as given) to ``path`` atomically."""
    with atomic_file(path, mode=mode) as f:
        f.write(text.encode("utf-8"))
