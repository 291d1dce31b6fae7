"""A fine-tune killed mid-epoch resumes from its last checkpoint and ends exactly where an uninterrupted one does.

Both runs go through the real ``galaxy-book`` command in subprocesses. The
killed one gets SIGKILL as soon as its first complete checkpoint is on disk,
which is in the middle of the first epoch.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from galaxy_utils.finetune import run as run_module

# 48 training images in batches of 8 are 6 steps per epoch. Checkpoints every
# 5 steps (5, 10, 15) all fall mid-epoch, wherever the kill lands.
TRAIN_IMAGES = 48
STEPS_PER_EPOCH = 6
SAVE_STEPS = 5
EPOCHS = 3


def finetune_command(results_dir: Path) -> list[str]:
    # The default "galaxy" augmentation draws from the CPU generator every step,
    # so an exact match also checks that the generator state is restored.
    return [
        f"{sys.prefix}/bin/galaxy-book", "finetune",
        "--model", "tiny-vit", "--dataset", "decals-rings",
        "--epochs", str(EPOCHS), "--batch-size", "8", "--save-steps", str(SAVE_STEPS),
        "--max-train-samples", str(TRAIN_IMAGES), "--learning-rate", "1e-3",
        "--results-dir", str(results_dir), "--json", "--device", "cpu",
    ]


def complete_checkpoints(results_dir: Path) -> list[Path]:
    return [path for path in results_dir.glob("runs/*/checkpoints/checkpoint-*") if (path / "trainer_state.json").is_file()]


def kill_after_first_checkpoint(results_dir: Path, timeout: float = 300.0) -> tuple[bool, str]:
    """Start a fine-tune, SIGKILL it once a complete checkpoint exists, and return (was running, stderr)."""
    process = subprocess.Popen(finetune_command(results_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while not complete_checkpoints(results_dir) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    was_running = process.poll() is None
    process.send_signal(signal.SIGKILL)
    _stdout, stderr = process.communicate()
    return was_running, stderr


def run_to_completion(results_dir: Path) -> tuple[dict, str]:
    completed = subprocess.run(finetune_command(results_dir), capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout), completed.stderr


def test_killed_run_resumes_exactly(tmp_path):
    killed_dir, reference_dir = tmp_path / "killed", tmp_path / "reference"

    # The uninterrupted reference runs alongside the run that gets killed.
    reference_process = subprocess.Popen(
        finetune_command(reference_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    was_running, killed_stderr = kill_after_first_checkpoint(killed_dir)
    checkpoints = complete_checkpoints(killed_dir)
    reference_stdout, reference_stderr = reference_process.communicate(timeout=600)

    assert was_running, killed_stderr
    assert checkpoints, killed_stderr
    assert reference_process.returncode == 0, reference_stderr
    state = json.loads((max(checkpoints, key=lambda p: int(p.name.split("-")[1])) / "trainer_state.json").read_text())
    assert not list(killed_dir.glob("*.json"))
    assert state["global_step"] % STEPS_PER_EPOCH != 0
    assert state["global_step"] < EPOCHS * STEPS_PER_EPOCH

    resumed, resumed_stderr = run_to_completion(killed_dir)
    reference = json.loads(reference_stdout)
    resumed_result = json.loads(Path(resumed["result_path"]).read_text())
    reference_result = json.loads(Path(reference["result_path"]).read_text())

    assert "resuming from" in resumed_stderr
    assert not resumed["reused"]
    assert resumed["key"] == reference["key"]
    assert resumed["metrics"] == reference["metrics"]
    assert resumed_result["predictions"] == reference_result["predictions"]
    assert resumed_result["validation_metrics"] == reference_result["validation_metrics"]
    assert resumed_result["history"] == reference_result["history"]


def write_checkpoint(directory: Path, step: int, state_text: str) -> Path:
    checkpoint = directory / f"checkpoint-{step}"
    checkpoint.mkdir(parents=True)
    (checkpoint / "model.safetensors").write_bytes(b"weights")
    (checkpoint / "trainer_state.json").write_text(state_text)
    return checkpoint


def test_last_checkpoint_newest_complete(tmp_path):
    write_checkpoint(tmp_path, 4, json.dumps({"global_step": 4}))
    newest = write_checkpoint(tmp_path, 12, json.dumps({"global_step": 12}))
    (tmp_path / "checkpoint-16").mkdir()

    assert run_module._last_checkpoint(tmp_path) == str(newest)


def test_last_checkpoint_skips_truncated_state(tmp_path, caplog):
    # A kill while the Trainer writes trainer_state.json, which it does not
    # write atomically, leaves a checkpoint that cannot be resumed.
    complete = write_checkpoint(tmp_path, 4, json.dumps({"global_step": 4}))
    write_checkpoint(tmp_path, 8, '{"global_step": 8, "log_hist')

    assert run_module._last_checkpoint(tmp_path) == str(complete)
    assert "checkpoint-8" in caplog.text


def test_last_checkpoint_none_when_empty(tmp_path):
    assert run_module._last_checkpoint(tmp_path / "absent") is None
    assert run_module._last_checkpoint(tmp_path) is None

