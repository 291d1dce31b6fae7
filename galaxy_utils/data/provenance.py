"""The origin of a data set and the way it was split.

Every result records the provenance of its data, so that a reader can tell a
Hub-split result (90/10) from an 80/20 split of the original file, and so that
the results store never reuses a result computed on other data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from datasets import DatasetDict

from galaxy_utils.io import hash_object


@dataclass(frozen=True)
class Provenance:
    """Origin, revision, content fingerprint and split scheme of a data set.

    Attributes
    ----------
    name : str
        Short name, such as ``"galaxy10"`` or ``"galaxy10-mini"``. The user's
        own images are named after their folder or the CSV's stem, reduced to
        ASCII letters, digits, ``.``, ``_`` and ``-``.
    source : str
        Where the images were read: a Hub id, a file path or a sample directory.
    revision : str or None
        Hub commit or file hash that pins the data, when known.
    fingerprint : str
        Hash of the content (image hashes or Hub fingerprints, and labels).
    split : str
        How train, validation and test were made, in words.
    class_names : tuple of str
        Class names in label order.
    """

    name: str
    source: str
    revision: str | None
    fingerprint: str
    split: str
    class_names: tuple[str, ...]

    def to_dict(self) -> dict:
        """Return the provenance as a JSON-ready dictionary."""
        return asdict(self) | {"class_names": list(self.class_names)}

    def with_split(self, split: str) -> "Provenance":
        """Return a copy whose split description is ``split``."""
        return replace(self, split=split)


class GalaxyDatasetDict(DatasetDict):
    """A :class:`datasets.DatasetDict` that also carries its :class:`Provenance`."""

    provenance: Provenance

    @classmethod
    def create(cls, splits: dict, provenance: Provenance) -> "GalaxyDatasetDict":
        """Build the dictionary from its splits and provenance."""
        dataset = cls(splits)
        dataset.provenance = provenance
        return dataset


def provenance_of(dataset: DatasetDict) -> Provenance:
    """Return the provenance of a data set, deriving one for a plain DatasetDict.

    A plain DatasetDict (for example after ``.map``) gets a fingerprint from the
    ``datasets`` fingerprints of its splits, and class names from its label
    feature.
    """
    if isinstance(getattr(dataset, "provenance", None), Provenance):
        return dataset.provenance

    first = next(iter(dataset.values()))
    label_feature = first.features.get("label")
    names = tuple(getattr(label_feature, "names", None) or ())
    fingerprints = {name: split._fingerprint for name, split in dataset.items()}
    return Provenance(
        name=first.info.dataset_name or "custom",
        source="in-memory DatasetDict",
        revision=None,
        fingerprint=hash_object(fingerprints),
        split=", ".join(f"{name} {len(split)}" for name, split in dataset.items()),
        class_names=names,
    )


def describe_splits(dataset: DatasetDict) -> str:
    """Return split sizes in words, such as ``"train 47, validation 10, test 17"``."""
    return ", ".join(f"{name} {len(split):,}" for name, split in dataset.items())
