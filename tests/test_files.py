"""helpers.files: an interrupted write leaves the old file and no part file; checksums match hashlib;
and no other module writes files its own way."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from helpers.files import atomic_file, atomic_write_bytes, sha256_file, write_atomic

ROOT = Path(__file__).resolve().parents[1]


def test_write_atomic_writes_exact_text_with_readable_permissions(tmp_path):
    target = tmp_path / "new" / "folder" / "notes.txt"
    write_atomic(target, "line one\r\nline two: ünïcode\n")
    assert target.read_bytes() == "line one\r\nline two: ünïcode\n".encode()
    assert target.stat().st_mode & 0o777 == 0o644
    write_atomic(target, "replaced", mode=0o600)
    assert target.read_text() == "replaced" and target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_part(tmp_path, error):
    target = tmp_path / "model.pt"
    target.write_bytes(b"old")

    def writer(f):
        f.write(b"half of the new")
        raise error

    with pytest.raises(type(error)):
        atomic_write_bytes(target, writer)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_a_caller_rejects_what_it_wrote_by_raising(tmp_path):
    target = tmp_path / "data.idx"

    class Rejected(Exception):
        pass

    with pytest.raises(Rejected):
        with atomic_file(target) as f:
            f.write(b"bytes whose checksum turns out wrong")
            raise Rejected
    assert not target.exists() and not list(tmp_path.iterdir())
    with atomic_file(target) as f:
        f.write(b"good")
    assert target.read_bytes() == b"good"


def test_sha256_file_matches_hashlib_across_chunks(tmp_path):
    blob = bytes(range(256)) * 9000  # more than one megabyte-sized chunk
    path = tmp_path / "blob"
    path.write_bytes(blob)
    assert sha256_file(path) == hashlib.sha256(blob).hexdigest()


def test_files_are_written_atomically_in_one_place():
    """A temporary file is made (mkstemp) only in helpers/files.py: every writer uses it."""
    others = []
    for folder in ("helpers", "tools", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path != ROOT / "helpers" / "files.py" and re.search(r"\bmkstemp\b", path.read_text(encoding="utf-8")):
                others.append(str(path.relative_to(ROOT)))
    assert not others, f"write through helpers.files instead of a temporary file of your own: {others}"
