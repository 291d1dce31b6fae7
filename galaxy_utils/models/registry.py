"""A small, explicit registry of the model variants the study fine-tuned, and tiny offline twins.

Each entry stores what a reader needs to compare variants (family, size,
resolution, parameter count, what pretraining and head ship with it) and the
architecture facts needed to build the full-size network with random weights,
without the Hub.

>>> from galaxy_utils.models import get_spec, list_models
>>> get_spec("facebook/dinov2-base-imagenet1k-1-layer").family
'dinov2'
>>> len(list_models("tiny-*")) >= 4
True
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from galaxy_utils.errors import ModelError
from galaxy_utils.transforms import Preprocessing

FAMILIES = ("vit", "swinv2", "beit", "dinov2", "convnextv2")


@dataclass(frozen=True)
class ModelSpec:
    """One model variant.

    Attributes
    ----------
    name : str
        The Hub id (``"google/vit-base-patch16-384"``), or ``"tiny-<family>"``
        for an offline configuration.
    family : str
        One of ``vit``, ``swinv2``, ``beit``, ``dinov2``, ``convnextv2``.
    size : str
        ``nano``, ``tiny``, ``small``, ``base``, ``large``, ``huge`` or ``giant``.
    image_size : int
        Input resolution of the checkpoint, in pixels.
    params_m : float
        Published parameter count in millions. For ConvNeXt V2 it includes the
        1,000-class ImageNet head (atto: 3.4 M backbone + 0.3 M head = 3.7 M).
        For the other families it is the backbone's count, without any head.
    imagenet_head : str or None
        Label set of the classification head that ships (``"ImageNet-1k"``,
        ``"ImageNet-21k"``), or None when the checkpoint has none.
    head_usable : bool
        False when a head ships but is not trained (ViT ``-in21k`` heads are zeroed).
    pretraining : str
        How the backbone was trained, in words.
    self_supervised_only : bool
        True when no label was used before fine-tuning (BEiT ``-pt22k``, plain DINOv2).
    config : dict
        Keyword arguments of the family's transformers config class: the
        architecture facts (hidden size, depth, heads, patch, window, image size).
    preprocessing : Preprocessing
        Resize, crop, mean and std of the checkpoint's image processor.
    confirmed : bool
        Whether the id and its facts were confirmed from the transformers
        documentation or the model card (see ``source``).
    source : str
        Where the facts were confirmed.
    in_study : bool
        Whether the study fine-tuned this variant.
    tiny : bool
        An offline configuration of a few hundred thousand parameters.
    notes : str
        Anything else a user should know.
    """

    name: str
    family: str
    size: str
    image_size: int
    params_m: float
    imagenet_head: str | None
    head_usable: bool
    pretraining: str
    self_supervised_only: bool
    config: dict = field(hash=False)
    preprocessing: Preprocessing
    confirmed: bool = True
    source: str = ""
    in_study: bool = False
    tiny: bool = False
    notes: str = ""

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ModelError(f"unknown family {self.family!r} for {self.name}", f"use one of {', '.join(FAMILIES)}")

    def to_row(self) -> dict:
        """Return the entry as a flat dictionary for tables."""
        return {
            "name": self.name,
            "family": self.family,
            "size": self.size,
            "image_size": self.image_size,
            "params_m": self.params_m,
            "imagenet_head": self._head_description(),
            "pretraining": self.pretraining,
            "self_supervised_only": self.self_supervised_only,
            "in_study": self.in_study,
            "confirmed": self.confirmed,
        }

    def _head_description(self) -> str | None:
        if self.imagenet_head is None or self.head_usable:
            return self.imagenet_head
        return f"{self.imagenet_head} (untrained)"


_REGISTRY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    """Add an entry to the registry, rejecting a duplicate name."""
    if spec.name in _REGISTRY:
        raise ModelError(f"model {spec.name!r} is registered twice", "give each entry a unique name")
    _REGISTRY[spec.name] = spec
    return spec


def get_spec(name: str) -> ModelSpec:
    """Return the registry entry of ``name``.

    Raises
    ------
    galaxy_utils.errors.ModelError
        When ``name`` is not registered. The message suggests close names.
    """
    _load_catalog()
    if name in _REGISTRY:
        return _REGISTRY[name]
    close = [key for key in _REGISTRY if name.lower() in key.lower()][:5]
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise ModelError(
        f"model {name!r} is not in the registry",
        hint + "run `galaxy-book models` to list the registered names; any Hub id of a supported family also works",
    )


def is_registered(name: str) -> bool:
    """Return whether ``name`` is a registry entry."""
    _load_catalog()
    return name in _REGISTRY


def list_models(pattern: str = "*", family: str | None = None, in_study: bool | None = None, tiny: bool | None = None) -> list[ModelSpec]:
    """List registry entries whose name matches a shell-style pattern.

    Parameters
    ----------
    pattern : str, default "*"
        ``fnmatch`` pattern on the name, such as ``"*dinov2*"``.
    family : str, optional
        Keep only this family (one of :data:`FAMILIES`; another name raises a ModelError).
    in_study : bool, optional
        Keep only variants the study did (True) or did not (False) fine-tune.
    tiny : bool, optional
        Keep only the offline tiny configurations (True) or only real checkpoints (False).
    """
    _load_catalog()
    if family is not None and family not in FAMILIES:
        raise ModelError(f"unknown family {family!r}", f"use one of {', '.join(FAMILIES)}")
    specs = [spec for name, spec in _REGISTRY.items() if fnmatch.fnmatch(name, pattern)]
    if family is not None:
        specs = [spec for spec in specs if spec.family == family]
    if in_study is not None:
        specs = [spec for spec in specs if spec.in_study == in_study]
    if tiny is not None:
        specs = [spec for spec in specs if spec.tiny == tiny]
    return specs


def _load_catalog() -> None:
    # The catalog registers its entries on import; importing here avoids a cycle.
    from galaxy_utils.models import catalog  # noqa: F401
