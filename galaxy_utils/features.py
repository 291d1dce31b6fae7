"""Extract the features a classifier's head receives, and cache them on disk.

The features of a split depend only on the backbone's weights, its
preprocessing and the images, so the cache key hashes exactly those. The same
cache serves the t-SNE maps before and after fine-tuning and the head-only
training on cached features.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np
import torch

from galaxy_utils.hardware import resolve_device, supports_bf16
from galaxy_utils.io import atomic_save_npy, atomic_write_json, hash_object
from galaxy_utils.models.classifier import GalaxyClassifier

logger = logging.getLogger(__name__)


def backbone_fingerprint(classifier: GalaxyClassifier) -> str:
    """Return a hash of the backbone's weights and the preprocessing (the head is left out)."""
    digest = hashlib.blake2b(digest_size=16)
    for name, tensor in sorted(classifier.model.state_dict().items()):
        if name.startswith("classifier."):
            continue
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    digest.update(json.dumps(classifier.preprocessing.to_dict(), sort_keys=True).encode())
    return digest.hexdigest()


@torch.no_grad()
def extract_features(
    classifier: GalaxyClassifier,
    images: np.ndarray | torch.Tensor,
    batch_size: int = 128,
    device: str = "auto",
    precision: str = "auto",
) -> np.ndarray:
    """Return the pooled features of every image, in evaluation mode with no augmentation.

    Parameters
    ----------
    classifier : GalaxyClassifier
        The model; its head is bypassed.
    images : array of uint8, shape (n_samples, height, width, 3)
        Decoded images (see :func:`galaxy_utils.data.decode_split`).
    batch_size : int, default 128
        Images per forward pass.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to run.
    precision : {"auto", "bf16", "fp32"}, default "auto"
        ``auto`` uses bf16 autocast on GPUs that support it.

    Returns
    -------
    numpy.ndarray of float32, shape (n_samples, n_features)
    """
    device = resolve_device(device)
    use_bf16 = precision == "bf16" or (precision == "auto" and supports_bf16(device))
    was_training = classifier.training
    original_device = next(classifier.parameters()).device
    classifier.eval().to(device)

    images = torch.as_tensor(images)
    chunks = []
    autocast = torch.autocast(device, dtype=torch.bfloat16) if use_bf16 else contextlib.nullcontext()
    try:
        with autocast:
            for start in range(0, len(images), batch_size):
                batch = images[start : start + batch_size].to(device, non_blocking=True)
                chunks.append(classifier.features(batch).float().cpu())
    finally:
        classifier.train(was_training).to(original_device)
    if not chunks:
        return np.zeros((0, classifier.head.layers[0].in_features), dtype=np.float32)
    return torch.cat(chunks).numpy()


def cached_features(
    classifier: GalaxyClassifier,
    images: np.ndarray,
    data_key: str,
    cache_dir: str | os.PathLike | None,
    **options,
) -> np.ndarray:
    """Return :func:`extract_features`, loading it from ``cache_dir`` when present.

    Parameters
    ----------
    classifier : GalaxyClassifier
    images : array of uint8, shape (n_samples, height, width, 3)
    data_key : str
        Identifies the images (for example the data fingerprint and split name).
    cache_dir : path-like or None
        Directory of the cache; None disables it.
    **options
        Passed to :func:`extract_features`.
    """
    if cache_dir is None:
        return extract_features(classifier, images, **options)

    key = hash_object({"backbone": backbone_fingerprint(classifier), "data": data_key, "n": len(images)})[:24]
    path = Path(cache_dir) / f"{key}.npy"
    if path.is_file():
        try:
            features = np.load(path, allow_pickle=False)
            if features.ndim == 2 and len(features) == len(images):
                return features
            logger.warning("ignoring feature cache %s with shape %s", path, features.shape)
        except (OSError, EOFError, ValueError) as error:  # np.load raises EOFError on an empty file
            logger.warning("ignoring unreadable feature cache %s (%s); extracting again", path, error)

    features = extract_features(classifier, images, **options)
    atomic_save_npy(path, features)
    atomic_write_json(path.with_suffix(".json"), {"data": data_key, "shape": list(features.shape)})
    return features
