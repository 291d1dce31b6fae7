"""Metrics against scikit-learn and by hand: summaries, per class, confusion matrices and bootstrap intervals."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from galaxy_utils.errors import ConfigError
from galaxy_utils.metrics import (
    AVERAGES,
    bootstrap_delta,
    bootstrap_interval,
    confusion,
    evaluation_report,
    per_class_metrics,
    summary_metrics,
)
from galaxy_utils.metrics import _resampled_counts, _scores_from_counts


def random_case(n: int, k: int, seed: int, accuracy: float = 0.6):
    """Return labels and predictions of which about ``accuracy`` are correct."""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, n)
    y_pred = np.where(rng.random(n) < accuracy, y_true, rng.integers(0, k, n))
    return y_true, y_pred


# (name, y_true, y_pred, num_labels)
CASES = [
    ("binary", [0, 1, 1, 0, 1, 0, 0, 1], [0, 1, 0, 0, 1, 1, 0, 1], 2),
    ("imbalanced", [0] * 9 + [1] * 3 + [2], [0] * 8 + [1] + [1, 0, 1] + [0], 3),
    ("class absent from both", [0, 1, 0, 1, 1], [0, 1, 1, 1, 0], 4),
    ("class only predicted", [0, 0, 1, 1], [0, 2, 1, 2], 3),
    ("all wrong", [0, 1, 2, 0], [1, 2, 0, 2], 3),
    ("one class", [1, 1, 1], [1, 1, 1], 2),
    ("random ten classes", *random_case(200, 10, seed=1), 10),
]


def sklearn_summary(y_true, y_pred, num_labels):
    labels = list(range(num_labels))
    return {
        "accuracy": accuracy_score(y_true, y_pred),
        "macro_f1": f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0),
        "weighted_f1": f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0),
    }


def test_summary_matches_sklearn():
    for name, y_true, y_pred, num_labels in CASES:
        ours = summary_metrics(y_true, y_pred, num_labels)
        reference = sklearn_summary(y_true, y_pred, num_labels)
        for metric in AVERAGES:
            assert ours[metric] == pytest.approx(reference[metric], abs=1e-12), f"{name}: {metric}"


def test_per_class_matches_sklearn():
    for name, y_true, y_pred, num_labels in CASES:
        class_names = [f"class {i}" for i in range(num_labels)]
        rows = per_class_metrics(y_true, y_pred, class_names)
        precision, recall, f1, support = precision_recall_fscore_support(
            y_true, y_pred, labels=list(range(num_labels)), zero_division=0
        )

        assert [row["class"] for row in rows] == class_names, name
        assert [row["precision"] for row in rows] == pytest.approx(precision.tolist()), name
        assert [row["recall"] for row in rows] == pytest.approx(recall.tolist()), name
        assert [row["f1"] for row in rows] == pytest.approx(f1.tolist()), name
        assert [row["support"] for row in rows] == support.tolist(), name


def test_confusion_counts_by_hand():
    for name, y_true, y_pred, num_labels in CASES:
        expected = [[0] * num_labels for _ in range(num_labels)]
        for true, predicted in zip(y_true, y_pred):
            expected[true][predicted] += 1

        assert confusion(y_true, y_pred, num_labels)["counts"] == expected, name


def test_confusion_rows_normalised():
    for name, y_true, y_pred, num_labels in CASES:
        matrix = confusion(y_true, y_pred, num_labels)
        present = set(np.asarray(y_true).tolist())
        for row_index, row in enumerate(matrix["normalized"]):
            expected = 1.0 if row_index in present else 0.0
            assert sum(row) == pytest.approx(expected), f"{name}: row {row_index}"


def test_confusion_rows_are_true_classes():
    matrix = confusion([0, 0, 0, 1], [1, 1, 0, 1], 2)

    assert matrix["counts"] == [[1, 2], [0, 1]]
    assert matrix["normalized"][0] == pytest.approx([1 / 3, 2 / 3])


def test_bootstrap_contains_point_value():
    for name, y_true, y_pred, num_labels in CASES:
        for metric in AVERAGES:
            interval = bootstrap_interval(y_true, y_pred, metric, num_labels, n_resamples=300, seed=1)
            assert interval.low <= interval.value, f"{name}: {metric}"
            assert interval.value <= interval.high, f"{name}: {metric}"


def test_bootstrap_value_matches_summary():
    y_true, y_pred = random_case(120, 4, seed=3)
    summary = summary_metrics(y_true, y_pred, 4)

    for metric in AVERAGES:
        assert bootstrap_interval(y_true, y_pred, metric, 4, n_resamples=50).value == pytest.approx(summary[metric])


def test_bootstrap_seed_reproducible():
    y_true, y_pred = random_case(150, 5, seed=4)

    first = bootstrap_interval(y_true, y_pred, "macro_f1", 5, seed=11)
    second = bootstrap_interval(y_true, y_pred, "macro_f1", 5, seed=11)
    other = bootstrap_interval(y_true, y_pred, "macro_f1", 5, seed=12)

    assert first == second
    assert (first.low, first.high) != (other.low, other.high)


def test_bootstrap_level_widens_interval():
    y_true, y_pred = random_case(150, 3, seed=5)

    narrow = bootstrap_interval(y_true, y_pred, "accuracy", 3, level=0.5, seed=0)
    wide = bootstrap_interval(y_true, y_pred, "accuracy", 3, level=0.99, seed=0)

    assert wide.low <= narrow.low
    assert narrow.high <= wide.high


def test_resampled_scores_match_sklearn():
    # The vectorised bootstrap scores every resample from stacked confusion
    # matrices, and each score must equal scikit-learn's on the resampled labels.
    y_true, y_pred = random_case(40, 4, seed=6)
    labels = list(range(5))
    index = np.random.default_rng(0).integers(0, len(y_true), (25, len(y_true)))
    counts = _resampled_counts(y_true, y_pred, index, labels)

    for metric in AVERAGES:
        scores = _scores_from_counts(counts, metric)
        for row, resample in enumerate(index):
            reference = sklearn_summary(y_true[resample], y_pred[resample], 5)[metric]
            assert scores[row] == pytest.approx(reference, abs=1e-12), f"{metric}: resample {row}"


def test_bootstrap_delta_identical_zero():
    y_true, y_pred = random_case(100, 4, seed=7)

    for metric in AVERAGES:
        delta = bootstrap_delta(y_true, y_pred, y_pred.copy(), metric, 4, n_resamples=200)
        assert delta.value == 0.0, metric
        assert delta.low == 0.0, metric
        assert delta.high == 0.0, metric


def test_bootstrap_delta_sign():
    y_true, y_pred = random_case(100, 4, seed=8, accuracy=0.5)

    delta = bootstrap_delta(y_true, y_true, y_pred, "accuracy", 4, n_resamples=200)

    assert delta.value == pytest.approx(1.0 - accuracy_score(y_true, y_pred))
    assert delta.low > 0.0


def test_missing_class_zero_f1(caplog):
    class_names = ["smooth", "spiral", "merger"]
    y_true = [0, 0, 1, 1, 1]
    y_pred = [0, 1, 1, 1, 0]

    with caplog.at_level(logging.WARNING, logger="galaxy_utils.metrics"):
        rows = per_class_metrics(y_true, y_pred, class_names)
        report = evaluation_report(y_true, y_pred, class_names, n_resamples=50)

    assert rows[2]["f1"] == 0.0
    assert rows[2]["support"] == 0
    assert all(math.isfinite(row["f1"]) for row in rows)
    assert math.isfinite(report["macro_f1"])
    assert report["macro_f1"] == pytest.approx(sklearn_summary(y_true, y_pred, 3)["macro_f1"])
    assert report["zero_division"] == 0
    assert "merger" in caplog.text
    assert "smooth" not in caplog.text


def test_perfect_predictions_score_one():
    # Forty images per class, so that no bootstrap resample loses a class,
    # which would score 0 for it under zero_division=0 and lower macro F1.
    y_true = [0, 1, 2, 3] * 40
    class_names = ["a", "b", "c", "d"]

    report = evaluation_report(y_true, y_true, class_names, n_resamples=100)

    for metric in AVERAGES:
        assert report[metric] == 1.0, metric
        assert report["intervals"][metric]["low"] == 1.0, metric
        assert report["intervals"][metric]["high"] == 1.0, metric
    assert all(row["f1"] == 1.0 for row in report["per_class"])


def test_report_fields_present():
    y_true, y_pred = random_case(30, 3, seed=9)

    report = evaluation_report(y_true, y_pred, ["a", "b", "c"], n_resamples=20)

    assert set(report) >= {"accuracy", "macro_f1", "weighted_f1", "intervals", "per_class", "confusion", "n_samples"}
    assert report["n_samples"] == 30


def test_mismatched_lengths_rejected():
    with pytest.raises(ConfigError, match="3 true labels but 2 predictions"):
        summary_metrics([0, 1, 1], [0, 1])


def test_empty_input_rejected():
    with pytest.raises(ConfigError, match="no samples"):
        summary_metrics([], [])


def test_label_beyond_num_labels_rejected():
    with pytest.raises(ConfigError, match="labels outside"):
        bootstrap_interval([0, 1, 3], [0, 1, 1], "accuracy", num_labels=2, n_resamples=10)


def test_unknown_metric_rejected():
    with pytest.raises(ConfigError, match="unknown metric"):
        bootstrap_interval([0, 1], [0, 1], "micro_f1")
