"""Fine-tuning tiny models on the real samples: learning, frozen backbones, seeds and saved classifiers."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from transformers import Trainer

from galaxy_utils.data import GalaxyDatasetDict, decode_split, provenance_of
from galaxy_utils.errors import ConfigError
from galaxy_utils.finetune import Recipe, finetune
from galaxy_utils.models import build_classifier, load_classifier


def subset(rings, n_train: int, n_test: int, name: str) -> GalaxyDatasetDict:
    """Return ``n_train`` shuffled decals-rings training images, used for validation too, and ``n_test`` test images."""
    train = rings["train"].shuffle(seed=0).select(range(n_train))
    test = rings["test"].shuffle(seed=0).select(range(n_test))
    provenance = provenance_of(rings)
    return GalaxyDatasetDict.create(
        {"train": train, "validation": train, "test": test},
        provenance.__class__(
            name=name,
            source=provenance.source,
            revision=None,
            fingerprint=f"{provenance.fingerprint}/{name}",
            split=f"{n_train} shuffled train images (validation = train), {n_test} test images",
            class_names=provenance.class_names,
        ),
    )


def backbone_state(state: dict) -> dict:
    return {key: value for key, value in state.items() if not key.startswith("model.classifier.")}


def test_full_finetune_memorises(rings, tmp_path):
    # Validation is the training set, so the checkpoint kept is the best fit of it.
    # The random-weight ViT maps these dark cutouts to nearly identical features at first.
    # With a constant 3e-4 it leaves the loss plateau near step 100 and fits all 32
    # images from step 184 on (measured with torch 2.13 on a CPU). 220 steps leave a margin.
    data = subset(rings, 32, 16, "decals-rings-32")
    recipe = Recipe(
        epochs=55, batch_size=8, learning_rate=3e-4, scheduler="constant_with_warmup", warmup_ratio=0.0,
        augmentation="none", save_steps=20,
    )

    result = finetune("tiny-vit", data, recipe=recipe, results_dir=tmp_path, device="cpu", progress=False, evaluate_train=True)
    losses = [entry["loss"] for entry in result.history if "loss" in entry]

    assert losses[-1] < 0.5 * losses[0]
    assert result.train_metrics["accuracy"] >= 0.95


def test_head_strategy_keeps_backbone(rings, tmp_path, tiny_recipe):
    result = finetune("tiny-vit", rings, strategy="head", recipe=tiny_recipe, results_dir=tmp_path, device="cpu", progress=False)
    saved = load_file(f"{result.checkpoint}/model.safetensors")
    initial = build_classifier("tiny-vit", num_labels=2, strategy="head", seed=tiny_recipe.seed).state_dict()

    for key, tensor in backbone_state(initial).items():
        assert torch.equal(saved[key], tensor), key
    assert not torch.equal(saved["model.classifier.layers.0.weight"], initial["model.classifier.layers.0.weight"])


def test_end_to_end_head_keeps_backbone(rings, tmp_path):
    # Training through the frozen backbone every step, with augmentation, must not move it either.
    recipe = Recipe(epochs=1, batch_size=16, learning_rate=1e-3, head_training="end_to_end", augmentation="galaxy", max_train_samples=32)

    result = finetune("tiny-beit", rings, strategy="head", recipe=recipe, results_dir=tmp_path, device="cpu", progress=False)
    saved = load_file(f"{result.checkpoint}/model.safetensors")
    initial = build_classifier("tiny-beit", num_labels=2, strategy="head", seed=recipe.seed).state_dict()

    for key, tensor in backbone_state(initial).items():
        assert torch.equal(saved[key], tensor), key


def test_same_seed_same_metrics(tmp_path, tiny_recipe):
    # The "galaxy" augmentation draws random numbers every step, so this also checks their seeding.
    recipe = tiny_recipe.updated(augmentation="galaxy")
    runs = []
    for folder in ("first", "second"):
        runs.append(finetune("tiny-vit", "galaxy-mnist-mini", recipe=recipe, results_dir=tmp_path / folder, device="cpu", progress=False))
    forced = finetune("tiny-vit", "galaxy-mnist-mini", recipe=recipe, results_dir=tmp_path / "first", device="cpu", progress=False, force=True)

    assert runs[0].key == runs[1].key
    assert runs[0].metrics == runs[1].metrics
    assert runs[0].predictions == runs[1].predictions
    assert runs[0].history == runs[1].history
    assert not forced.reused
    assert forced.metrics == runs[0].metrics
    assert forced.predictions == runs[0].predictions


def test_result_fields_complete(tiny_run):
    result, _results = tiny_run

    assert set(result.predictions) == {"validation", "test"}
    assert len(result.predictions["test"]["labels"]) == result.metrics["n_samples"]
    assert result.run["weights"] == "random"
    assert result.run["data"]["name"] == "decals-rings"
    assert result.class_names == ["no ring", "ring"]
    assert 0.0 <= result.metrics["macro_f1"] <= 1.0


def test_saved_classifier_reloads(tiny_run, rings):
    result, _results = tiny_run
    classifier = load_classifier(result.checkpoint).eval()
    images = torch.from_numpy(decode_split(rings["test"].select(range(4)), 64).images)

    with torch.no_grad():
        logits = classifier(images).logits

    assert logits.shape == (4, 2)
    assert classifier.spec.name == "tiny-vit"


def test_finetune_from_saved_classifier(tiny_run, rings, tmp_path, tiny_recipe):
    base, _results = tiny_run

    result = finetune(base.checkpoint, rings, strategy="head", head="mlp2", recipe=tiny_recipe, results_dir=tmp_path, device="cpu", progress=False)
    base_state = load_file(f"{base.checkpoint}/model.safetensors")
    new_state = load_file(f"{result.checkpoint}/model.safetensors")
    classifier = load_classifier(result.checkpoint)

    assert result.run["weights"] == "checkpoint"
    assert result.run["base_checkpoint_sha256"]
    assert classifier.head.kind == "mlp2"
    assert 0.0 <= result.metrics["accuracy"] <= 1.0
    for key, tensor in backbone_state(base_state).items():
        assert torch.equal(new_state[key], tensor), key


def test_unknown_strategy_rejected(rings, tmp_path):
    with pytest.raises(ConfigError, match="unknown strategy"):
        finetune("tiny-vit", rings, strategy="lora", results_dir=tmp_path)


@pytest.mark.parametrize(
    "setting, value",
    [
        ("learning_rate", float("inf")),
        ("learning_rate", float("nan")),
        ("learning_rate", 0.0),
        ("weight_decay", float("inf")),
        ("weight_decay", float("nan")),
        ("weight_decay", -0.1),
        ("seed", -1),
        ("seed", 2**32),
        ("seed", 1.5),
        ("seed", True),
    ],
)
def test_recipe_rejects_invalid_number(setting, value):
    with pytest.raises(ConfigError) as caught:
        Recipe().updated(**{setting: value})

    assert caught.value.message.startswith(f"{setting} {value!r} is invalid")
    assert caught.value.hint


def test_recipe_accepts_seed_limits():
    assert Recipe(seed=0).seed == 0
    assert Recipe(seed=2**32 - 1).seed == 2**32 - 1


def test_diverged_loss_stores_nothing(rings, tmp_path, tiny_recipe):
    # Adam moves every weight by about the learning rate per step, so 1e30 overflows
    # float32 after the first step. The loss logged at the end of epoch 1 averages its steps.
    recipe = tiny_recipe.updated(learning_rate=1e30)

    with pytest.raises(ConfigError) as caught:
        finetune("tiny-vit", rings, recipe=recipe, results_dir=tmp_path, device="cpu", progress=False)

    assert caught.value.message.startswith("training diverged: the loss became NaN at epoch 1 (step 4)")
    assert "lower the learning rate" in caught.value.hint
    assert not list(tmp_path.glob("*.json"))
    assert not list(tmp_path.glob("runs/*/model"))
    assert not list(tmp_path.glob("runs/*/checkpoints"))


def test_nonfinite_outputs_store_nothing(rings, tmp_path, tiny_recipe, monkeypatch):
    predict = Trainer.predict

    def nan_predict(self, *args, **kwargs):
        output = predict(self, *args, **kwargs)
        return output._replace(predictions=np.full_like(output.predictions, np.nan))

    monkeypatch.setattr(Trainer, "predict", nan_predict)
    with pytest.raises(ConfigError, match="outputs on the validation split became NaN or infinite"):
        finetune("tiny-vit", rings, recipe=tiny_recipe, results_dir=tmp_path, device="cpu", progress=False)

    assert not list(tmp_path.glob("*.json"))
    assert not list(tmp_path.glob("runs/*/model"))


def test_banner_names_dataset_and_device(rings, tmp_path, tiny_recipe, caplog):
    with caplog.at_level(logging.INFO, logger="galaxy_utils.finetune.run"):
        finetune("tiny-vit", rings, strategy="head", recipe=tiny_recipe, results_dir=tmp_path, device="cpu", progress=False)
    banner = next(record.getMessage() for record in caplog.records if record.getMessage().startswith("fine-tuning "))

    assert banner.startswith("fine-tuning tiny-vit (head, linear head) on decals-rings: 32 train, ")
    assert banner.count("cpu") == 1
    assert "device cpu" in banner


def test_cached_head_warning_names_both_spellings(rings, tmp_path, tiny_recipe, caplog):
    recipe = tiny_recipe.updated(augmentation="dihedral")

    with caplog.at_level(logging.WARNING, logger="galaxy_utils.finetune.run"):
        finetune("tiny-vit", rings, strategy="head", recipe=recipe, results_dir=tmp_path, device="cpu", progress=False)

    assert "'dihedral' augmentation is not applied" in caplog.text
    assert "head_training='end_to_end'" in caplog.text
    assert "--head-training end_to_end" in caplog.text
