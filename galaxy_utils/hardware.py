"""The device to run on, and a description of the hardware and software behind a result."""

from __future__ import annotations

import os
import platform

import torch

from galaxy_utils.errors import ResourceError

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str = "auto") -> str:
    """Return ``"cuda"`` or ``"cpu"`` for a requested device.

    Raises
    ------
    galaxy_utils.errors.ResourceError
        When ``"cuda"`` is requested and no GPU is visible.
    """
    if device not in DEVICES:
        raise ResourceError(f"unknown device {device!r}", f"use one of {', '.join(DEVICES)}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ResourceError("device 'cuda' was requested but no GPU is visible to PyTorch", "use device 'cpu' or 'auto'")
    return device


def supports_bf16(device: str) -> bool:
    """Return whether bf16 mixed precision is fast on ``device``."""
    return device == "cuda" and torch.cuda.is_bf16_supported()


def describe_hardware(device: str = "auto") -> dict:
    """Return the device, GPU model, CPU count and software versions, for result records."""
    device = resolve_device(device)
    info = {
        "device": device,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpu_count"] = torch.cuda.device_count()
        info["gpu_memory_gib"] = round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)
        info["cuda"] = torch.version.cuda
    return info | {"versions": library_versions()}


def library_versions() -> dict[str, str]:
    """Return the versions of the libraries that can change a result."""
    import datasets
    import sklearn
    import transformers

    from galaxy_utils import __version__

    return {
        "galaxy_utils": __version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
        "scikit-learn": sklearn.__version__,
    }
