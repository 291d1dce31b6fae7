"""Decode a whole split once into a uint8 array, and cache it on disk.

Training then reads batches by indexing this array, so JPEG/PNG decoding never
starves the GPU. Galaxy10 DECaLS at 256 px is 17,736 x 256 x 256 x 3 bytes
(3.5 GB), which fits in host and GPU memory. Resizing, augmentation and
normalisation happen later, on the model's device.
"""

from __future__ import annotations

import io
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from datasets import Dataset, Image
from PIL import Image as PILImage

from galaxy_utils.data.images import decode_image_file, square_resize
from galaxy_utils.errors import DataError
from galaxy_utils.io import atomic_save_npy, atomic_write_json, hash_object

logger = logging.getLogger(__name__)

# Bump when decoding changes, so that old caches are not reused.
DECODER_VERSION = 1


@dataclass
class DecodedSplit:
    """A split decoded to memory.

    Attributes
    ----------
    images : numpy.ndarray of uint8, shape (n_samples, size, size, 3)
        RGB pixels.
    labels : numpy.ndarray of int64, shape (n_samples,)
        Class labels.
    """

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def decode_split(
    split: Dataset,
    size: int,
    cache_dir: str | os.PathLike | None = None,
    cache_key: str | None = None,
    num_threads: int | None = None,
) -> DecodedSplit:
    """Decode every image of a split to a ``(n, size, size, 3)`` uint8 array.

    Each image is converted to RGB, padded to a centred square with black and
    resized to ``size`` (bicubic). With ``cache_dir`` and ``cache_key``, the
    array is saved as ``.npy`` and later calls load it instead of decoding.

    Parameters
    ----------
    split : datasets.Dataset
        A split with ``image`` and ``label`` columns.
    size : int
        Edge of the stored square images, in pixels (256 keeps Galaxy10 DECaLS
        at full resolution).
    cache_dir : path-like, optional
        Directory of the cache.
    cache_key : str, optional
        Identifies the split's content, for example from its provenance.
    num_threads : int, optional
        Decoding threads (default: the number of CPUs). Pillow releases the GIL
        while it decodes and resizes.
    """
    if size < 8:
        raise DataError(f"image size {size} is too small", "use at least 8 pixels")

    labels = np.asarray(split["label"], dtype=np.int64)
    cache_paths = None
    if cache_dir is not None and cache_key is not None:
        key = hash_object({"key": cache_key, "size": size, "n": len(split), "decoder": DECODER_VERSION})[:24]
        cache_paths = (Path(cache_dir) / f"{key}.npy", Path(cache_dir) / f"{key}.json")
        cached = _load_cache(*cache_paths, expected_shape=(len(split), size, size, 3))
        if cached is not None:
            return DecodedSplit(cached, labels)

    raw = split.cast_column("image", Image(decode=False))["image"]
    images = np.empty((len(raw), size, size, 3), dtype=np.uint8)

    def decode_one(index: int) -> None:
        images[index] = square_resize(_open_raw(raw[index]), size)

    with ThreadPoolExecutor(max_workers=num_threads or os.cpu_count() or 1) as pool:
        list(pool.map(decode_one, range(len(raw))))

    if cache_paths is not None:
        atomic_save_npy(cache_paths[0], images)
        atomic_write_json(cache_paths[1], {"shape": list(images.shape), "dtype": "uint8", "decoder": DECODER_VERSION})
        logger.info("cached %d decoded images at %s", len(images), cache_paths[0])
    return DecodedSplit(images, labels)


def decode_dataset(dataset, size: int, cache_dir: str | os.PathLike | None = None, splits=None) -> dict[str, DecodedSplit]:
    """Decode several splits of a data set, cached under keys derived from its provenance.

    Parameters
    ----------
    dataset : datasets.DatasetDict
        The data set (its provenance identifies the cached arrays).
    size : int
        Edge of the stored images, in pixels.
    cache_dir : path-like, optional
        Directory of the cache.
    splits : sequence of str, optional
        Splits to decode (default: all).
    """
    from galaxy_utils.data.provenance import provenance_of

    provenance = provenance_of(dataset)
    names = list(splits) if splits is not None else list(dataset)
    return {
        name: decode_split(dataset[name], size, cache_dir, f"{provenance.fingerprint}/{name}/{provenance.split}")
        for name in names
    }


def concatenate(decoded: dict[str, DecodedSplit], splits) -> DecodedSplit:
    """Join decoded splits in the given order."""
    parts = [decoded[name] for name in splits]
    return DecodedSplit(np.concatenate([part.images for part in parts]), np.concatenate([part.labels for part in parts]))


def _open_raw(item: dict) -> PILImage.Image:
    if item.get("bytes"):
        with PILImage.open(io.BytesIO(item["bytes"])) as image:
            image.load()
            return image.copy()
    if item.get("path"):
        return decode_image_file(item["path"])
    raise DataError("an image entry has neither bytes nor a path", "rebuild the data set")


def _load_cache(array_path: Path, meta_path: Path, expected_shape: tuple[int, ...]) -> np.ndarray | None:
    if not (array_path.is_file() and meta_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
        array = np.load(array_path, allow_pickle=False)
    except (OSError, EOFError, ValueError) as error:
        # np.load raises EOFError on an empty file, which a full disk or a kill
        # during the first write can leave. JSONDecodeError is a ValueError.
        logger.warning("ignoring unreadable image cache %s (%s); decoding again", array_path, error)
        return None
    if not isinstance(meta, dict):
        logger.warning("ignoring image cache %s: its sidecar %s is not a JSON object; decoding again", array_path, meta_path)
        return None
    if array.shape != expected_shape or array.dtype != np.uint8 or list(array.shape) != meta.get("shape"):
        logger.warning("ignoring image cache %s with shape %s, expected %s; decoding again", array_path, array.shape, expected_shape)
        return None
    return array
