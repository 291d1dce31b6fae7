"""The transformers classes behind each model family."""

from __future__ import annotations

from dataclasses import dataclass

import transformers

from galaxy_utils.errors import ModelError


@dataclass(frozen=True)
class Family:
    """A model family: its transformers config and classification classes.

    Attributes
    ----------
    name : str
        Family name used in the registry.
    model_type : str
        ``model_type`` of the transformers config.
    config_class, model_class : str
        Names of the classes in the ``transformers`` package.
    interpolates_positions : bool
        Whether the forward pass accepts ``interpolate_pos_encoding`` to run
        at a resolution other than the configured one.
    """

    name: str
    model_type: str
    config_class: str
    model_class: str
    interpolates_positions: bool

    def config(self, **kwargs):
        """Build the family's config from keyword arguments."""
        return getattr(transformers, self.config_class)(**kwargs)

    def model(self, config):
        """Build a classification model with random weights from a config."""
        return getattr(transformers, self.model_class)(config)

    def model_cls(self):
        """Return the classification model class."""
        return getattr(transformers, self.model_class)


FAMILY_CLASSES = {
    "vit": Family("vit", "vit", "ViTConfig", "ViTForImageClassification", True),
    "beit": Family("beit", "beit", "BeitConfig", "BeitForImageClassification", True),
    "swinv2": Family("swinv2", "swinv2", "Swinv2Config", "Swinv2ForImageClassification", True),
    # DINOv2 always interpolates its position embeddings; its forward has no flag.
    "dinov2": Family("dinov2", "dinov2", "Dinov2Config", "Dinov2ForImageClassification", False),
    "convnextv2": Family("convnextv2", "convnextv2", "ConvNextV2Config", "ConvNextV2ForImageClassification", False),
}


def family_of(name: str) -> Family:
    """Return the family called ``name``."""
    if name not in FAMILY_CLASSES:
        raise ModelError(f"unknown model family {name!r}", f"use one of {', '.join(FAMILY_CLASSES)}")
    return FAMILY_CLASSES[name]


def family_of_config(config) -> Family:
    """Return the family of a transformers config, from its ``model_type``."""
    for family in FAMILY_CLASSES.values():
        if family.model_type == config.model_type:
            return family
    raise ModelError(
        f"model type {config.model_type!r} is not supported",
        f"use a checkpoint of one of the families {', '.join(FAMILY_CLASSES)}",
    )
