"""Class separation in a feature space, and the difficulty of a data set.

t-SNE maps are pictures; these are the numbers behind them. They compare
features before and after fine-tuning, and Galaxy10 DECaLS with GalaxyMNIST,
on the same scale:

- ``knn_accuracy``: leave-one-out accuracy of a k-nearest-neighbour vote in the
  feature space (cosine distance). It is high when each galaxy's neighbours
  share its class, with no training at all;
- ``silhouette``: the mean silhouette of the true classes (cosine), in [-1, 1];
- ``pca_dimensions_90``: principal components that explain 90% of the
  variance, a rough intrinsic dimension;
- ``imbalance_ratio`` and ``label_entropy``: how uneven the classes are
  (entropy in bits; log2 of the number of classes when balanced).
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.neighbors import NearestNeighbors

from galaxy_utils.errors import ConfigError


def knn_accuracy(features, labels, k: int = 5) -> float:
    """Return the leave-one-out k-nearest-neighbour accuracy under cosine distance.

    Parameters
    ----------
    features : array, shape (n_samples, n_features)
    labels : array-like of int, shape (n_samples,)
    k : int, default 5
        Neighbours that vote; lowered to ``n_samples - 1`` for tiny samples.
        Ties go to the nearest neighbour's class.
    """
    features, labels = _check(features, labels)
    k = max(1, min(k, len(labels) - 1))
    neighbours = NearestNeighbors(n_neighbors=k + 1, metric="cosine").fit(features)
    _, index = neighbours.kneighbors(features)
    index = index[:, 1:]  # drop each point itself
    votes = labels[index]
    predicted = np.empty(len(labels), dtype=int)
    for i, row in enumerate(votes):
        values, counts = np.unique(row, return_counts=True)
        best = values[counts == counts.max()]
        predicted[i] = row[0] if row[0] in best else best[0]
    return float(np.mean(predicted == labels))


def silhouette(features, labels) -> float:
    """Return the mean silhouette of the true classes under cosine distance (NaN for one class)."""
    features, labels = _check(features, labels)
    if len(np.unique(labels)) < 2 or len(np.unique(labels)) >= len(labels):
        return float("nan")
    return float(silhouette_score(features, labels, metric="cosine"))


def pca_dimensions(features, variance: float = 0.9) -> int:
    """Return how many principal components explain ``variance`` of the total variance."""
    features = np.asarray(features, dtype=np.float64)
    n_components = min(features.shape)
    ratios = PCA(n_components=n_components).fit(features).explained_variance_ratio_
    return int(np.searchsorted(np.cumsum(ratios), variance) + 1)


def class_balance(labels, num_labels: int) -> dict[str, float]:
    """Return the imbalance ratio (largest over smallest non-empty class) and the label entropy in bits."""
    counts = np.bincount(np.asarray(labels, dtype=int), minlength=num_labels)
    present = counts[counts > 0]
    shares = present / present.sum()
    return {
        "imbalance_ratio": float(present.max() / present.min()),
        "label_entropy": float(-(shares * np.log2(shares)).sum()),
        "max_entropy": float(np.log2(num_labels)),
    }


def separability_report(features, labels, num_labels: int, k: int = 5) -> dict[str, float]:
    """Return every statistic of this module for one feature space and its labels."""
    return {
        "n_samples": int(len(labels)),
        "n_classes": int(num_labels),
        "knn_accuracy": knn_accuracy(features, labels, k),
        "silhouette": silhouette(features, labels),
        "pca_dimensions_90": pca_dimensions(features),
        **class_balance(labels, num_labels),
    }


def _check(features, labels) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(features, dtype=np.float64)
    labels = np.asarray(labels, dtype=int)
    if features.ndim != 2 or len(features) != len(labels):
        raise ConfigError(f"features {features.shape} and labels {labels.shape} do not match", "pass (n, d) features and n labels")
    if len(labels) < 3:
        raise ConfigError(f"{len(labels)} samples are too few", "pass at least 3 samples")
    return features, labels
