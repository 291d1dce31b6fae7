"""The results store and the on-disk caches: reuse, invalidation, quarantine and atomic writes."""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from galaxy_utils import io as io_module
from galaxy_utils.data import decode_split
from galaxy_utils.data import tensors as tensors_module
from galaxy_utils.errors import ResourceError
from galaxy_utils.features import cached_features
from galaxy_utils.finetune import ResultStore, finetune
from galaxy_utils.finetune import run as run_module
from galaxy_utils.io import atomic_save_npy, atomic_write_json
from galaxy_utils.models import build_classifier


@pytest.fixture
def stored(tiny_run, tmp_path):
    """A private copy of the shared tiny run's results directory, and the stored result's path in it."""
    result, results = tiny_run
    copy = tmp_path / "results"
    shutil.copytree(results, copy)
    return copy, copy / Path(result.result_path).name


def rerun(results_dir, recipe, **options):
    return finetune("tiny-vit", "decals-rings", recipe=recipe, results_dir=results_dir, device="cpu", progress=False, **options)


def test_repeated_run_reused(tiny_run, tiny_recipe):
    result, results = tiny_run

    again = rerun(results, tiny_recipe)

    assert again.reused
    assert again.key == result.key
    assert again.metrics == result.metrics
    assert again.result_path == result.result_path


