"""Open, check and convert galaxy images to RGB uint8.

Survey cutouts come as 8-bit RGB JPEG or PNG, but users also bring grayscale,
palette, 16-bit and CMYK files. Every image that Pillow can decode is converted
here. Files that cannot be decoded are collected and reported together.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from galaxy_utils.errors import DataError

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif", ".webp")

# Images larger than this are decoded at a reduced scale (JPEG draft mode) before
# conversion, so an 8000x8000 cutout costs a fraction of its full memory.
_DRAFT_EDGE = 1024


@dataclass(frozen=True)
class BadImage:
    """A file that could not be used as an image, and why."""

    path: str
    reason: str


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert a Pillow image of any mode to 8-bit RGB.

    Transparent pixels are composited over black, the colour of empty sky.
    Images with more than 8 bits per channel (``I;16``, ``I``, ``F``) are
    rescaled linearly from their own minimum and maximum to 0-255, because
    plain ``convert("L")`` clips them to 255.

    Parameters
    ----------
    image : PIL.Image.Image
        An image in any mode Pillow decodes (L, LA, P, RGB, RGBA, I;16, I, F, CMYK, ...).

    Returns
    -------
    PIL.Image.Image
        The same picture in mode ``"RGB"``.
    """
    mode = image.mode
    if mode == "RGB":
        return image

    if mode.startswith("I;16") or mode in ("I", "F"):
        array = np.asarray(image, dtype=np.float64)
        low, high = float(array.min()), float(array.max())
        scale = 255.0 / (high - low) if high > low else 0.0
        gray = np.round((array - low) * scale).astype(np.uint8)
        return Image.fromarray(np.stack([gray] * 3, axis=-1), mode="RGB")

    if mode == "P":
        image = image.convert("RGBA") if "transparency" in image.info else image.convert("RGB")
        mode = image.mode
        if mode == "RGB":
            return image

    if mode in ("LA", "La", "RGBA", "RGBa", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")

    return image.convert("RGB")


def to_rgb_array(image: Image.Image) -> np.ndarray:
    """Return an image as a ``(height, width, 3)`` uint8 array (see :func:`to_rgb`)."""
    return np.asarray(to_rgb(image), dtype=np.uint8)


def open_image(path: str | os.PathLike) -> Image.Image:
    """Open and fully decode one image file, reduced in draft mode when it is huge.

    Raises
    ------
    galaxy_utils.errors.DataError
        When the file is missing, empty, truncated or not an image.
    """
    image, reason = try_open_image(path)
    if image is None:
        raise DataError(f"cannot read image {path}: {reason}", "replace or remove the file")
    return image


def try_open_image(path: str | os.PathLike) -> tuple[Image.Image | None, str | None]:
    """Decode an image file, returning ``(image, None)`` or ``(None, reason)``."""
    path = Path(path)
    if not path.is_file():
        return None, "file not found"
    if path.stat().st_size == 0:
        return None, "empty file (0 bytes)"
    try:
        return decode_image_file(path), None
    except UnidentifiedImageError:
        return None, "not an image, or a format Pillow cannot read"
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        return None, f"corrupt or truncated image ({error})"


def check_image_file(path: str | os.PathLike) -> str | None:
    """Return why ``path`` is not a usable image, or None when it decodes fully."""
    return try_open_image(path)[1]


def check_image_files(paths: list[str | os.PathLike]) -> list[BadImage]:
    """Check many files and return every bad one with its reason."""
    bad = []
    for path in paths:
        reason = check_image_file(path)
        if reason is not None:
            bad.append(BadImage(str(path), reason))
    return bad


def raise_for_bad_images(bad: list[BadImage], where: str) -> None:
    """Raise one :class:`DataError` that lists every bad file, if there are any."""
    if not bad:
        return
    lines = "\n".join(f"  - {item.path}: {item.reason}" for item in bad)
    raise DataError(
        f"{len(bad)} file(s) in {where} cannot be used as images:\n{lines}",
        "fix, replace or remove these files, then load the data again",
    )


def encode_png(image: Image.Image) -> bytes:
    """Encode an image as PNG bytes (lossless), for storage in a data set."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def square_resize(image: Image.Image, size: int) -> np.ndarray:
    """Pad an image to a centred square with black, then resize it to ``size`` pixels.

    Padding rather than cropping keeps every part of an elongated galaxy.

    Returns
    -------
    numpy.ndarray
        A ``(size, size, 3)`` uint8 array.
    """
    image = to_rgb(image)
    width, height = image.size
    if width != height:
        edge = max(width, height)
        canvas = Image.new("RGB", (edge, edge), (0, 0, 0))
        canvas.paste(image, ((edge - width) // 2, (edge - height) // 2))
        image = canvas
    if image.size != (size, size):
        # reducing_gap makes large reductions fast with a negligible quality cost.
        image = image.resize((size, size), Image.Resampling.BICUBIC, reducing_gap=3.0)
    return np.asarray(image, dtype=np.uint8)


def decode_image_file(path: str | os.PathLike) -> Image.Image:
    """Decode an image file fully, in JPEG draft mode when it is larger than 1024 px."""
    with warnings.catch_warnings():
        # A huge image is expected here and handled by draft mode, so the
        # decompression-bomb warning would only be noise. The error for
        # images over twice the limit is still raised.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as image:
            if image.format == "JPEG" and max(image.size) > _DRAFT_EDGE:
                image.draft("RGB", (_DRAFT_EDGE, _DRAFT_EDGE))
            image.load()
            return image.copy()
