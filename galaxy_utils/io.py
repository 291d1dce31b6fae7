"""Atomic file writes and content hashes.

Every result, cache and manifest file goes through these helpers, so a crash
during a write leaves the previous version of the file intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename.

    The temporary file lives in the same directory, so ``os.replace`` never
    crosses file systems. Readers see either the old file or the new one.
    """
    return _atomic_write(path, lambda handle: handle.write(data))


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented JSON atomically. NumPy scalars and arrays are converted."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=_to_json) + "\n")


def atomic_save_npy(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Save one array in ``.npy`` format atomically, without pickling."""
    return _atomic_write(path, lambda handle: np.save(handle, array, allow_pickle=False))


def _atomic_write(path: str | os.PathLike, write) -> Path:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _set_default_mode(fd)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def canonical_json(obj: Any) -> str:
    """Serialise ``obj`` with sorted keys and no whitespace, for hashing."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_to_json)


def hash_object(obj: Any) -> str:
    """Return the SHA-256 hex digest of the canonical JSON form of ``obj``."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def sha256_file(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Return the SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _set_default_mode(fd: int) -> None:
    """Give a file from ``tempfile.mkstemp`` the mode ``open`` would give it (0o666 less the umask).

    mkstemp always creates mode 0600, so without this, files in a shared
    results directory would be readable by their owner only.
    """
    if hasattr(os, "fchmod"):  # os.fchmod is missing on Windows before Python 3.13
        os.fchmod(fd, 0o666 & ~_current_umask())


def _current_umask() -> int:
    """Return the process's umask without changing it, where the platform allows."""
    # Linux 4.7+ reports the umask in /proc. Elsewhere the only way to read it is to
    # set it and restore it, and another thread creating a file in between would
    # get the temporary value.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _to_json(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")
