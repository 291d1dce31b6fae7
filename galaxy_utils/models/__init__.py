"""Model registry, tiny offline configurations, heads and classifiers."""

from galaxy_utils.models.build import build_classifier, load_classifier, resolve_spec
from galaxy_utils.models.classifier import STRATEGIES, GalaxyClassifier
from galaxy_utils.models.heads import HEADS, ClassifierHead
from galaxy_utils.models.registry import FAMILIES, ModelSpec, get_spec, is_registered, list_models

__all__ = [
    "FAMILIES",
    "HEADS",
    "STRATEGIES",
    "ClassifierHead",
    "GalaxyClassifier",
    "ModelSpec",
    "build_classifier",
    "get_spec",
    "is_registered",
    "list_models",
    "load_classifier",
    "resolve_spec",
]
