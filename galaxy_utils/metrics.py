"""Classification metrics, always named by their averaging, with bootstrap confidence intervals.

The study reports "F1" without saying which average. Its model cards report
recall equal to accuracy, which is what weighted averaging gives, so tables
that compare with the study use ``weighted_f1``. ``macro_f1`` weighs the rare
classes (Disturbed, Cigar Shaped Smooth) as much as the common ones and is the
better summary for an imbalanced set. Every table names the average it shows.

F1 is computed with ``zero_division=0``: a class with no true and no predicted
member scores 0, and a warning names it.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from galaxy_utils.errors import ConfigError

logger = logging.getLogger(__name__)

AVERAGES = ("accuracy", "macro_f1", "weighted_f1")
ZERO_DIVISION = 0


@dataclass(frozen=True)
class Interval:
    """A point estimate with a bootstrap confidence interval."""

    value: float
    low: float
    high: float
    level: float = 0.95

    def to_dict(self) -> dict:
        """Return the interval as a JSON-ready dictionary."""
        return {"value": self.value, "low": self.low, "high": self.high, "level": self.level}

    def __str__(self) -> str:
        return f"{100 * self.value:.2f} [{100 * self.low:.2f}, {100 * self.high:.2f}]"


def summary_metrics(y_true, y_pred, num_labels: int | None = None) -> dict[str, float]:
    """Return accuracy, macro F1 and weighted F1.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n_samples,)
        True and predicted labels.
    num_labels : int, optional
        Number of classes; labels ``0..num_labels-1`` all count in the macro
        average, even when absent from both arrays.

    Returns
    -------
    dict
        ``{"accuracy", "macro_f1", "weighted_f1"}``, each in [0, 1].

    Examples
    --------
    >>> summary_metrics([0, 1, 1, 2], [0, 1, 1, 2])
    {'accuracy': 1.0, 'macro_f1': 1.0, 'weighted_f1': 1.0}
    """
    y_true, y_pred = _check(y_true, y_pred)
    labels = _labels(y_true, y_pred, num_labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=ZERO_DIVISION)),
            "weighted_f1": float(f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=ZERO_DIVISION)),
        }


def per_class_metrics(y_true, y_pred, class_names) -> list[dict]:
    """Return precision, recall, F1 and support of each class.

    A class absent from ``y_true`` gets a warning that names it, and its recall
    and F1 are 0 by ``zero_division=0``.

    Returns
    -------
    list of dict
        One ``{"class", "precision", "recall", "f1", "support"}`` per class, in label order.
    """
    y_true, y_pred = _check(y_true, y_pred)
    labels = list(range(len(class_names)))
    warn_missing_classes(y_true, class_names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        precision, recall, f1, support = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, zero_division=ZERO_DIVISION
        )
    return [
        {"class": name, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for name, p, r, f, s in zip(class_names, precision, recall, f1, support)
    ]


def confusion(y_true, y_pred, num_labels: int) -> dict[str, list]:
    """Return the confusion matrix as counts and normalised by row (true class).

    Rows are true classes and columns predicted classes. A row of a class
    with no member is all zeros in both forms.

    Returns
    -------
    dict
        ``{"counts": (num_labels, num_labels) list, "normalized": same shape}``.
    """
    y_true, y_pred = _check(y_true, y_pred)
    counts = confusion_matrix(y_true, y_pred, labels=list(range(num_labels)))
    totals = counts.sum(axis=1, keepdims=True)
    normalized = np.divide(counts, totals, out=np.zeros(counts.shape, dtype=float), where=totals > 0)
    return {"counts": counts.tolist(), "normalized": normalized.tolist()}


def most_confused_pairs(counts, class_names, top: int = 5) -> list[dict]:
    """Return the off-diagonal cells with the most errors, either direction summed.

    Returns
    -------
    list of dict
        ``{"pair": (a, b), "errors": n, "a_as_b": n_ab, "b_as_a": n_ba}``, most errors first.
    """
    counts = np.asarray(counts)
    pairs = []
    for a in range(len(class_names)):
        for b in range(a + 1, len(class_names)):
            errors = int(counts[a, b] + counts[b, a])
            if errors:
                pairs.append({"pair": (class_names[a], class_names[b]), "errors": errors, "a_as_b": int(counts[a, b]), "b_as_a": int(counts[b, a])})
    return sorted(pairs, key=lambda item: -item["errors"])[:top]


def delta_f1(f1_full: float, f1_head: float) -> float:
    """Return dF1 = F1(full fine-tuning) - F1(head only): what training the backbone adds."""
    return f1_full - f1_head


def bootstrap_interval(
    y_true,
    y_pred,
    metric: str = "weighted_f1",
    num_labels: int | None = None,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Return a percentile bootstrap confidence interval of a metric over the test images.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n_samples,)
    metric : {"accuracy", "macro_f1", "weighted_f1"}, default "weighted_f1"
    num_labels : int, optional
        Number of classes.
    n_resamples : int, default 1000
        Bootstrap resamples of the images, with replacement.
    level : float, default 0.95
        Coverage of the interval.
    seed : int, default 0
        Seed of the resampling.
    """
    y_true, y_pred = _check(y_true, y_pred)
    _check_metric(metric)
    labels = _labels(y_true, y_pred, num_labels)
    index = np.random.default_rng(seed).integers(0, len(y_true), (n_resamples, len(y_true)))
    samples = _scores_from_counts(_resampled_counts(y_true, y_pred, index, labels), metric)
    low, high = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2])
    return Interval(_score(y_true, y_pred, metric, labels), float(low), float(high), level)


