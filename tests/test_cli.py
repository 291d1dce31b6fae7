"""The galaxy-book command: the model table, fine-tuning with --json, and one clear message for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from galaxy_utils.cli import _parser, main
from galaxy_utils.errors import DataError, ModelError


def galaxy_book(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the installed ``galaxy-book`` script next to this interpreter."""
    script = f"{sys.prefix}/bin/galaxy-book"
    return subprocess.run([script, *args], capture_output=True, text=True, timeout=timeout)


def test_models_prints_table():
    completed = galaxy_book("models")
    lines = completed.stdout.splitlines()

    assert completed.returncode == 0, completed.stderr
    assert lines[0].split()[:3] == ["name", "family", "size"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert any(line.startswith("tiny-vit ") for line in lines)
    assert any(line.startswith("facebook/dinov2-small ") for line in lines)


def test_models_filters_family(capsys):
    status = main(["models", "--family", "swinv2", "--json"])
    rows = json.loads(capsys.readouterr().out)

    assert status == 0
    assert rows
    assert {row["family"] for row in rows} == {"swinv2"}


def test_models_no_match(capsys):
    status = main(["models", "--pattern", "*resnet*"])

    assert status != 0
    assert "no model matches" in capsys.readouterr().err


def test_finetune_json_output(tmp_path):
    completed = galaxy_book(
        "finetune", "--model", "tiny-convnextv2", "--dataset", "galaxy-mnist-mini", "--epochs", "1",
        "--batch-size", "8", "--augmentation", "none", "--results-dir", str(tmp_path), "--json", "--device", "cpu",
    )
    output = json.loads(completed.stdout)

    assert completed.returncode == 0, completed.stderr
    assert isinstance(output, dict)
    for metric in ("accuracy", "macro_f1", "weighted_f1"):
        assert 0.0 <= output["metrics"][metric] <= 1.0, metric
    assert output["result_path"].startswith(str(tmp_path))
    assert json.loads(Path(output["result_path"]).read_text())["key"] == output["key"]


def assert_one_clear_error(status: int, stderr: str, fragment: str) -> None:
    error_lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    fix_lines = [line for line in stderr.splitlines() if line.startswith("fix: ")]

    assert status == 2
    assert len(error_lines) == 1, stderr
    assert len(fix_lines) == 1, stderr
    assert fragment in error_lines[0]
    assert "Traceback" not in stderr


def test_unknown_model_clear_error(capsys, tmp_path):
    status = main(["finetune", "--model", "tiny-resnet", "--dataset", "galaxy-mnist-mini", "--results-dir", str(tmp_path)])
    stderr = capsys.readouterr().err

    assert_one_clear_error(status, stderr, "'tiny-resnet' is not in the registry")
    assert "galaxy-book models" in stderr


def test_missing_dataset_clear_error(capsys, tmp_path):
    missing = tmp_path / "no-such-folder"

    status = main(["finetune", "--model", "tiny-vit", "--dataset", str(missing), "--results-dir", str(tmp_path)])

    assert_one_clear_error(status, capsys.readouterr().err, str(missing))


def test_bad_csv_clear_error(capsys, tmp_path):
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("path,morphology\na.png,0\n")

    status = main(["finetune", "--model", "tiny-vit", "--dataset", str(csv_path), "--results-dir", str(tmp_path)])
    stderr = capsys.readouterr().err

    assert_one_clear_error(status, stderr, "has no column(s)")
    assert "--label-column" in stderr


def test_script_bad_input_no_traceback(tmp_path):
    completed = galaxy_book("finetune", "--model", "tiny-resnet", "--dataset", str(tmp_path / "absent"))

    assert_one_clear_error(completed.returncode, completed.stderr, "not a known name")


def test_debug_shows_traceback(tmp_path):
    completed = galaxy_book("--debug", "finetune", "--model", "tiny-vit", "--dataset", str(tmp_path / "absent"))

    assert completed.returncode != 0
    assert "Traceback (most recent call last)" in completed.stderr
    assert "DataError" in completed.stderr


def test_debug_raises_in_process(tmp_path):
    with pytest.raises(ModelError):
        main(["--debug", "finetune", "--model", "tiny-resnet", "--dataset", "galaxy-mnist-mini", "--results-dir", str(tmp_path)])
    with pytest.raises(DataError):
        main(["--debug", "finetune", "--model", "tiny-vit", "--dataset", str(tmp_path / "absent")])


def test_invalid_option_value_rejected(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["finetune", "--model", "tiny-vit", "--dataset", "decals-rings", "--strategy", "lora"])

    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_invalid_recipe_clear_error(capsys, tmp_path):
    status = main(["finetune", "--model", "tiny-vit", "--dataset", "galaxy-mnist-mini", "--epochs", "0", "--results-dir", str(tmp_path)])

    assert_one_clear_error(status, capsys.readouterr().err, "epochs 0 is invalid")


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["models"], {"debug": False, "verbose": False, "quiet": False}),
        (["--debug", "models"], {"debug": True, "verbose": False, "quiet": False}),
        (["models", "--debug"], {"debug": True, "verbose": False, "quiet": False}),
        (["-v", "models", "--debug"], {"debug": True, "verbose": True, "quiet": False}),
        (["finetune", "--model", "tiny-vit", "--dataset", "x", "-q"], {"debug": False, "verbose": False, "quiet": True}),
        (["data", "fetch", "-v"], {"debug": False, "verbose": True, "quiet": False}),
        (["build", "--debug", "-q"], {"debug": True, "verbose": False, "quiet": True}),
    ],
)
def test_common_options_either_side(argv, expected):
    args = _parser().parse_args(argv)

    assert {name: getattr(args, name) for name in expected} == expected


def test_debug_after_subcommand_raises(tmp_path):
    with pytest.raises(DataError):
        main(["finetune", "--debug", "--model", "tiny-vit", "--dataset", str(tmp_path / "absent")])


def test_debug_after_subcommand_script(tmp_path):
    completed = galaxy_book("finetune", "--model", "tiny-vit", "--dataset", str(tmp_path / "absent"), "--debug")

    assert completed.returncode != 0
    assert "Traceback (most recent call last)" in completed.stderr
    assert "unrecognized arguments" not in completed.stderr


def test_models_unknown_family_clear_error(capsys):
    status = main(["models", "--family", "foo"])
    stderr = capsys.readouterr().err

    assert_one_clear_error(status, stderr, "unknown family 'foo'")
    assert "vit, swinv2, beit, dinov2, convnextv2" in stderr


@pytest.mark.parametrize(
    "option, value, fragment",
    [
        ("--seed", "-1", "seed -1 is invalid"),
        ("--seed", "99999999999", "seed 99999999999 is invalid"),
        ("--learning-rate", "inf", "learning_rate inf is invalid"),
        ("--image-size", "3", "image size 3 px is too small for tiny-vit"),
    ],
)
def test_finetune_bad_number_clear_error(capsys, tmp_path, option, value, fragment):
    status = main(["finetune", "--model", "tiny-vit", "--dataset", "galaxy-mnist-mini", option, value, "--results-dir", str(tmp_path)])

    assert_one_clear_error(status, capsys.readouterr().err, fragment)
    assert not (tmp_path / "cache").exists()


def test_run_bad_seed_clear_error(capsys, tmp_path):
    status = main(["run", "--chapters", "2", "--seed", "-5", "--results-dir", str(tmp_path)])

    assert_one_clear_error(status, capsys.readouterr().err, "seed -5 is invalid")
