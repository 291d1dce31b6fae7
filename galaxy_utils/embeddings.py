"""Two-dimensional maps of feature vectors: t-SNE (openTSNE) and UMAP (umap-learn), both seeded.

openTSNE's FFT-accelerated gradients scale well to the 17,736 Galaxy10 DECaLS
feature vectors: on 17,736 synthetic 768-dimensional vectors and 2 CPU cores,
scikit-learn's Barnes-Hut t-SNE took 2.7 times as long (BENCHMARKS.md).
"""

from __future__ import annotations

import logging

import numpy as np

from galaxy_utils.errors import ConfigError

logger = logging.getLogger(__name__)

METHODS = ("tsne", "umap")


def embed(
    features: np.ndarray,
    method: str = "tsne",
    seed: int = 42,
    perplexity: float = 30.0,
    n_neighbors: int = 15,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Map feature vectors to two dimensions.

    Parameters
    ----------
    features : numpy.ndarray, shape (n_samples, n_features)
        Feature vectors, for example from :func:`galaxy_utils.features.extract_features`.
    method : {"tsne", "umap"}, default "tsne"
        openTSNE with PCA initialisation, or UMAP.
    seed : int, default 42
        Random state of either method.
    perplexity : float, default 30
        t-SNE perplexity, lowered automatically below ``(n_samples - 1) / 3``
        for small samples.
    n_neighbors : int, default 15
        UMAP neighbourhood size, lowered automatically for small samples.
    n_jobs : int, optional
        Threads; by default one below 2,000 samples, where starting a thread
        pool costs more than it saves, and all cores above.

    Returns
    -------
    numpy.ndarray of float32, shape (n_samples, 2)
    """
    features = np.asarray(features, dtype=np.float32)
    if features.ndim != 2:
        raise ConfigError(f"features must have shape (n_samples, n_features), got {features.shape}", "pass a 2-D array")
    n = len(features)
    if n < 5:
        raise ConfigError(f"cannot embed {n} samples", "pass at least 5 feature vectors")
    if method not in METHODS:
        raise ConfigError(f"unknown embedding method {method!r}", f"use one of {', '.join(METHODS)}")
    if n_jobs is None:
        n_jobs = 1 if n < 2000 else -1

    if method == "tsne":
        from openTSNE import TSNE

        usable = min(perplexity, max(2.0, (n - 1) / 3.0 - 1e-3))
        if usable != perplexity:
            logger.info("t-SNE perplexity lowered from %g to %.1f for %d samples", perplexity, usable, n)
        tsne = TSNE(n_components=2, perplexity=usable, initialization="pca", random_state=seed, n_jobs=n_jobs, verbose=False)
        return np.asarray(tsne.fit(features), dtype=np.float32)

    import umap

    neighbors = int(min(n_neighbors, n - 1))
    reducer = umap.UMAP(n_components=2, n_neighbors=neighbors, random_state=seed, n_jobs=1 if seed is not None else n_jobs)
    return np.asarray(reducer.fit_transform(features), dtype=np.float32)
