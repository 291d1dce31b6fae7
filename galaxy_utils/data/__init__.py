"""Galaxy data sets: loaders, splits, image conversion and decoded-array caches.

>>> from galaxy_utils.data import load_data
>>> data = load_data("galaxy10-mini")          # doctest: +SKIP
>>> data["train"].features["label"].names[0]   # doctest: +SKIP
'Disturbed'
"""

from __future__ import annotations

import os
from pathlib import Path

from galaxy_utils.data.classes import GALAXY10_CLASSES, GALAXY_MNIST_CLASSES, RING_CLASSES
from galaxy_utils.data.local import load_image_csv, load_image_folder
from galaxy_utils.data.provenance import GalaxyDatasetDict, Provenance, describe_splits, provenance_of
from galaxy_utils.data.public import load_galaxy10, load_galaxy_mnist
from galaxy_utils.data.samples import SAMPLE_SETS, fetch_sample, load_sample, slice_strip
from galaxy_utils.data.splits import stratified_indices, with_validation
from galaxy_utils.data.summary import brightness_by_class, class_counts, pixel_statistics
from galaxy_utils.data.tensors import DecodedSplit, concatenate, decode_dataset, decode_split
from galaxy_utils.errors import DataError

PUBLIC_SETS = ("galaxy10", "galaxy-mnist")
DATASET_NAMES = PUBLIC_SETS + tuple(SAMPLE_SETS)


def load_data(dataset: str | os.PathLike, seed: int = 42, **options) -> GalaxyDatasetDict:
    """Load a data set by name or path.

    Parameters
    ----------
    dataset : str or path-like
        ``"galaxy10"`` or ``"galaxy-mnist"`` (from the Hub), a sample set
        (``"galaxy10-mini"``, ``"decals-rings"``, ``"galaxy-mnist-mini"``), a
        folder of class folders, a CSV of ``file,label``, or a
        ``Galaxy10_DECals.h5`` file.
    seed : int, default 42
        Seed of any split made here.
    **options
        Passed to the loader, for example ``test_fraction``, ``revision`` or
        ``label_column``.

    Returns
    -------
    GalaxyDatasetDict
        Splits ``train`` and ``test``.
    """
    name = str(dataset)
    if name == "galaxy10":
        return load_galaxy10(**options)
    if name == "galaxy-mnist":
        return load_galaxy_mnist(**options)
    if name in SAMPLE_SETS:
        return load_sample(name, seed=seed, **options)

    path = Path(name).expanduser()
    if path.is_dir():
        return load_image_folder(path, seed=seed, **options)
    if path.is_file() and path.suffix.lower() == ".csv":
        return load_image_csv(path, seed=seed, **options)
    if path.is_file() and path.suffix.lower() in (".h5", ".hdf5"):
        return load_galaxy10(source="h5", path=path, seed=seed, **options)
    if path.is_file():
        raise DataError(
            f"unsupported file type {path.suffix or '(no extension)'} for data set {path}",
            "use a comma-separated .csv, a folder or an .h5 file",
        )
    raise DataError(
        f"data set {name!r} is not a known name, a folder, a CSV or an HDF5 file",
        f"use one of {', '.join(DATASET_NAMES)}, a folder with one sub-folder per class, or a CSV of file,label",
    )


__all__ = [
    "DATASET_NAMES",
    "GALAXY10_CLASSES",
    "GALAXY_MNIST_CLASSES",
    "RING_CLASSES",
    "SAMPLE_SETS",
    "DecodedSplit",
    "GalaxyDatasetDict",
    "Provenance",
    "concatenate",
    "decode_dataset",
    "decode_split",
    "describe_splits",
    "fetch_sample",
    "load_data",
    "load_galaxy10",
    "load_galaxy_mnist",
    "load_image_csv",
    "load_image_folder",
    "load_sample",
    "brightness_by_class",
    "class_counts",
    "pixel_statistics",
    "provenance_of",
    "slice_strip",
    "stratified_indices",
    "with_validation",
]