def bootstrap_delta(
    y_true,
    pred_full,
    pred_head,
    metric: str = "weighted_f1",
    num_labels: int | None = None,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Return a paired bootstrap confidence interval of dF1 = F1(full) - F1(head).

    Both models are scored on the same resampled images, so the interval
    reflects the difference between them, not the spread of each.
    """
    y_true, pred_full = _check(y_true, pred_full)
    _, pred_head = _check(y_true, pred_head)
    _check_metric(metric)
    labels = _labels(y_true, np.concatenate([pred_full, pred_head]), num_labels)
    index = np.random.default_rng(seed).integers(0, len(y_true), (n_resamples, len(y_true)))
    samples = _scores_from_counts(_resampled_counts(y_true, pred_full, index, labels), metric) - _scores_from_counts(
        _resampled_counts(y_true, pred_head, index, labels), metric
    )
    low, high = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2])
    value = _score(y_true, pred_full, metric, labels) - _score(y_true, pred_head, metric, labels)
    return Interval(value, float(low), float(high), level)


def bootstrap_per_class_f1(
    y_true, y_pred, num_labels: int, n_resamples: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return bootstrap lower and upper bounds of each class's F1, each of shape (num_labels,)."""
    y_true, y_pred = _check(y_true, y_pred)
    labels = list(range(num_labels))
    index = np.random.default_rng(seed).integers(0, len(y_true), (n_resamples, len(y_true)))
    counts = _resampled_counts(y_true, y_pred, index, labels)
    true_positive = np.diagonal(counts, axis1=1, axis2=2)
    denominator = counts.sum(axis=2) + counts.sum(axis=1)
    f1 = np.divide(2 * true_positive, denominator, out=np.zeros(true_positive.shape, dtype=float), where=denominator > 0)
    low, high = np.quantile(f1, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return low, high


def evaluation_report(y_true, y_pred, class_names, n_resamples: int = 1000, seed: int = 0) -> dict:
    """Return every metric of one split: summary, intervals, per class and confusion matrix."""
    num_labels = len(class_names)
    report = summary_metrics(y_true, y_pred, num_labels)
    report["intervals"] = {
        metric: bootstrap_interval(y_true, y_pred, metric, num_labels, n_resamples, seed=seed).to_dict() for metric in AVERAGES
    }
    report["per_class"] = per_class_metrics(y_true, y_pred, class_names)
    report["confusion"] = confusion(y_true, y_pred, num_labels)
    report["n_samples"] = int(len(y_true))
    report["zero_division"] = ZERO_DIVISION
    return report


def warn_missing_classes(y_true, class_names) -> list[str]:
    """Warn about classes with no member in ``y_true``, and return their names."""
    present = set(np.asarray(y_true).tolist())
    missing = [name for index, name in enumerate(class_names) if index not in present]
    if missing:
        logger.warning(
            "the evaluation split has no images of class(es) %s; their recall and F1 are 0 (zero_division=%d)",
            missing, ZERO_DIVISION,
        )
    return missing


def _resampled_counts(y_true, y_pred, index, labels) -> np.ndarray:
    """Return one confusion matrix per bootstrap resample, shape (n_resamples, k, k)."""
    k = len(labels)
    position = {label: i for i, label in enumerate(labels)}
    true_codes = np.array([position.get(v, -1) for v in y_true])
    pred_codes = np.array([position.get(v, -1) for v in y_pred])
    if (true_codes < 0).any() or (pred_codes < 0).any():
        raise ConfigError(f"labels outside 0..{k - 1} in the inputs", "pass num_labels that covers every label")
    codes = true_codes[index] * k + pred_codes[index] + np.arange(len(index))[:, None] * k * k
    return np.bincount(codes.ravel(), minlength=len(index) * k * k).reshape(len(index), k, k)


def _scores_from_counts(counts: np.ndarray, metric: str) -> np.ndarray:
    """Score stacked confusion matrices exactly as scikit-learn would, with zero_division=0."""
    total = counts.sum(axis=(1, 2))
    true_positive = np.diagonal(counts, axis1=1, axis2=2)
    if metric == "accuracy":
        return true_positive.sum(axis=1) / total
    support = counts.sum(axis=2)
    predicted = counts.sum(axis=1)
    denominator = support + predicted
    f1 = np.divide(2 * true_positive, denominator, out=np.zeros(true_positive.shape, dtype=float), where=denominator > 0)
    if metric == "macro_f1":
        return f1.mean(axis=1)
    return np.divide((f1 * support).sum(axis=1), total, out=np.zeros(len(total)), where=total > 0)


def _score(y_true, y_pred, metric: str, labels) -> float:
    if metric == "accuracy":
        return float(np.mean(y_true == y_pred))
    average = "macro" if metric == "macro_f1" else "weighted"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return float(f1_score(y_true, y_pred, labels=labels, average=average, zero_division=ZERO_DIVISION))


def _labels(y_true, y_pred, num_labels):
    if num_labels is not None:
        return list(range(num_labels))
    return sorted(set(np.asarray(y_true).tolist()) | set(np.asarray(y_pred).tolist()))


def _check(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true).astype(int).ravel(), np.asarray(y_pred).astype(int).ravel()
    if len(y_true) != len(y_pred):
        raise ConfigError(f"{len(y_true)} true labels but {len(y_pred)} predictions", "pass arrays of the same length")
    if len(y_true) == 0:
        raise ConfigError("no samples to score", "evaluate on a non-empty split")
    return y_true, y_pred


def _check_metric(metric: str) -> None:
    if metric not in AVERAGES:
        raise ConfigError(f"unknown metric {metric!r}", f"use one of {', '.join(AVERAGES)}")
