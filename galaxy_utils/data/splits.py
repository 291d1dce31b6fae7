"""Seeded, stratified splits that keep every class in every split where possible."""

from __future__ import annotations

import logging

import numpy as np
from datasets import DatasetDict

from galaxy_utils.data.provenance import GalaxyDatasetDict, provenance_of
from galaxy_utils.errors import DataError

logger = logging.getLogger(__name__)


def stratified_indices(labels, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split indices into a kept part and a held-out part, class by class.

    Each class gives ``round(fraction * n_class)`` members to the held-out part,
    at least one when it has two or more members, and always keeps at least
    one. Unlike a global shuffle, this keeps rare classes in both parts of a
    small sample.

    Parameters
    ----------
    labels : array-like of int, shape (n_samples,)
        Class labels.
    fraction : float
        Share of each class to hold out, in (0, 1).
    seed : int
        Seed of the shuffle.

    Returns
    -------
    kept, held_out : numpy.ndarray of int
        Sorted indices of both parts.

    Examples
    --------
    >>> kept, held = stratified_indices([0, 0, 0, 0, 1, 1], 0.25, seed=0)
    >>> len(kept), len(held)
    (4, 2)
    """
    if not 0.0 < fraction < 1.0:
        raise DataError(f"split fraction {fraction} is invalid", "use a value strictly between 0 and 1")

    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    kept, held_out = [], []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        n_held = int(round(fraction * len(members)))
        if len(members) >= 2:
            n_held = min(max(n_held, 1), len(members) - 1)
        else:
            n_held = 0
        held_out.extend(members[:n_held])
        kept.extend(members[n_held:])
    return np.sort(np.asarray(kept, dtype=int)), np.sort(np.asarray(held_out, dtype=int))


def split_train_test(dataset, test_fraction: float, seed: int) -> dict:
    """Split one :class:`datasets.Dataset` into ``{"train", "test"}`` by its ``label`` column."""
    train_idx, test_idx = stratified_indices(dataset["label"], test_fraction, seed)
    return {"train": dataset.select(train_idx), "test": dataset.select(test_idx)}


def with_validation(dataset: DatasetDict, fraction: float = 0.1, seed: int = 42) -> DatasetDict:
    """Carve a stratified ``validation`` split out of ``train``, unless one exists.

    The validation split is used for checkpoint and model selection, so that the
    test split is evaluated once, at the end. The published model cards of the
    study selected on the test split instead.

    Returns
    -------
    datasets.DatasetDict
        Splits ``train``, ``validation`` and ``test`` (and any others present).
    """
    if "validation" in dataset:
        return dataset
    if "train" not in dataset:
        raise DataError(
            f"the data set has no 'train' split (splits: {sorted(dataset)})",
            "name the training split 'train'",
        )

    provenance = provenance_of(dataset)
    train_idx, val_idx = stratified_indices(dataset["train"]["label"], fraction, seed)
    splits = dict(dataset)
    splits["train"] = dataset["train"].select(train_idx)
    splits["validation"] = dataset["train"].select(val_idx)
    ordered = {name: splits[name] for name in ("train", "validation", "test") if name in splits}
    ordered.update({name: split for name, split in splits.items() if name not in ordered})

    note = f"{provenance.split}; validation = {fraction:.0%} of train, stratified, seed {seed}"
    return GalaxyDatasetDict.create(ordered, provenance.with_split(note))
