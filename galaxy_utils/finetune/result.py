"""The record of one fine-tune: what defined it, its metrics, predictions and history."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

SCHEMA_VERSION = 1


@dataclass
class FineTuneResult:
    """Everything a fine-tune produced, as stored in the results directory.

    Attributes
    ----------
    key : str
        SHA-256 of :attr:`run`, the identity of the run in the results store.
    run : dict
        What defines the run: model, weights, strategy, head, data provenance,
        recipe, seed and library versions.
    metrics : dict
        Test-split metrics: ``accuracy``, ``macro_f1``, ``weighted_f1``, their
        bootstrap ``intervals``, ``per_class`` and ``confusion``.
    validation_metrics : dict
        The same on the validation split, which selected the checkpoint.
    train_metrics : dict or None
        The same on the training split, when requested.
    predictions : dict
        Per split: ``labels``, ``predictions`` and ``probabilities`` (softmax).
    history : list of dict
        The Trainer's log: training loss per epoch and validation metrics.
    checkpoint : str
        Directory of the selected model (safetensors).
    wall_time_s : float
        Seconds spent in this call, decoding and evaluation included.
    hardware : dict
        Device, GPU model and library versions.
    notes : list of str
        How to read the numbers (selection on validation, test evaluated once).
    created : str
        UTC time the result was written.
    """

    key: str
    run: dict
    metrics: dict
    validation_metrics: dict
    predictions: dict
    history: list
    checkpoint: str
    wall_time_s: float
    hardware: dict
    notes: list = field(default_factory=list)
    train_metrics: dict | None = None
    created: str = ""
    result_path: str = ""
    reused: bool = False
    schema: int = SCHEMA_VERSION

    def to_dict(self) -> dict:
        """Return the result as a JSON-ready dictionary (without the in-memory fields)."""
        data = asdict(self)
        data.pop("reused")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "FineTuneResult":
        """Rebuild a result from :meth:`to_dict` output."""
        known = {name for name in cls.__dataclass_fields__ if name != "reused"}
        return cls(**{key: value for key, value in data.items() if key in known})

    @property
    def class_names(self) -> list[str]:
        """Class names in label order."""
        return list(self.run["data"]["class_names"])

    def labels(self, split: str = "test") -> np.ndarray:
        """True labels of a split, shape ``(n_samples,)``."""
        return np.asarray(self.predictions[split]["labels"], dtype=int)

    def predicted(self, split: str = "test") -> np.ndarray:
        """Predicted labels of a split, shape ``(n_samples,)``."""
        return np.asarray(self.predictions[split]["predictions"], dtype=int)

    def probabilities(self, split: str = "test") -> np.ndarray:
        """Softmax probabilities of a split, shape ``(n_samples, num_labels)``."""
        return np.asarray(self.predictions[split]["probabilities"], dtype=float)

    def summary(self) -> str:
        """Return one line with the test metrics."""
        m = self.metrics
        return (
            f"{self.run['model']} [{self.run['strategy']}/{self.run['head']}] on {self.run['data']['name']}: "
            f"accuracy {100 * m['accuracy']:.2f}, macro F1 {100 * m['macro_f1']:.2f}, "
            f"weighted F1 {100 * m['weighted_f1']:.2f} (test, n={m['n_samples']})"
        )
