"""Shared setup of the test suite: the sample data, offline mode, markers and small fixtures.

The real galaxy samples are read from ``GALAXY_UTILS_DATA_DIR``. CI sets it; a
local run uses ``<repo>/../shared/data`` when that folder exists, and otherwise
downloads the samples once (checked against their hashes). Torch runs on one
thread unless ``OMP_NUM_THREADS`` sets another count.

Tests marked ``network`` talk to the Hugging Face Hub and run only with
``GALAXY_UTILS_NETWORK_TESTS=1``. Otherwise ``HF_HUB_OFFLINE=1`` is set before
anything imports huggingface_hub, so a Hub call fails at once instead of
retrying for half a minute.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"

if "GALAXY_UTILS_DATA_DIR" not in os.environ and DEFAULT_DATA_DIR.is_dir():
    os.environ["GALAXY_UTILS_DATA_DIR"] = str(DEFAULT_DATA_DIR)

# The tiny models gain nothing from a second thread, and when other processes
# load the cores, OpenMP threads that wait on each other slowed a 2-second
# fine-tune to 45 seconds. Subprocesses inherit the setting. It must be set
# before torch is imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


NETWORK_TESTS = _truthy(os.environ.get("GALAXY_UTILS_NETWORK_TESTS"))
if not NETWORK_TESTS:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
HUB_ONLINE = NETWORK_TESTS and not _truthy(os.environ.get("HF_HUB_OFFLINE"))


def pytest_collection_modifyitems(config, items):
    import torch

    skip_network = pytest.mark.skip(reason="needs the Hugging Face Hub; set GALAXY_UTILS_NETWORK_TESTS=1 to run it")
    skip_gpu = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "network" in item.keywords and not HUB_ONLINE:
            item.add_marker(skip_network)
        if "gpu" in item.keywords and not torch.cuda.is_available():
            item.add_marker(skip_gpu)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The directory of the real galaxy samples: the local copy, or the download cache after fetching."""
    from galaxy_utils.data import SAMPLE_SETS, fetch_sample

    directories = {fetch_sample(name).parent for name in SAMPLE_SETS}
    return directories.pop()


@pytest.fixture(scope="session")
def rings(data_dir):
    """The decals-rings sample set, loaded once."""
    from galaxy_utils.data import load_data

    return load_data("decals-rings")


@pytest.fixture(scope="session")
def tiny_recipe():
    """A recipe that fine-tunes a tiny model on the CPU in seconds."""
    from galaxy_utils.finetune import Recipe

    return Recipe(epochs=2, batch_size=8, learning_rate=1e-3, augmentation="none", warmup_ratio=0.0, max_train_samples=32)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, rings, tiny_recipe):
    """One stored tiny-vit fine-tune on decals-rings, shared by the tests that only read it."""
    from galaxy_utils.finetune import finetune

    results = tmp_path_factory.mktemp("tiny-run")
    result = finetune("tiny-vit", rings, recipe=tiny_recipe, results_dir=results, device="cpu", progress=False)
    return result, results
