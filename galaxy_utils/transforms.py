"""Preprocessing and augmentation of uint8 image batches on the model's device.

A galaxy's class does not change when the image is rotated or mirrored, so the
training augmentation draws from the dihedral group (the 8 flips and 90-degree
rotations), plus a small random rotation and a small random crop. All of it is
one affine resampling per batch (``torch.nn.functional.grid_sample``), which
runs on the GPU when the model is there.

The random parameters are drawn on the CPU from torch's global generator (or
one passed in), so the same seed gives the same images on any device. The
Trainer's checkpoints save that generator's state, so a resumed run continues
the same sequence.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from galaxy_utils.errors import ConfigError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
HALF = (0.5, 0.5, 0.5)

# Pillow's resampling codes, as image processors store them: NEAREST 0, LANCZOS 1,
# BILINEAR 2, BICUBIC 3, BOX 4, HAMMING 5. Torch has no Lanczos, so bicubic replaces it.
_PIL_RESAMPLE = {0: "bilinear", 1: "bicubic", 2: "bilinear", 3: "bicubic", 4: "bilinear", 5: "bilinear"}


@dataclass(frozen=True)
class Preprocessing:
    """The input a model expects: resize, centre crop and normalisation.

    Attributes
    ----------
    resize : int
        Edge of the square image after resizing, in pixels.
    crop : int
        Edge of the centred crop fed to the model, in pixels (``crop <= resize``).
    mean, std : tuple of 3 floats
        Per-channel normalisation of pixel values scaled to [0, 1].
    interpolation : {"bilinear", "bicubic"}
        Resampling filter of the resize.
    """

    resize: int
    crop: int
    mean: tuple[float, float, float] = HALF
    std: tuple[float, float, float] = HALF
    interpolation: str = "bilinear"

    def __post_init__(self):
        if self.crop > self.resize or self.crop < 1:
            raise ConfigError(f"crop {self.crop} must be between 1 and resize {self.resize}", "use crop <= resize")
        if self.interpolation not in ("bilinear", "bicubic"):
            raise ConfigError(f"interpolation {self.interpolation!r} is invalid", "use 'bilinear' or 'bicubic'")

    def to_dict(self) -> dict:
        """Return the settings as a JSON-ready dictionary."""
        return asdict(self) | {"mean": list(self.mean), "std": list(self.std)}

    def at_size(self, crop: int) -> "Preprocessing":
        """Return the same preprocessing scaled to another crop size, keeping the crop ratio."""
        resize = int(round(crop * self.resize / self.crop))
        return Preprocessing(resize, crop, self.mean, self.std, self.interpolation)

    @classmethod
    def from_image_processor(cls, processor) -> "Preprocessing":
        """Read resize, crop, mean and std from a transformers image processor.

        Handles both ``{"height", "width"}`` and ``{"shortest_edge"}`` sizes, and
        processors with or without a centre crop (DINOv2 resizes the shortest
        edge to 256 and crops 224; ViT resizes straight to 224 or 384).
        """
        size = _as_dict(getattr(processor, "size", None))
        crop = _as_dict(getattr(processor, "crop_size", None))
        do_crop = bool(getattr(processor, "do_center_crop", False)) and crop
        if size.get("shortest_edge"):
            resize = int(size["shortest_edge"])
        elif size.get("height"):
            resize = int(size["height"])
        else:
            raise ConfigError(f"cannot read an image size from {type(processor).__name__}: {size}", "pass image_size explicitly")
        crop_edge = int(crop.get("height") or crop.get("shortest_edge")) if do_crop else resize
        # ConvNeXt processors below 384 px resize to shortest_edge / crop_pct, then crop shortest_edge.
        crop_pct = getattr(processor, "crop_pct", None)
        if crop_pct and size.get("shortest_edge") and resize < 384:
            crop_edge, resize = resize, int(resize / crop_pct)
        mean = tuple(float(v) for v in (getattr(processor, "image_mean", None) or HALF))
        std = tuple(float(v) for v in (getattr(processor, "image_std", None) or HALF))
        resample = getattr(processor, "resample", 2)
        interpolation = _PIL_RESAMPLE.get(int(getattr(resample, "value", resample) or 2), "bilinear")
        return cls(resize, crop_edge, mean, std, interpolation)


@dataclass(frozen=True)
class Augmentation:
    """Random label-preserving transforms for galaxy images.

    Attributes
    ----------
    dihedral : bool
        Draw one of the 8 flips and 90-degree rotations per image.
    max_rotation : float
        Extra rotation drawn uniformly in [-max_rotation, max_rotation], degrees.
    min_crop : float
        Smallest crop edge as a fraction of the model's crop, drawn uniformly
        in [min_crop, 1]. The crop is placed at random inside the image.
    """

    dihedral: bool = True
    max_rotation: float = 10.0
    min_crop: float = 0.85

    def __post_init__(self):
        if not 0.0 < self.min_crop <= 1.0:
            raise ConfigError(f"min_crop {self.min_crop} is invalid", "use a value in (0, 1]")
        if not 0.0 <= self.max_rotation <= 45.0:
            raise ConfigError(f"max_rotation {self.max_rotation} is invalid", "use 0 to 45 degrees")

    @property
    def is_identity(self) -> bool:
        """Whether the augmentation changes nothing."""
        return not self.dihedral and self.max_rotation == 0.0 and self.min_crop == 1.0


AUGMENTATIONS = {
    "none": Augmentation(dihedral=False, max_rotation=0.0, min_crop=1.0),
    "dihedral": Augmentation(dihedral=True, max_rotation=0.0, min_crop=1.0),
    "galaxy": Augmentation(dihedral=True, max_rotation=10.0, min_crop=0.85),
}


def get_augmentation(name: str) -> Augmentation:
    """Return a named augmentation: ``"none"``, ``"dihedral"`` or ``"galaxy"``."""
    if name not in AUGMENTATIONS:
        raise ConfigError(f"unknown augmentation {name!r}", f"use one of {', '.join(AUGMENTATIONS)}")
    return AUGMENTATIONS[name]


def sample_affine(
    n: int,
    augmentation: Augmentation,
    crop_fraction: float,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw one affine sampling matrix per image, on the CPU.

    Parameters
    ----------
    n : int
        Number of images.
    augmentation : Augmentation
        What to draw.
    crop_fraction : float
        The model's centre crop as a fraction of the resized image (``crop / resize``).
    generator : torch.Generator, optional
        CPU generator; torch's global one when omitted.

    Returns
    -------
    torch.Tensor of float32, shape (n, 2, 3)
        Matrices for :func:`torch.nn.functional.affine_grid`, mapping output
        coordinates to input coordinates in [-1, 1].
    """
    uniform = torch.rand(n, 5, generator=generator, dtype=torch.float64)

    # The dihedral element: k quarter turns, then an optional mirror. Its matrix
    # has exact integer entries, so a pure dihedral transform resamples pixel
    # centres onto pixel centres with no blur.
    if augmentation.dihedral:
        quarter_turns = torch.randint(0, 4, (n,), generator=generator)
        mirror = torch.randint(0, 2, (n,), generator=generator)
    else:
        quarter_turns = torch.zeros(n, dtype=torch.long)
        mirror = torch.zeros(n, dtype=torch.long)
    cos_k = torch.tensor([1.0, 0.0, -1.0, 0.0], dtype=torch.float64)[quarter_turns]
    sin_k = torch.tensor([0.0, 1.0, 0.0, -1.0], dtype=torch.float64)[quarter_turns]
    dihedral = torch.zeros(n, 2, 2, dtype=torch.float64)
    dihedral[:, 0, 0], dihedral[:, 0, 1] = cos_k, -sin_k
    dihedral[:, 1, 0], dihedral[:, 1, 1] = sin_k, cos_k
    dihedral[:, :, 0] *= torch.where(mirror == 1, -1.0, 1.0).to(torch.float64)[:, None]

    angle = (uniform[:, 0] * 2.0 - 1.0) * math.radians(augmentation.max_rotation)
    rotation = torch.zeros(n, 2, 2, dtype=torch.float64)
    rotation[:, 0, 0], rotation[:, 0, 1] = angle.cos(), -angle.sin()
    rotation[:, 1, 0], rotation[:, 1, 1] = angle.sin(), angle.cos()

    scale = crop_fraction * (augmentation.min_crop + (1.0 - augmentation.min_crop) * uniform[:, 1])
    room = (1.0 - scale).clamp(min=0.0)
    shift = torch.stack([(uniform[:, 2] * 2.0 - 1.0) * room, (uniform[:, 3] * 2.0 - 1.0) * room], dim=1)

    theta = torch.zeros(n, 2, 3, dtype=torch.float64)
    theta[:, :, :2] = rotation @ dihedral * scale[:, None, None]
    theta[:, :, 2] = shift
    return theta.to(torch.float32)


