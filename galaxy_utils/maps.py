"""Feature maps before and after fine-tuning: features, 2-D embeddings and separability, cached.

The "before" backbone is the pretrained checkpoint (random initialisation for
the tiny configurations, with the fine-tune's seed), and the "after" backbone
is the fine-tuned model stored with a result.
"""

from __future__ import annotations

import os

import numpy as np
import torch

from galaxy_utils.embeddings import embed
from galaxy_utils.features import cached_features
from galaxy_utils.finetune.result import FineTuneResult
from galaxy_utils.models.build import build_classifier, load_classifier
from galaxy_utils.models.classifier import GalaxyClassifier
from galaxy_utils.separability import separability_report


def pretrained_classifier(result: FineTuneResult, seed: int | None = None) -> GalaxyClassifier:
    """Rebuild the classifier a result started from, before any training."""
    run = result.run
    seed = run["recipe"]["seed"] if seed is None else seed
    weights = "random" if run["weights"] == "random" else "pretrained"
    return build_classifier(run["model"], len(result.class_names), "head", weights=weights, revision=run.get("revision"), seed=seed)


def features_before_after(result: FineTuneResult, images: np.ndarray, data_key: str, cache_dir: str | os.PathLike, device: str = "auto") -> dict:
    """Return the features of ``images`` before and after fine-tuning, and the fine-tuned predictions.

    Returns
    -------
    dict
        ``before`` and ``after``: arrays of shape (n_samples, n_features);
        ``predicted``: the fine-tuned model's classes, shape (n_samples,).
    """
    before = cached_features(pretrained_classifier(result), images, data_key, cache_dir, device=device)
    fine_tuned = load_classifier(result.checkpoint)
    after = cached_features(fine_tuned, images, data_key, cache_dir, device=device)
    with torch.no_grad():
        predicted = fine_tuned.head(torch.as_tensor(after)).argmax(dim=-1).numpy()
    return {"before": before, "after": after, "predicted": predicted}


def embed_both(features: dict, method: str = "tsne", seed: int = 42) -> dict:
    """Embed the ``before`` and ``after`` features of :func:`features_before_after` in 2-D."""
    return {name: embed(features[name], method, seed) for name in ("before", "after")}


def separability_before_after(features: dict, labels, num_labels: int) -> dict:
    """Return :func:`galaxy_utils.separability.separability_report` for both feature spaces."""
    return {name: separability_report(features[name], labels, num_labels) for name in ("before", "after")}
