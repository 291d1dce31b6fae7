"""Torch datasets over in-memory tensors, fetched a whole batch at a time."""

from __future__ import annotations

import torch
from torch import nn
from transformers.modeling_outputs import ImageClassifierOutput

from galaxy_utils.models.heads import ClassifierHead


class TensorDictDataset(torch.utils.data.Dataset):
    """A dataset of equally long tensors, returned as a dict per item or per batch.

    ``__getitems__`` lets the DataLoader gather a batch with one indexing
    operation per tensor instead of one per image.

    Parameters
    ----------
    **tensors : torch.Tensor
        Tensors with the same first dimension, for example ``pixel_values``
        (uint8, ``(n, height, width, 3)``) and ``labels`` (int64, ``(n,)``).
    """

    def __init__(self, **tensors: torch.Tensor):
        lengths = {len(tensor) for tensor in tensors.values()}
        if len(lengths) != 1:
            raise ValueError(f"tensors have different lengths: { {k: len(v) for k, v in tensors.items()} }")
        self.tensors = tensors

    def __len__(self) -> int:
        return len(next(iter(self.tensors.values())))

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {name: tensor[index] for name, tensor in self.tensors.items()}

    def __getitems__(self, indices: list[int]) -> dict[str, torch.Tensor]:
        index = torch.as_tensor(indices)
        return {name: tensor[index] for name, tensor in self.tensors.items()}


def collate_batch(batch) -> dict[str, torch.Tensor]:
    """Pass a batch from ``__getitems__`` through, or stack a list of items."""
    if isinstance(batch, dict):
        return batch
    return {name: torch.stack([item[name] for item in batch]) for name in batch[0]}


class FeatureHeadModel(nn.Module):
    """A classification head trained on cached backbone features.

    Parameters
    ----------
    head : ClassifierHead
        The head to train; it is shared with the full classifier, so training
        here updates the classifier's head too.
    """

    def __init__(self, head: ClassifierHead):
        super().__init__()
        self.head = head

    def forward(self, features: torch.Tensor, labels: torch.Tensor | None = None) -> ImageClassifierOutput:
        """Return logits and, with ``labels``, the cross-entropy loss."""
        logits = self.head(features)
        loss = nn.functional.cross_entropy(logits.float(), labels) if labels is not None else None
        return ImageClassifierOutput(loss=loss, logits=logits)