def preprocess_batch(
    images: torch.Tensor,
    preprocessing: Preprocessing,
    augmentation: Augmentation | None = None,
    generator: torch.Generator | None = None,
    theta: torch.Tensor | None = None,
) -> torch.Tensor:
    """Turn a uint8 image batch into normalised model input, on its own device.

    Parameters
    ----------
    images : torch.Tensor of uint8, shape (batch, height, width, 3)
        RGB pixels, on any device.
    preprocessing : Preprocessing
        Target size, crop and normalisation of the model.
    augmentation : Augmentation, optional
        Random transforms to apply (training). Without it, a plain centre crop.
    generator : torch.Generator, optional
        CPU generator for the random draws.
    theta : torch.Tensor, shape (batch, 2, 3), optional
        Affine matrices from :func:`sample_affine`, to reuse a draw.

    Returns
    -------
    torch.Tensor of float32, shape (batch, 3, crop, crop)
    """
    if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ConfigError(
            f"expected a uint8 batch of shape (batch, height, width, 3), got {tuple(images.shape)} {images.dtype}",
            "pass decoded images from galaxy_utils.data.decode_split",
        )
    x = images.permute(0, 3, 1, 2).float().div_(255.0)

    resize, crop = preprocessing.resize, preprocessing.crop
    if x.shape[-2:] != (resize, resize):
        x = F.interpolate(x, size=(resize, resize), mode=preprocessing.interpolation, antialias=True, align_corners=False)
        if preprocessing.interpolation == "bicubic":
            x = x.clamp_(0.0, 1.0)

    if theta is None and (augmentation is None or augmentation.is_identity):
        offset = (resize - crop) // 2
        x = x[:, :, offset : offset + crop, offset : offset + crop]
    else:
        if theta is None:
            theta = sample_affine(len(x), augmentation, crop / resize, generator)
        grid = F.affine_grid(theta.to(x.device, non_blocking=True), [len(x), 3, crop, crop], align_corners=False)
        # A pure dihedral draw maps pixel centres onto pixel centres, but the float32
        # grid misses them by about 1e-6 pixel, which bilinear sampling turns into
        # blur. Nearest sampling then picks exactly the pixels torch.rot90 and flip would.
        mode = "nearest" if crop == resize and _is_dihedral(theta) else "bilinear"
        # Black outside the image, like the empty sky around a cutout.
        x = F.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)

    mean, std = _normalisation(preprocessing.mean, preprocessing.std, x.device)
    return (x - mean) / std


@functools.lru_cache(maxsize=32)
def _normalisation(mean: tuple, std: tuple, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    # Made once per device, so a training step copies nothing from the host for them.
    return (
        torch.tensor(mean, device=device).view(1, 3, 1, 1),
        torch.tensor(std, device=device).view(1, 3, 1, 1),
    )


def _is_dihedral(theta: torch.Tensor) -> bool:
    """Return whether every matrix is a flip or quarter turn with no scale or shift."""
    linear = theta[:, :, :2]
    integral = (linear - linear.round()).abs().max() < 1e-6
    unit = (linear.round().abs().sum(dim=2) == 1).all() and (linear.round().det().abs() == 1).all()
    centred = theta[:, :, 2].abs().max() < 1e-6
    return bool(integral and unit and centred)


def _as_dict(value) -> dict:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, int):
        return {"height": value, "width": value}
    return {key: getattr(value, key) for key in ("height", "width", "shortest_edge") if getattr(value, key, None)}