def test_recipe_change_recomputed(stored, tiny_recipe):
    results, path = stored

    changed = rerun(results, tiny_recipe.updated(learning_rate=5e-4))

    assert not changed.reused
    assert Path(changed.result_path) != path
    assert path.is_file()
    assert changed.run["recipe"]["learning_rate"] == 5e-4


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_result_recomputed(stored, tiny_recipe, damage, caplog):
    results, path = stored
    text = path.read_text()
    if damage == "garbage":
        path.write_bytes(b"\x00\xff not json")
    else:
        path.write_text(text[: len(text) // 2])

    with caplog.at_level(logging.WARNING, logger="galaxy_utils.finetune.store"):
        recomputed = rerun(results, tiny_recipe)
    aside = list(results.glob(f"{path.name}.invalid-*"))

    assert not recomputed.reused
    assert len(aside) == 1
    assert "unreadable JSON" in caplog.text
    assert json.loads(path.read_text())["key"] == recomputed.key


def damage_result(data: dict, damage: str) -> dict:
    """Return a stored result with one defect that the store must detect."""
    if damage == "empty object":
        return {}
    if damage == "other schema":
        return data | {"schema": 0}
    if damage == "missing metrics":
        return {key: value for key, value in data.items() if key != "metrics"}
    if damage == "metric out of range":
        return data | {"metrics": data["metrics"] | {"accuracy": 1.5}}
    if damage == "key mismatch":
        return data | {"key": "0" * 64}
    if damage == "run mismatch":
        return data | {"run": data["run"] | {"head": "mlp3"}}
    raise ValueError(damage)


@pytest.mark.parametrize(
    "damage", ["empty object", "other schema", "missing metrics", "metric out of range", "key mismatch", "run mismatch"]
)
def test_invalid_result_quarantined(stored, tiny_run, damage, caplog):
    results, path = stored
    result, _results = tiny_run
    path.write_text(json.dumps(damage_result(json.loads(path.read_text()), damage)))

    with caplog.at_level(logging.WARNING, logger="galaxy_utils.finetune.store"):
        loaded = ResultStore(results).load(result.run)

    assert loaded is None
    assert not path.exists()
    assert len(list(results.glob(f"{path.name}.invalid-*"))) == 1
    assert "is invalid" in caplog.text


def test_valid_result_loaded(stored, tiny_run):
    results, path = stored
    result, _results = tiny_run

    loaded = ResultStore(results).load(result.run)

    assert loaded.reused
    assert loaded.metrics == result.metrics
    assert loaded.result_path == str(path)


def test_edited_versions_not_reused(stored, tiny_recipe):
    results, path = stored
    data = json.loads(path.read_text())
    data["run"]["versions"]["torch"] = "1.0.0"
    path.write_text(json.dumps(data))

    recomputed = rerun(results, tiny_recipe)

    assert not recomputed.reused
    assert recomputed.run["versions"]["torch"] != "1.0.0"


def test_other_versions_logged(stored, tiny_run, caplog):
    results, path = stored
    result, _results = tiny_run
    run = result.run | {"versions": result.run["versions"] | {"transformers": "99.0.0"}}

    with caplog.at_level(logging.INFO, logger="galaxy_utils.finetune.store"):
        loaded = ResultStore(results).load(run)

    assert loaded is None
    assert path.is_file()
    assert "other library versions" in caplog.text


def test_store_lists_valid_results(stored):
    results, path = stored
    (results / "broken.json").write_text("{")

    found = ResultStore(results).results()

    assert [Path(result.result_path).name for result in found] == [path.name]


def test_crash_on_replace_keeps_file(tmp_path, monkeypatch):
    path = tmp_path / "result.json"
    atomic_write_json(path, {"version": 1})

    def crash(*args, **kwargs):
        raise OSError("simulated crash during rename")

    monkeypatch.setattr(io_module.os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        atomic_write_json(path, {"version": 2})
    monkeypatch.undo()

    assert json.loads(path.read_text()) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_crash_during_write_keeps_file(tmp_path, monkeypatch):
    path = tmp_path / "features.npy"
    atomic_save_npy(path, np.arange(5))

    def crash(*args, **kwargs):
        raise OSError("simulated crash during write")

    monkeypatch.setattr(io_module.os, "fsync", crash)
    with pytest.raises(OSError, match="simulated crash"):
        atomic_save_npy(path, np.arange(10))
    with pytest.raises(OSError, match="simulated crash"):
        atomic_write_json(tmp_path / "meta.json", {"a": 1})
    monkeypatch.undo()

    assert np.array_equal(np.load(path), np.arange(5))
    assert [p.name for p in tmp_path.iterdir()] == ["features.npy"]


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
@pytest.mark.parametrize("proc_readable", [True, False])
def test_atomic_writes_follow_umask(tmp_path, monkeypatch, umask, proc_readable):
    if not proc_readable:
        # Without /proc, the umask is read by setting and restoring it.
        def no_proc(*args, **kwargs):
            raise OSError("no /proc here")

        monkeypatch.setattr(io_module, "open", no_proc, raising=False)
    previous = os.umask(umask)
    try:
        atomic_write_json(tmp_path / "result.json", {"a": 1})
        atomic_save_npy(tmp_path / "cache.npy", np.arange(3))
        umask_after = os.umask(umask)
    finally:
        os.umask(previous)

    assert stat.S_IMODE((tmp_path / "result.json").stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE((tmp_path / "cache.npy").stat().st_mode) == 0o666 & ~umask
    assert umask_after == umask


def test_store_save_crash_keeps_result(stored, monkeypatch):
    results, path = stored
    before = path.read_bytes()
    store = ResultStore(results)
    result = store.results()[0]
    result.metrics["accuracy"] = 0.0

    def crash(*args, **kwargs):
        raise OSError("simulated crash during rename")

    monkeypatch.setattr(io_module.os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        store.save(result)
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert not list(results.glob(".*.tmp"))


def test_decode_cache_bit_identical(rings, tmp_path, monkeypatch):
    split = rings["test"].select(range(12))
    first = decode_split(split, 48, cache_dir=tmp_path, cache_key="rings/test")

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again instead of loading the cache")

    monkeypatch.setattr(tensors_module, "square_resize", no_decoding)
    second = decode_split(split, 48, cache_dir=tmp_path, cache_key="rings/test")

    assert second.images.dtype == np.uint8
    assert np.array_equal(first.images, second.images)
    assert np.array_equal(first.labels, second.labels)
    assert len(list(tmp_path.glob("*.npy"))) == 1


def test_decode_cache_key_separates(rings, tmp_path):
    split = rings["test"].select(range(4))

    decode_split(split, 32, cache_dir=tmp_path, cache_key="a")
    decode_split(split, 32, cache_dir=tmp_path, cache_key="b")
    decode_split(split, 40, cache_dir=tmp_path, cache_key="a")

    assert len(list(tmp_path.glob("*.npy"))) == 3


@pytest.mark.parametrize("damage", ["truncated", "empty", "wrong shape", "sidecar not an object"])
def test_corrupt_decode_cache_redecoded(rings, tmp_path, damage, caplog):
    split = rings["test"].select(range(6))
    first = decode_split(split, 32, cache_dir=tmp_path, cache_key="rings/test")
    cache_file = next(tmp_path.glob("*.npy"))
    if damage == "truncated":
        cache_file.write_bytes(cache_file.read_bytes()[:200])
    elif damage == "empty":
        cache_file.write_bytes(b"")
    elif damage == "wrong shape":
        np.save(cache_file, np.zeros((6, 16, 16, 3), dtype=np.uint8))
    else:
        cache_file.with_suffix(".json").write_text("[]")

    with caplog.at_level(logging.WARNING, logger="galaxy_utils.data.tensors"):
        second = decode_split(split, 32, cache_dir=tmp_path, cache_key="rings/test")

    assert np.array_equal(first.images, second.images)
    assert "ignoring" in caplog.text


@pytest.mark.parametrize("damage", ["truncated", "empty"])
def test_corrupt_feature_cache_recomputed(tmp_path, damage, caplog):
    classifier = build_classifier("tiny-vit", num_labels=2)
    images = np.random.default_rng(0).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    first = cached_features(classifier, images, "noise/test", tmp_path, device="cpu")
    cache_file = next(tmp_path.glob("*.npy"))
    cache_file.write_bytes(b"" if damage == "empty" else cache_file.read_bytes()[:100])

    with caplog.at_level(logging.WARNING, logger="galaxy_utils.features"):
        second = cached_features(classifier, images, "noise/test", tmp_path, device="cpu")

    assert np.array_equal(first, second)
    assert "ignoring unreadable feature cache" in caplog.text
    assert np.array_equal(np.load(cache_file), first)


def test_decode_threads_agree(rings):
    split = rings["test"].select(range(8))

    serial = decode_split(split, 40, num_threads=1)
    threaded = decode_split(split, 40, num_threads=4)

    assert np.array_equal(serial.images, threaded.images)


@pytest.fixture
def run_locked_elsewhere(stored, tiny_run):
    """Hold the stored run's lock from another process, as a concurrent fine-tune would, and yield the run directory."""
    results, _path = stored
    run_dir = ResultStore(results).run_dir(tiny_run[0].run)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from galaxy_utils.finetune.run import _run_lock\n"
        "with _run_lock(Path(sys.argv[1])):\n"
        "    print('locked', flush=True)\n"
        "    sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(run_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield run_dir
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def test_locked_run_rejects_second_writer(stored, run_locked_elsewhere, tiny_recipe):
    results, _path = stored
    started = time.monotonic()

    with pytest.raises(ResourceError) as caught:
        rerun(results, tiny_recipe, force=True)

    assert caught.value.message == f"another fine-tune is writing to {run_locked_elsewhere}"
    assert "--results-dir" in caught.value.hint
    assert time.monotonic() - started < 30


def test_locked_run_still_returns_stored(stored, run_locked_elsewhere, tiny_run, tiny_recipe):
    results, _path = stored

    again = rerun(results, tiny_recipe)

    assert again.reused
    assert again.key == tiny_run[0].key


def test_run_lock_released_after_error(tmp_path):
    run_dir = tmp_path / "run"

    with pytest.raises(KeyError):
        with run_module._run_lock(run_dir):
            raise KeyError("simulated failure during training")
    with run_module._run_lock(run_dir):
        with pytest.raises(ResourceError):
            with run_module._run_lock(run_dir):
                pass

    assert (run_dir / run_module.LOCK_FILE).is_file()
