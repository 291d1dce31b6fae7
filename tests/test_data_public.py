"""The full data sets' loaders, on small HDF5 files laid out like the original releases."""

from __future__ import annotations

import gzip
import shutil

import h5py
import numpy as np
import pytest

from galaxy_utils.data import GALAXY10_CLASSES, GALAXY_MNIST_CLASSES, load_data, load_galaxy10, load_galaxy_mnist
from galaxy_utils.errors import DataError, DataUnavailableError


def _write_h5(path, n, size, label_key, n_classes, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % n_classes
    with h5py.File(path, "w") as handle:
        handle["images"] = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
        handle[label_key] = labels.astype(np.uint8)
    return labels


def test_galaxy10_h5_split(tmp_path):
    path = tmp_path / "Galaxy10_DECals.h5"
    labels = _write_h5(path, 60, 16, "ans", 10)

    data = load_galaxy10(source="h5", path=path, test_fraction=0.2, seed=1)

    assert set(data) == {"train", "test"}
    assert len(data["train"]) + len(data["test"]) == len(labels)
    assert data["train"].features["label"].names == list(GALAXY10_CLASSES)
    assert set(data["test"]["label"]) == set(range(10))
    assert "80%/20%" in data.provenance.split
    assert data.provenance.revision is not None


def test_galaxy10_h5_images_decode(tmp_path):
    path = tmp_path / "Galaxy10_DECals.h5"
    _write_h5(path, 20, 16, "ans", 10)
    with h5py.File(path) as handle:
        first = np.asarray(handle["images"][0])

    data = load_galaxy10(source="h5", path=path, test_fraction=0.5, seed=0)
    rows = [row for split in data.values() for row in split if row["file"] == "all/0"]

    assert len(rows) == 1
    assert np.array_equal(np.asarray(rows[0]["image"]), first)


def test_galaxy10_h5_seed_changes_split(tmp_path):
    path = tmp_path / "Galaxy10_DECals.h5"
    _write_h5(path, 60, 8, "ans", 10)

    first = load_galaxy10(source="h5", path=path, seed=1)["test"]["file"]
    again = load_galaxy10(source="h5", path=path, seed=1)["test"]["file"]
    other = load_galaxy10(source="h5", path=path, seed=2)["test"]["file"]

    assert first == again
    assert first != other


def test_galaxy10_h5_through_load_data(tmp_path):
    path = tmp_path / "my_copy.h5"
    _write_h5(path, 30, 8, "ans", 10)

    data = load_data(path)

    assert data.provenance.name == "galaxy10"


def test_galaxy10_h5_missing_key(tmp_path):
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as handle:
        handle["images"] = np.zeros((4, 8, 8, 3), np.uint8)

    with pytest.raises(DataError) as caught:
        load_galaxy10(source="h5", path=path)
    assert "ans" in caught.value.message


def test_galaxy10_h5_label_out_of_range(tmp_path):
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as handle:
        handle["images"] = np.zeros((4, 8, 8, 3), np.uint8)
        handle["ans"] = np.array([0, 1, 2, 12], np.uint8)

    with pytest.raises(DataError) as caught:
        load_galaxy10(source="h5", path=path)
    assert "[12]" in caught.value.message


def test_galaxy10_h5_not_hdf5(tmp_path):
    path = tmp_path / "Galaxy10_DECals.h5"
    path.write_text("not hdf5")

    with pytest.raises(DataError) as caught:
        load_galaxy10(source="h5", path=path)
    assert "HDF5" in caught.value.message


def test_galaxy_mnist_release_files(tmp_path):
    _write_h5(tmp_path / "train_dataset.hdf5", 16, 64, "labels", 4)
    _write_h5(tmp_path / "test_dataset.hdf5", 8, 64, "labels", 4, seed=1)

    data = load_galaxy_mnist(source="files", path=tmp_path)

    assert len(data["train"]) == 16
    assert len(data["test"]) == 8
    assert data["train"].features["label"].names == list(GALAXY_MNIST_CLASSES)
    assert "original GalaxyMNIST split" in data.provenance.split


def test_galaxy_mnist_gzipped_release(tmp_path):
    for name, n in (("train_dataset.hdf5", 8), ("test_dataset.hdf5", 4)):
        plain = tmp_path / "plain" / name
        plain.parent.mkdir(exist_ok=True)
        _write_h5(plain, n, 64, "labels", 4)
        with open(plain, "rb") as source, gzip.open(tmp_path / f"{name}.gz", "wb") as target:
            shutil.copyfileobj(source, target)

    data = load_galaxy_mnist(source="files", path=tmp_path)

    assert len(data["train"]) == 8
    assert (tmp_path / "train_dataset.hdf5").is_file()


def test_galaxy_mnist_files_missing(tmp_path):
    with pytest.raises(DataError) as caught:
        load_galaxy_mnist(source="files", path=tmp_path)
    assert "train_dataset.hdf5" in caught.value.message


@pytest.mark.parametrize("loader", [load_galaxy10, load_galaxy_mnist])
def test_hub_offline_error(loader, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    with pytest.raises(DataUnavailableError) as caught:
        loader(source="hub")
    assert "matthieulel/" in caught.value.message
    assert "galaxy10-mini" in caught.value.hint


@pytest.mark.parametrize("loader", [load_galaxy10, load_galaxy_mnist])
def test_unknown_source(loader):
    with pytest.raises(DataError):
        loader(source="ftp")
