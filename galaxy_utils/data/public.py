"""The full data sets of the study: Galaxy10 DECaLS and GalaxyMNIST.

Both load from the Hugging Face Hub, where the study's author published the splits
its models used, or from the original release files with a seeded, stratified
split. Every loader returns a :class:`GalaxyDatasetDict` with an ``image`` column
(:class:`datasets.Image`) and a ``label`` column (:class:`datasets.ClassLabel`).
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
from pathlib import Path

import numpy as np
from datasets import ClassLabel, Dataset, Features, Image, Value

from galaxy_utils.data.classes import GALAXY10_CLASSES, GALAXY_MNIST_CLASSES
from galaxy_utils.data.provenance import GalaxyDatasetDict, Provenance
from galaxy_utils.data.samples import cache_dir
from galaxy_utils.data.splits import split_train_test
from galaxy_utils.errors import DataError, DataUnavailableError
from galaxy_utils.io import hash_object, sha256_file

logger = logging.getLogger(__name__)

GALAXY10_HUB_ID = "matthieulel/galaxy10_decals"
GALAXY_MNIST_HUB_ID = "matthieulel/galaxy_mnist"

# The astroNN release of Galaxy10 DECaLS, with the SHA-256 that astroNN's own
# loader (astroNN/datasets/galaxy10.py) checks.
GALAXY10_H5_URL = "https://zenodo.org/records/10845026/files/Galaxy10_DECals.h5"
GALAXY10_H5_SHA256 = "19aefc477c41bb7f77ff07599a6b82a038dc042f889a111b0d4d98bb755c1571"

# GalaxyMNIST's original release: two HDF5 files with `images` (N, 64, 64, 3) and
# `labels` (N,), 8,000 train and 2,000 test (github.com/mwalmsley/galaxy_mnist).
GALAXY_MNIST_FILES = ("train_dataset.hdf5", "test_dataset.hdf5")


def load_galaxy10(
    source: str = "hub",
    path: str | os.PathLike | None = None,
    revision: str | None = None,
    test_fraction: float = 0.1,
    seed: int = 42,
) -> GalaxyDatasetDict:
    """Load Galaxy10 DECaLS: 17,736 galaxies, 256x256 RGB, 10 classes.

    Parameters
    ----------
    source : {"hub", "h5"}, default "hub"
        ``"hub"`` reads ``matthieulel/galaxy10_decals``, the split the study's
        models used (train 15,962, test 1,774: about 90/10, although the study's
        text describes 80/20). ``"h5"`` reads the original ``Galaxy10_DECals.h5``
        and splits it here.
    path : path-like, optional
        With ``source="h5"``: the local ``Galaxy10_DECals.h5``. Without it, the
        file (2.7 GB) is downloaded from Zenodo and checked against its SHA-256.
    revision : str, optional
        With ``source="hub"``: the Hub commit to pin.
    test_fraction : float, default 0.1
        With ``source="h5"``: share of each class held out for testing. Pass 0.2
        for the 80/20 split that the study's text describes.
    seed : int, default 42
        With ``source="h5"``: seed of the split.

    Returns
    -------
    GalaxyDatasetDict
        Splits ``train`` and ``test``; ``provenance.split`` records which split.
    """
    if source == "hub":
        return _load_from_hub(GALAXY10_HUB_ID, GALAXY10_CLASSES, "galaxy10", revision)
    if source == "h5":
        h5_path = Path(path) if path is not None else _download_galaxy10_h5()
        return _from_h5("galaxy10", h5_path, GALAXY10_CLASSES, test_fraction, seed)
    raise DataError(f"unknown Galaxy10 source {source!r}", "use source='hub' or source='h5'")


def load_galaxy_mnist(
    source: str = "hub",
    path: str | os.PathLike | None = None,
    revision: str | None = None,
) -> GalaxyDatasetDict:
    """Load GalaxyMNIST: 10,000 galaxies in 4 classes (8,000 train, 2,000 test).

    Parameters
    ----------
    source : {"hub", "files"}, default "hub"
        ``"hub"`` reads ``matthieulel/galaxy_mnist`` (images upscaled to 224x224).
        ``"files"`` reads the original release (64x64) from a local directory
        holding ``train_dataset.hdf5`` and ``test_dataset.hdf5`` (or their
        ``.gz`` archives), keeping its train/test split.
    path : path-like, optional
        With ``source="files"``: the directory of the release files.
    revision : str, optional
        With ``source="hub"``: the Hub commit to pin.
    """
    if source == "hub":
        return _load_from_hub(GALAXY_MNIST_HUB_ID, GALAXY_MNIST_CLASSES, "galaxy-mnist", revision)
    if source != "files":
        raise DataError(f"unknown GalaxyMNIST source {source!r}", "use source='hub' or source='files'")
    if path is None:
        raise DataError(
            "GalaxyMNIST from its release files needs a directory",
            f"pass path=DIR, where DIR holds {' and '.join(GALAXY_MNIST_FILES)} from github.com/mwalmsley/galaxy_mnist",
        )

    directory = Path(path)
    splits, hashes = {}, {}
    for split, file_name in zip(("train", "test"), GALAXY_MNIST_FILES):
        file_path = _maybe_gunzip(directory / file_name)
        hashes[split] = sha256_file(file_path)
        splits[split] = _dataset_from_h5(file_path, "images", "labels", GALAXY_MNIST_CLASSES, prefix=split)

    provenance = Provenance(
        name="galaxy-mnist",
        source=str(directory),
        revision=hash_object(hashes),
        fingerprint=hash_object(hashes),
        split=f"original GalaxyMNIST split: train {len(splits['train']):,}, test {len(splits['test']):,}",
        class_names=GALAXY_MNIST_CLASSES,
    )
    return GalaxyDatasetDict.create(splits, provenance)


def _load_from_hub(repo_id: str, class_names, name: str, revision: str | None) -> GalaxyDatasetDict:
    import datasets

    try:
        loaded = datasets.load_dataset(repo_id, revision=revision)
    except Exception as error:  # the Hub client raises many types for network and access failures
        raise DataUnavailableError(
            f"cannot load data set {repo_id!r} from the Hugging Face Hub ({type(error).__name__}: {error})",
            "check the network connection and HF_HUB_OFFLINE, or load a local copy "
            "(source='h5' for Galaxy10, source='files' for GalaxyMNIST), or use a sample set such as galaxy10-mini",
        ) from error

    splits = {}
    for split_name, split in loaded.items():
        if "image" not in split.column_names or "label" not in split.column_names:
            raise DataError(
                f"{repo_id} split {split_name!r} lacks an 'image' or 'label' column (columns: {split.column_names})",
                "pin a revision with both columns",
            )
        splits[split_name] = split.cast_column("label", ClassLabel(names=list(class_names)))

    resolved = revision or _hub_commit(repo_id)
    sizes = ", ".join(f"{split} {len(data):,}" for split, data in splits.items())
    provenance = Provenance(
        name=name,
        source=f"hf://datasets/{repo_id}",
        revision=resolved,
        fingerprint=hash_object({split: data._fingerprint for split, data in splits.items()} | {"revision": resolved}),
        split=f"Hub split of {repo_id}: {sizes}",
        class_names=tuple(class_names),
    )
    return GalaxyDatasetDict.create(splits, provenance)


def _hub_commit(repo_id: str) -> str | None:
    try:
        from huggingface_hub import HfApi

        return HfApi().dataset_info(repo_id).sha
    except Exception:  # the commit is provenance only, so a failed lookup is not fatal
        logger.warning("could not resolve the Hub commit of %s; the result records no revision", repo_id)
        return None


def _download_galaxy10_h5() -> Path:
    import pooch

    try:
        return Path(
            pooch.retrieve(
                GALAXY10_H5_URL,
                known_hash=f"sha256:{GALAXY10_H5_SHA256}",
                fname="Galaxy10_DECals.h5",
                path=cache_dir() / "galaxy10",
                progressbar=True,
            )
        )
    except ValueError as error:
        raise DataError(f"download of {GALAXY10_H5_URL} failed its SHA-256 check", "try again later") from error
    except Exception as error:  # requests raises many types for network failures
        raise DataUnavailableError(
            f"cannot download Galaxy10_DECals.h5 from {GALAXY10_H5_URL} ({type(error).__name__})",
            "download it yourself and pass path=..., or load the Hub copy with source='hub'",
        ) from error


def _open_h5(path: Path):
    import h5py

    if not path.is_file():
        raise DataError(f"HDF5 file not found: {path}", "check the path")
    try:
        return h5py.File(path, "r")
    except OSError as error:
        raise DataError(f"cannot open {path} as HDF5 ({error})", "check that the file is complete, or download it again") from error


def _dataset_from_h5(path: Path, image_key: str, label_key: str, class_names, prefix: str) -> Dataset:
    """Convert an HDF5 file to an Arrow-backed Dataset, cached by ``datasets``.

    The generator reads the file by path, so the cache key is the path and keys,
    and ``datasets`` never has to hash the image array itself.
    """
    with _open_h5(path) as handle:
        _check_arrays(handle, path, image_key, label_key, len(class_names))

    features = Features({"image": Image(), "label": ClassLabel(names=list(class_names)), "file": Value("string")})
    return Dataset.from_generator(
        _h5_rows,
        features=features,
        gen_kwargs={"path": str(path), "image_key": image_key, "label_key": label_key, "prefix": prefix,
                    "size": path.stat().st_size, "mtime": path.stat().st_mtime},
    )


def _h5_rows(path, image_key, label_key, prefix, size, mtime):
    import h5py

    with h5py.File(path, "r") as handle:
        images, labels = handle[image_key], handle[label_key]
        for start in range(0, len(labels), 1024):
            block = np.asarray(images[start : start + 1024], dtype=np.uint8)
            for offset, image in enumerate(block):
                index = start + offset
                yield {"image": image, "label": int(labels[index]), "file": f"{prefix}/{index}"}


def _check_arrays(handle, path: Path, image_key: str, label_key: str, n_classes: int) -> None:
    missing = [key for key in (image_key, label_key) if key not in handle]
    if missing:
        raise DataError(
            f"{path} lacks the dataset(s) {missing} (it has {sorted(handle.keys())})",
            "pass the original release file",
        )
    shape = handle[image_key].shape
    labels = np.asarray(handle[label_key]).astype(np.int64)
    if len(shape) != 4 or shape[-1] != 3 or shape[0] != len(labels):
        raise DataError(
            f"{path}: expected images of shape (N, H, W, 3) and N labels, got {shape} and {labels.shape}",
            "pass the original release file",
        )
    out_of_range = sorted(set(labels[(labels < 0) | (labels >= n_classes)].tolist()))
    if out_of_range:
        raise DataError(f"{path}: labels {out_of_range} are out of range for {n_classes} classes", "pass the original release file")


def _from_h5(name, path: Path, class_names, test_fraction, seed) -> GalaxyDatasetDict:
    full = _dataset_from_h5(path, "images", "ans", class_names, prefix="all")
    splits = split_train_test(full, test_fraction, seed)
    digest = sha256_file(path)
    provenance = Provenance(
        name=name,
        source=str(path),
        revision=digest,
        fingerprint=hash_object({"file": digest, "test_fraction": test_fraction, "seed": seed}),
        split=f"stratified {1 - test_fraction:.0%}/{test_fraction:.0%} train/test split of {len(full):,} images, seed {seed}",
        class_names=tuple(class_names),
    )
    return GalaxyDatasetDict.create(splits, provenance)


def _maybe_gunzip(path: Path) -> Path:
    if path.is_file():
        return path
    archive = path.with_name(path.name + ".gz")
    if not archive.is_file():
        raise DataError(f"{path.name} not found in {path.parent}", f"download {path.name} (or {archive.name}) into that directory")
    partial = path.with_name(path.name + ".partial")
    with gzip.open(archive, "rb") as source, open(partial, "wb") as target:
        shutil.copyfileobj(source, target)
    os.replace(partial, path)
    return path
