"""The three real sample sets: counts, labels, splits, tiles, and every way of getting them fails clearly."""

from __future__ import annotations

import csv
import functools
import http.server
import shutil
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pooch
import pytest
import requests
from PIL import Image

from galaxy_utils.data import SAMPLE_SETS, fetch_sample, load_sample, slice_strip
from galaxy_utils.data import samples as samples_module
from galaxy_utils.errors import DataError, DataUnavailableError

LABEL_COLUMNS = {"galaxy10-mini": "label", "decals-rings": "ring", "galaxy-mnist-mini": "label"}


def read_labels_csv(data_dir: Path, name: str) -> list[dict[str, str]]:
    with open(data_dir / name / "labels.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def expected_labels(data_dir: Path, name: str) -> dict[str, int]:
    """Map each image's ``file`` value (as the loader names it) to its label in labels.csv."""
    rows = read_labels_csv(data_dir, name)
    column = LABEL_COLUMNS[name]
    if name == "galaxy-mnist-mini":
        return {f"{row['file']}#tile{row['tile']}": int(row[column]) for row in rows}
    return {row["file"]: int(row[column]) for row in rows}


def loaded_labels(data) -> dict[str, int]:
    found = {}
    for split in ("train", "test"):
        found.update(zip(data[split]["file"], data[split]["label"]))
    return found


@pytest.mark.parametrize("name", list(SAMPLE_SETS))
def test_sample_matches_labels_csv(data_dir, name):
    data = load_sample(name)
    expected = expected_labels(data_dir, name)
    found = loaded_labels(data)

    assert len(data["train"]) + len(data["test"]) == len(expected)
    assert found == expected
    assert Counter(found.values()) == Counter(expected.values())


@pytest.mark.parametrize("name", list(SAMPLE_SETS))
def test_sample_splits_share_classes(name):
    data = load_sample(name)
    counts = Counter(data["train"]["label"]) + Counter(data["test"]["label"])

    for label, count in counts.items():
        if count < 2:
            continue
        assert label in set(data["train"]["label"]), f"class {label} missing from train"
        assert label in set(data["test"]["label"]), f"class {label} missing from test"


def test_sample_documented_counts():
    galaxy10 = loaded_labels(load_sample("galaxy10-mini"))
    rings = loaded_labels(load_sample("decals-rings"))

    assert [Counter(galaxy10.values())[label] for label in range(10)] == [10, 10, 5, 5, 4, 6, 5, 4, 6, 9]
    assert Counter(rings.values()) == {0: 100, 1: 100}


def test_sample_split_reproducible():
    first = load_sample("galaxy10-mini", seed=3)
    second = load_sample("galaxy10-mini", seed=3)

    assert first["test"]["file"] == second["test"]["file"]


def test_mnist_tiles_are_64_pixels():
    data = load_sample("galaxy-mnist-mini")

    for split in ("train", "test"):
        sizes = {image.size for image in data[split]["image"]}
        assert sizes == {(64, 64)}


def test_mnist_tile_matches_strip_pixels(data_dir):
    rows = read_labels_csv(data_dir, "galaxy-mnist-mini")
    row = next(row for row in rows if int(row["x0"]) > 0)
    with Image.open(data_dir / "galaxy-mnist-mini" / row["file"]) as strip:
        strip.load()
        x0 = int(row["x0"])
        tile = slice_strip(strip, x0)
        expected = np.asarray(strip)[:64, x0 : x0 + 64]

    assert tile.size == (64, 64)
    assert np.array_equal(np.asarray(tile), expected)


def test_mnist_tile_outside_strip_rejected():
    strip = Image.new("RGB", (640, 64))

    with pytest.raises(DataError, match="does not fit"):
        slice_strip(strip, 600)


def copy_sample(data_dir: Path, tmp_path: Path, name: str) -> Path:
    root = tmp_path / "mirror"
    shutil.copytree(data_dir / name, root / name)
    return root


def test_local_missing_file_unavailable(data_dir, tmp_path, monkeypatch):
    root = copy_sample(data_dir, tmp_path, "galaxy-mnist-mini")
    (root / "galaxy-mnist-mini" / "edge_on_disk.png").unlink()
    monkeypatch.setenv("GALAXY_UTILS_DATA_DIR", str(root))

    with pytest.raises(DataUnavailableError) as caught:
        fetch_sample("galaxy-mnist-mini")

    assert "edge_on_disk.png" in caught.value.message
    assert "GALAXY_UTILS_DATA_DIR" in caught.value.hint


def test_local_hash_mismatch_rejected(data_dir, tmp_path, monkeypatch):
    root = copy_sample(data_dir, tmp_path, "galaxy-mnist-mini")
    damaged = root / "galaxy-mnist-mini" / "smooth_cigar.png"
    content = bytearray(damaged.read_bytes())
    content[-20] ^= 0xFF
    damaged.write_bytes(bytes(content))
    monkeypatch.setenv("GALAXY_UTILS_DATA_DIR", str(root))

    with pytest.raises(DataError, match="SHA-256") as caught:
        fetch_sample("galaxy-mnist-mini")

    assert not isinstance(caught.value, DataUnavailableError)
    assert "smooth_cigar.png" in caught.value.message


def test_offline_error_names_both_fixes(tmp_path, monkeypatch):
    monkeypatch.delenv("GALAXY_UTILS_DATA_DIR", raising=False)
    monkeypatch.setenv("GALAXY_UTILS_CACHE_DIR", str(tmp_path / "cache"))

    def no_network(url, *args, **kwargs):
        raise requests.ConnectionError(f"no route to {url}")

    monkeypatch.setattr(pooch, "retrieve", no_network)

    with pytest.raises(DataUnavailableError) as caught:
        load_sample("galaxy-mnist-mini")

    assert "cannot download" in caught.value.message
    assert "connect to the internet" in caught.value.hint
    assert "GALAXY_UTILS_DATA_DIR" in caught.value.hint


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def local_mirror(tmp_path, monkeypatch):
    """Serve a folder over HTTP on localhost and point the manifests' URLs at it.

    Returns the served folder; files put there under ``<set>/<file>`` are what
    pooch downloads.
    """
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"

    original = samples_module.read_manifest

    def local_manifest(name):
        rows = original(name)
        return [row | {"source_url": f"{base}/{name}/{row['file']}"} for row in rows]

    monkeypatch.setattr(samples_module, "read_manifest", local_manifest)
    monkeypatch.delenv("GALAXY_UTILS_DATA_DIR", raising=False)
    monkeypatch.setenv("GALAXY_UTILS_CACHE_DIR", str(tmp_path / "cache"))
    yield served
    server.shutdown()
    server.server_close()


def test_download_checks_hash(data_dir, local_mirror, tmp_path):
    shutil.copytree(data_dir / "galaxy-mnist-mini", local_mirror / "galaxy-mnist-mini")

    data = load_sample("galaxy-mnist-mini")

    assert len(data["train"]) + len(data["test"]) == 40
    assert (tmp_path / "cache" / "galaxy-mnist-mini" / "smooth_round.png").is_file()


def test_download_hash_mismatch_rejected(data_dir, local_mirror):
    shutil.copytree(data_dir / "galaxy-mnist-mini", local_mirror / "galaxy-mnist-mini")
    shutil.copy(data_dir / "galaxy-mnist-mini" / "smooth_round.png", local_mirror / "galaxy-mnist-mini" / "smooth_cigar.png")

    with pytest.raises(DataError, match="SHA-256") as caught:
        fetch_sample("galaxy-mnist-mini")

    assert "smooth_cigar.png" in caught.value.message


def test_unknown_sample_rejected():
    with pytest.raises(DataError, match="unknown sample set"):
        fetch_sample("galaxy11-mini")
