"""The training recipe: every setting that defines a fine-tune, validated up front."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from galaxy_utils.errors import ConfigError
from galaxy_utils.metrics import AVERAGES
from galaxy_utils.transforms import AUGMENTATIONS

PRECISIONS = ("auto", "bf16", "fp16", "fp32")
SCHEDULERS = ("linear", "cosine", "constant_with_warmup")
HEAD_TRAINING = ("cached", "end_to_end")
# numpy.random.seed rejects larger seeds, and the Trainer seeds NumPy with the recipe's seed.
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class Recipe:
    """Hyperparameters of one fine-tune.

    The defaults are the study's recipe as its published model cards state it:
    Adam (betas 0.9 and 0.999, epsilon 1e-8, no weight decay), learning rate
    5e-5 with a linear schedule and 10% warm-up, 30 epochs, effective batch
    256, seed 42. The cards do not state the augmentation; ``"galaxy"`` (flips,
    90-degree rotations, small rotations and crops) is this project's choice.

    Attributes
    ----------
    epochs : int
        Passes over the training split.
    learning_rate : float
        Peak learning rate.
    batch_size : int
        Effective batch: per-device batch x gradient-accumulation steps x devices.
    per_device_batch_size : int or None
        Images per forward pass on one device (default: ``min(batch_size, 64)``).
        Lower it to fit memory; accumulation keeps the effective batch.
    weight_decay : float
        Decoupled weight decay (0 makes AdamW plain Adam).
    warmup_ratio : float
        Share of the training steps with a linear warm-up, in [0, 1).
    scheduler : {"linear", "cosine", "constant_with_warmup"}
        Learning-rate schedule after the warm-up.
    seed : int
        Seed of initialisation, shuffling, augmentation and the validation split,
        from 0 to 2**32 - 1.
    precision : {"auto", "bf16", "fp16", "fp32"}
        ``auto`` is bf16 mixed precision on GPUs that support it, fp32 elsewhere.
    augmentation : {"none", "dihedral", "galaxy"}
        Training-time augmentation, applied on the model's device.
    validation_fraction : float
        Share of each class of train held out for checkpoint selection.
    selection_metric : {"accuracy", "macro_f1", "weighted_f1"}
        Validation metric that picks the checkpoint kept.
    head_training : {"cached", "end_to_end"}
        With the ``head`` strategy: train on features extracted once (fast,
        identical without augmentation), or run the frozen backbone every step
        (applies augmentation).
    gradient_checkpointing : bool
        Recompute activations to save memory on large models.
    torch_compile : bool
        Compile the model with ``torch.compile``.
    save_steps : int or None
        Save a checkpoint (and evaluate) every this many optimiser steps;
        None saves once per epoch.
    image_size : int or None
        Input resolution; the checkpoint's own when None.
    max_train_samples : int or None
        Use only this many training images (for smoke runs).
    """

    epochs: int = 30
    learning_rate: float = 5e-5
    batch_size: int = 256
    per_device_batch_size: int | None = None
    weight_decay: float = 0.0
    warmup_ratio: float = 0.1
    scheduler: str = "linear"
    seed: int = 42
    precision: str = "auto"
    augmentation: str = "galaxy"
    validation_fraction: float = 0.1
    selection_metric: str = "weighted_f1"
    head_training: str = "cached"
    gradient_checkpointing: bool = False
    torch_compile: bool = False
    save_steps: int | None = None
    image_size: int | None = None
    max_train_samples: int | None = None

    def __post_init__(self):
        _positive("epochs", self.epochs)
        _positive("batch_size", self.batch_size)
        if self.per_device_batch_size is not None:
            _positive("per_device_batch_size", self.per_device_batch_size)
            if self.batch_size % self.per_device_batch_size:
                raise ConfigError(
                    f"batch_size {self.batch_size} is not a multiple of per_device_batch_size {self.per_device_batch_size}",
                    "choose a per-device batch that divides the effective batch",
                )
        if not _finite_number(self.learning_rate) or not self.learning_rate > 0:
            raise ConfigError(f"learning_rate {self.learning_rate!r} is invalid", "use a finite positive value such as 5e-5")
        if not _finite_number(self.weight_decay) or self.weight_decay < 0:
            raise ConfigError(f"weight_decay {self.weight_decay!r} is invalid", "use a finite value >= 0, such as 0 or 0.05")
        check_seed(self.seed)
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ConfigError(f"warmup_ratio {self.warmup_ratio} is invalid", "use a value in [0, 1)")
        if not 0.0 < self.validation_fraction < 1.0:
            raise ConfigError(f"validation_fraction {self.validation_fraction} is invalid", "use a value in (0, 1)")
        _choice("scheduler", self.scheduler, SCHEDULERS)
        _choice("precision", self.precision, PRECISIONS)
        _choice("augmentation", self.augmentation, tuple(AUGMENTATIONS))
        _choice("selection_metric", self.selection_metric, AVERAGES)
        _choice("head_training", self.head_training, HEAD_TRAINING)
        for name in ("save_steps", "image_size", "max_train_samples"):
            value = getattr(self, name)
            if value is not None:
                _positive(name, value)

    @property
    def device_batch(self) -> int:
        """Images per forward pass on one device."""
        return self.per_device_batch_size or min(self.batch_size, 64)

    def accumulation_steps(self, world_size: int = 1) -> int:
        """Gradient-accumulation steps that give the effective batch on ``world_size`` devices."""
        per_step = self.device_batch * world_size
        if self.batch_size % per_step:
            raise ConfigError(
                f"batch_size {self.batch_size} is not a multiple of {self.device_batch} images x {world_size} devices",
                "change batch_size or per_device_batch_size",
            )
        return self.batch_size // per_step

    def to_dict(self) -> dict:
        """Return the recipe as a JSON-ready dictionary."""
        return asdict(self)

    def updated(self, **changes) -> "Recipe":
        """Return a copy with some settings changed, validated again."""
        known = {field.name for field in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"unknown recipe setting(s) {unknown}", f"use some of {sorted(known)}")
        return replace(self, **changes)


def check_seed(seed) -> None:
    """Raise a ConfigError unless ``seed`` is an integer that NumPy and torch accept (0 to 2**32 - 1)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"seed {seed!r} is invalid", f"use an integer from 0 to {MAX_SEED} (2**32 - 1)")


def _finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _positive(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{name} {value!r} is invalid", "use a positive integer")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name} {value!r} is invalid", f"use one of {', '.join(allowed)}")


STUDY_RECIPE = Recipe()
