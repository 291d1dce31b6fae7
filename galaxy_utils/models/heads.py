"""Classification heads: the linear head, and MLP heads with 1, 2 or 3 hidden layers."""

from __future__ import annotations

from torch import nn

from galaxy_utils.errors import ConfigError

HEADS = ("linear", "mlp1", "mlp2", "mlp3")


class ClassifierHead(nn.Module):
    """A linear or MLP head that maps pooled backbone features to class logits.

    Set :attr:`features_only` to make the head return its input unchanged,
    which is how the classifier exposes the features its head receives.

    Parameters
    ----------
    in_features : int
        Size of the pooled feature vector (for DINOv2, CLS and mean patch token
        concatenated: twice the hidden size).
    num_labels : int
        Number of classes.
    kind : {"linear", "mlp1", "mlp2", "mlp3"}, default "linear"
        ``mlpK`` has K hidden layers of ``hidden_size`` units with GELU.
    hidden_size : int, optional
        Width of the hidden layers (default: ``in_features``).
    dropout : float, default 0.0
        Dropout after each hidden layer.
    """

    def __init__(self, in_features: int, num_labels: int, kind: str = "linear", hidden_size: int | None = None, dropout: float = 0.0):
        super().__init__()
        if kind not in HEADS:
            raise ConfigError(f"unknown head {kind!r}", f"use one of {', '.join(HEADS)}")
        self.kind = kind
        self.features_only = False

        depth = 0 if kind == "linear" else int(kind[-1])
        width = hidden_size or in_features
        layers: list[nn.Module] = []
        size = in_features
        for _ in range(depth):
            layers += [nn.Linear(size, width), nn.GELU(), nn.Dropout(dropout)]
            size = width
        layers.append(nn.Linear(size, num_labels))
        self.layers = nn.Sequential(*layers)

    def forward(self, features):
        """Return logits of shape ``(batch, num_labels)``, or the features themselves."""
        if self.features_only:
            return features
        return self.layers(features)
