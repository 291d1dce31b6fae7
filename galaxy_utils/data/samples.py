"""The three small sets of real galaxy images used offline, in tests and in the sample profile.

Each set is described by a manifest shipped with the package (``manifests/NAME.csv``)
that gives every file's SHA-256 and source URL. Files are read from the directory
named by ``GALAXY_UTILS_DATA_DIR`` when it is set, or else downloaded once with
pooch and cached. Every file is checked against its hash either way.

- ``galaxy10-mini``: 64 DECaLS cutouts (424x424 JPEG) in the 10 Galaxy10 classes,
  the examples of the Galaxy Zoo DECaLS decision tree (zooniverse/Galaxy-Zoo, Apache-2.0).
- ``decals-rings``: 200 DECaLS cutouts (424x424 PNG), ring or not, 100 each
  (mwalmsley/zoobot, GPL-3.0).
- ``galaxy-mnist-mini``: 40 GalaxyMNIST images (64x64) in 4 classes, sliced from
  four 640x64 strips (david-macmahon/GalaxyMNISTDatasets.jl, GPL-3.0).
"""

from __future__ import annotations

import csv
import functools
import logging
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pooch
from datasets import ClassLabel, Dataset, Features, Image, Value

from galaxy_utils.data.classes import GALAXY10_CLASSES, GALAXY_MNIST_CLASSES, RING_CLASSES
from galaxy_utils.data.images import encode_png, open_image
from galaxy_utils.data.provenance import GalaxyDatasetDict, Provenance
from galaxy_utils.data.splits import split_train_test
from galaxy_utils.errors import DataError, DataUnavailableError
from galaxy_utils.io import hash_object, sha256_file

logger = logging.getLogger(__name__)

DATA_DIR_ENV = "GALAXY_UTILS_DATA_DIR"
CACHE_DIR_ENV = "GALAXY_UTILS_CACHE_DIR"

# GalaxyMNIST tiles are 64x64 squares side by side in each strip.
GALAXY_MNIST_TILE = 64


@dataclass(frozen=True)
class SampleSet:
    """One sample set: its manifest, label column, class names and default test share."""

    name: str
    label_column: str
    class_names: tuple[str, ...]
    test_fraction: float
    description: str


SAMPLE_SETS: dict[str, SampleSet] = {
    "galaxy10-mini": SampleSet(
        "galaxy10-mini", "label", GALAXY10_CLASSES, 0.25,
        "64 DECaLS galaxies in the 10 Galaxy10 DECaLS classes (Galaxy Zoo decision-tree examples)",
    ),
    "decals-rings": SampleSet(
        "decals-rings", "ring", RING_CLASSES, 0.25,
        "200 DECaLS galaxies, ring or not (Galaxy Zoo DECaLS votes, from zoobot)",
    ),
    "galaxy-mnist-mini": SampleSet(
        "galaxy-mnist-mini", "label", GALAXY_MNIST_CLASSES, 0.25,
        "40 GalaxyMNIST images in 4 classes, 64x64 tiles",
    ),
}


def read_manifest(name: str) -> list[dict[str, str]]:
    """Return the rows of a sample set's manifest (its ``labels.csv``)."""
    _check_name(name)
    text = resources.files("galaxy_utils.data").joinpath("manifests", f"{name}.csv").read_text()
    return list(csv.DictReader(text.splitlines()))


def fetch_sample(name: str) -> Path:
    """Make every file of a sample set available locally, checked against its SHA-256.

    Parameters
    ----------
    name : str
        ``"galaxy10-mini"``, ``"decals-rings"`` or ``"galaxy-mnist-mini"``.

    Returns
    -------
    pathlib.Path
        The directory holding the set's files.

    Raises
    ------
    galaxy_utils.errors.DataUnavailableError
        When a file is neither in ``$GALAXY_UTILS_DATA_DIR`` nor downloadable.
    galaxy_utils.errors.DataError
        When a local file does not match its hash.
    """
    _check_name(name)
    files = _unique_files(read_manifest(name))

    local_root = os.environ.get(DATA_DIR_ENV)
    if local_root:
        directory = Path(local_root).expanduser() / name
        _verify_local(directory, files)
        return directory

    directory = cache_dir() / name
    for file_name, (sha256, url) in files.items():
        try:
            pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=file_name, path=directory)
        except ValueError as error:
            # pooch raises ValueError when a download does not match its hash.
            raise DataError(f"download of {url} failed its SHA-256 check: {error}", "try again later") from error
        except Exception as error:  # requests and urllib raise many types for network failures
            raise DataUnavailableError(
                f"cannot download {file_name} of sample set {name!r} from {url} ({type(error).__name__})",
                f"connect to the internet, or set {DATA_DIR_ENV} to a directory that holds "
                f"{name}/{file_name} and the other sample files (laid out as <dir>/{name}/<file>)",
            ) from error
    return directory


