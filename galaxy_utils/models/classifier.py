"""The classifier that the fine-tuning loop trains: preprocessing, backbone and head in one module.

It takes uint8 image batches, so that resizing, augmentation and normalisation
run on the model's device, inside the forward pass.
"""

from __future__ import annotations

import contextlib
import logging

import torch
from torch import nn
from transformers.modeling_outputs import ImageClassifierOutput

from galaxy_utils.errors import ConfigError
from galaxy_utils.models.heads import ClassifierHead
from galaxy_utils.transforms import Augmentation, Preprocessing, preprocess_batch

logger = logging.getLogger(__name__)

STRATEGIES = ("full", "head")


class GalaxyClassifier(nn.Module):
    """A transformers image-classification model whose head is a :class:`ClassifierHead`.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A ``*ForImageClassification`` model whose ``classifier`` attribute is a
        :class:`ClassifierHead`.
    preprocessing : Preprocessing
        Resize, crop and normalisation of the backbone.
    strategy : {"full", "head"}
        ``full`` trains every parameter. ``head`` freezes the backbone, keeps it
        in evaluation mode (no dropout or stochastic depth), and trains only the head.
    augmentation : Augmentation, optional
        Random transforms applied to uint8 input in training mode.
    interpolate_pos_encoding : bool, default False
        Pass the flag to backbones that need it to run at a resolution other
        than their configured one (ViT, BEiT, SwinV2).
    """

    def __init__(
        self,
        model: nn.Module,
        preprocessing: Preprocessing,
        strategy: str = "full",
        augmentation: Augmentation | None = None,
        interpolate_pos_encoding: bool = False,
    ):
        super().__init__()
        if strategy not in STRATEGIES:
            raise ConfigError(f"unknown strategy {strategy!r}", f"use one of {', '.join(STRATEGIES)}")
        if not isinstance(model.classifier, ClassifierHead):
            raise ConfigError("the model's classifier is not a ClassifierHead", "build the model with build_classifier")
        self.model = model
        self.preprocessing = preprocessing
        self.strategy = strategy
        self.augmentation = augmentation
        self.interpolate_pos_encoding = interpolate_pos_encoding
        self.config = model.config  # the Trainer reads a few attributes from here
        self.spec = None  # the registry entry, set by build_classifier
        self.build_options: dict = {}

        if strategy == "head":
            for name, parameter in model.named_parameters():
                parameter.requires_grad = name.startswith("classifier.")

    @property
    def head(self) -> ClassifierHead:
        """The classification head."""
        return self.model.classifier

    @property
    def num_labels(self) -> int:
        """Number of classes."""
        return self.head.layers[-1].out_features

    def train(self, mode: bool = True):
        """Set training mode, keeping a frozen backbone in evaluation mode."""
        super().train(mode)
        if mode and self.strategy == "head":
            self.model.eval()
            self.head.train()
        return self

    def prepare(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Turn uint8 ``(batch, height, width, 3)`` pixels into normalised backbone input.

        Float input is taken as already preprocessed ``(batch, 3, crop, crop)``.
        """
        if pixel_values.dtype != torch.uint8:
            return pixel_values
        augmentation = self.augmentation if self.training else None
        return preprocess_batch(pixel_values, self.preprocessing, augmentation)

    def forward(self, pixel_values: torch.Tensor, labels: torch.Tensor | None = None) -> ImageClassifierOutput:
        """Return class logits and, with ``labels``, the cross-entropy loss."""
        x = self.prepare(pixel_values)
        kwargs = {"interpolate_pos_encoding": True} if self.interpolate_pos_encoding else {}
        logits = self.model(pixel_values=x, **kwargs).logits
        loss = nn.functional.cross_entropy(logits.float(), labels) if labels is not None else None
        return ImageClassifierOutput(loss=loss, logits=logits)

    @torch.no_grad()
    def features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Return the pooled features that the head receives, shape ``(batch, in_features)``.

        ViT: the CLS token. DINOv2: the CLS token concatenated with the mean
        patch token. BEiT, SwinV2 and ConvNeXt V2: their pooler output.
        """
        with self.head_bypassed():
            return self.forward(pixel_values).logits

    @contextlib.contextmanager
    def head_bypassed(self):
        """Make the forward pass return features instead of logits, temporarily."""
        previous = self.head.features_only
        self.head.features_only = True
        try:
            yield self
        finally:
            self.head.features_only = previous

    def gradient_checkpointing_enable(self, gradient_checkpointing_kwargs: dict | None = None) -> None:
        """Recompute backbone activations in the backward pass (called by the Trainer)."""
        self.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=gradient_checkpointing_kwargs)

    def trainable_parameters(self) -> int:
        """Return the number of parameters that training updates."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def total_parameters(self) -> int:
        """Return the number of parameters."""
        return sum(p.numel() for p in self.parameters())