def cache_dir() -> Path:
    """Return the download cache: ``$GALAXY_UTILS_CACHE_DIR`` or the user cache of this OS."""
    configured = os.environ.get(CACHE_DIR_ENV)
    return Path(configured).expanduser() if configured else Path(pooch.os_cache("galaxy-utils"))


def load_sample(name: str, test_fraction: float | None = None, seed: int = 42) -> GalaxyDatasetDict:
    """Load a sample set as a DatasetDict with a seeded, stratified train/test split.

    Parameters
    ----------
    name : str
        ``"galaxy10-mini"``, ``"decals-rings"`` or ``"galaxy-mnist-mini"``.
    test_fraction : float, optional
        Share of each class held out for testing (default: the set's own, 0.25).
    seed : int, default 42
        Seed of the split.

    Returns
    -------
    GalaxyDatasetDict
        Splits ``train`` and ``test`` with columns ``image`` (Image), ``label``
        (ClassLabel with the set's class names) and ``file`` (string).
    """
    sample = SAMPLE_SETS[_check_name(name)]
    directory = fetch_sample(name)
    rows = read_manifest(name)

    features = Features({"image": Image(), "label": ClassLabel(names=list(sample.class_names)), "file": Value("string")})
    if name == "galaxy-mnist-mini":
        records = _galaxy_mnist_tiles(directory, rows)
    else:
        records = {
            "image": [str(directory / row["file"]) for row in rows],
            "label": [int(row[sample.label_column]) for row in rows],
            "file": [row["file"] for row in rows],
        }
    full = Dataset.from_dict(records, features=features)

    fraction = sample.test_fraction if test_fraction is None else test_fraction
    splits = split_train_test(full, fraction, seed)
    provenance = Provenance(
        name=name,
        source=str(directory),
        revision=None,
        fingerprint=hash_object([(row.get("file"), row.get("tile"), row["sha256"], row[sample.label_column]) for row in rows]),
        split=f"stratified {1 - fraction:.0%}/{fraction:.0%} train/test split of {len(full)} images, seed {seed}",
        class_names=sample.class_names,
    )
    return GalaxyDatasetDict.create(splits, provenance)


def slice_strip(strip, x0: int, tile: int = GALAXY_MNIST_TILE):
    """Cut the ``tile`` x ``tile`` square whose left edge is at ``x0`` out of a strip image."""
    width, height = strip.size
    if x0 < 0 or x0 + tile > width or height < tile:
        raise DataError(f"tile at x0={x0} does not fit in a {width}x{height} strip", "check the manifest's x0 column")
    return strip.crop((x0, 0, x0 + tile, tile))


def _galaxy_mnist_tiles(directory: Path, rows: list[dict[str, str]]) -> dict:
    strips = {}
    images, labels, files = [], [], []
    for row in rows:
        file_name = row["file"]
        if file_name not in strips:
            strips[file_name] = open_image(directory / file_name)
        tile = slice_strip(strips[file_name], int(row["x0"]))
        images.append({"bytes": encode_png(tile), "path": None})
        labels.append(int(row["label"]))
        files.append(f"{file_name}#tile{row['tile']}")
    return {"image": images, "label": labels, "file": files}


def _unique_files(rows: list[dict[str, str]]) -> dict[str, tuple[str, str]]:
    return {row["file"]: (row["sha256"], row["source_url"]) for row in rows}


@functools.lru_cache(maxsize=None)
def _verified(path: str, size: int, mtime: float, sha256: str) -> bool:
    return sha256_file(path) == sha256


def _verify_local(directory: Path, files: dict[str, tuple[str, str]]) -> None:
    missing, corrupt = [], []
    for file_name, (sha256, _url) in files.items():
        path = directory / file_name
        if not path.is_file():
            missing.append(file_name)
            continue
        stat = path.stat()
        if not _verified(str(path), stat.st_size, stat.st_mtime, sha256):
            corrupt.append(file_name)

    if missing:
        raise DataUnavailableError(
            f"{len(missing)} file(s) of {directory.name!r} are missing from {directory} "
            f"(set by {DATA_DIR_ENV}), for example {missing[0]}",
            f"point {DATA_DIR_ENV} to a complete copy of the sample directory, or unset it to download the files",
        )
    if corrupt:
        raise DataError(
            f"{len(corrupt)} file(s) in {directory} do not match their SHA-256: {', '.join(corrupt[:5])}",
            "replace them with fresh copies, or unset " + DATA_DIR_ENV + " to download them",
        )


def _check_name(name: str) -> str:
    if name not in SAMPLE_SETS:
        raise DataError(f"unknown sample set {name!r}", f"use one of: {', '.join(SAMPLE_SETS)}")
    return name
