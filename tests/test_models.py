"""The model registry and classifiers: tiny and full-size builds, frozen backbones, counts and Hub errors."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading

import huggingface_hub
import pytest
import torch
import transformers

from galaxy_utils.errors import ConfigError, ModelError
from galaxy_utils.finetune import Recipe, finetune
from galaxy_utils.models import FAMILIES, build_classifier, get_spec, list_models, load_classifier, resolve_spec
from galaxy_utils.models.build import save_classifier
from galaxy_utils.models.families import family_of

TINY_NAMES = [f"tiny-{family}" for family in FAMILIES]

# ConvNeXt V2's published counts include the 1,000-class ImageNet head, which is
# 9% of atto (3.39 M backbone + 0.32 M head = 3.7 M published). The other
# families' published counts are of the backbone.
HEAD_COUNTED_FAMILIES = {"convnextv2"}
IMAGENET_CLASSES = 1000


def uint8_batch(size: int, batch: int = 2, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (batch, size, size, 3), dtype=torch.uint8, generator=generator)


@pytest.mark.parametrize("name", TINY_NAMES)
def test_tiny_forward_shape(name):
    classifier = build_classifier(name, num_labels=4).eval()
    spec = classifier.spec

    with torch.no_grad():
        logits = classifier(uint8_batch(spec.preprocessing.resize, batch=3)).logits

    assert spec.tiny
    assert logits.shape == (3, 4)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("name", TINY_NAMES)
def test_tiny_loss_backpropagates(name):
    classifier = build_classifier(name, num_labels=3).train()
    images = uint8_batch(classifier.spec.preprocessing.resize, batch=2)

    output = classifier(images, labels=torch.tensor([0, 2]))
    output.loss.backward()
    # DINOv2's mask token only enters masked image modelling, never classification.
    without_gradient = [n for n, p in classifier.named_parameters() if p.requires_grad and p.grad is None]
    without_gradient = [n for n in without_gradient if not n.endswith("embeddings.mask_token")]

    assert output.loss.ndim == 0
    assert without_gradient == []


@pytest.mark.parametrize("name", TINY_NAMES)
@pytest.mark.parametrize("head", ["linear", "mlp2"])
def test_head_strategy_trains_head_only(name, head):
    classifier = build_classifier(name, num_labels=5, strategy="head", head=head)
    head_parameters = sum(p.numel() for p in classifier.head.parameters())
    trainable = {n for n, p in classifier.named_parameters() if p.requires_grad}

    assert classifier.trainable_parameters() == head_parameters
    assert all(n.startswith("model.classifier.") for n in trainable)
    assert classifier.trainable_parameters() < classifier.total_parameters()


@pytest.mark.parametrize("name", TINY_NAMES)
def test_head_strategy_backbone_in_eval(name):
    classifier = build_classifier(name, num_labels=2, strategy="head").train()
    backbone_modules = [m for n, m in classifier.model.named_modules() if n and not n.startswith("classifier")]

    assert classifier.head.training
    assert not any(module.training for module in backbone_modules)


@pytest.mark.parametrize("name", TINY_NAMES)
def test_tiny_build_same_seed_identical(name):
    first = build_classifier(name, num_labels=3, seed=5).state_dict()
    second = build_classifier(name, num_labels=3, seed=5).state_dict()

    assert first.keys() == second.keys()
    for key in first:
        assert torch.equal(first[key], second[key]), key


def smallest_per_family() -> list[str]:
    names = []
    for family in FAMILIES:
        specs = list_models(family=family, tiny=False)
        names.append(min(specs, key=lambda spec: (spec.params_m, spec.image_size)).name)
    return names


@pytest.mark.parametrize("name", smallest_per_family())
def test_full_size_random_forward(name):
    classifier = build_classifier(name, num_labels=3, weights="random").eval()
    size = classifier.spec.preprocessing.resize

    with torch.no_grad():
        logits = classifier(uint8_batch(size, batch=1)).logits

    assert logits.shape == (1, 3)
    assert torch.isfinite(logits).all()


def test_registry_families_all_present():
    families = {spec.family for spec in list_models(tiny=False)}

    assert families == set(FAMILIES)


def backbone_parameters_on_meta(spec) -> tuple[int, int]:
    """Return (backbone parameters, ImageNet-head parameters) of a registry entry, built on the meta device."""
    family = family_of(spec.family)
    with torch.device("meta"):
        model = family.model(family.config(num_labels=IMAGENET_CLASSES, **spec.config))
    backbone = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("classifier."))
    head = sum(p.numel() for n, p in model.named_parameters() if n.startswith("classifier."))
    return backbone, head


def test_registry_counts_match_published():
    mismatches = []
    for spec in list_models(tiny=False):
        backbone, imagenet_head = backbone_parameters_on_meta(spec)
        counted = backbone + (imagenet_head if spec.family in HEAD_COUNTED_FAMILIES and spec.imagenet_head else 0)
        ratio = counted / (spec.params_m * 1e6)
        if abs(ratio - 1.0) > 0.07:
            mismatches.append(f"{spec.name}: built {counted / 1e6:.2f} M, published {spec.params_m} M")

    assert mismatches == []


def test_unknown_model_suggests_listing():
    with pytest.raises(ModelError) as caught:
        get_spec("tiny-resnet")

    assert "tiny-resnet" in caught.value.message
    assert "galaxy-book models" in caught.value.hint


def test_unknown_model_build_rejected():
    with pytest.raises(ModelError) as caught:
        build_classifier("vit-base", num_labels=2)

    assert "galaxy-book models" in caught.value.hint
    assert "google/vit-base-patch16-224" in caught.value.hint


@pytest.fixture
def hub_offline(monkeypatch, tmp_path):
    """Put huggingface_hub in offline mode with an empty cache.

    It reads both settings into constants at import, so the constants are patched too.
    """
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))


def test_pretrained_offline_names_fix(hub_offline):
    with pytest.raises(ModelError) as caught:
        build_classifier("facebook/dinov2-small", num_labels=2, weights="pretrained")

    assert "'facebook/dinov2-small'" in caught.value.message
    assert "cannot be reached" in caught.value.message
    assert "weights='random'" in caught.value.hint
    assert "tiny-dinov2" in caught.value.hint


def test_unregistered_id_offline_names_fix(hub_offline):
    with pytest.raises(ModelError) as caught:
        build_classifier("someone/no-such-galaxy-model", num_labels=2)

    assert "'someone/no-such-galaxy-model'" in caught.value.message
    assert "connect to the internet" in caught.value.hint


class _NotFoundHandler(http.server.BaseHTTPRequestHandler):
    """A stand-in Hub that returns 404 RepoNotFound for every request."""

    def _not_found(self):
        self.send_response(404)
        self.send_header("X-Error-Code", "RepoNotFound")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = _not_found

    def log_message(self, *args):
        pass


@pytest.fixture
def not_found_hub():
    """Serve a local Hub endpoint that finds no repository, and yield its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotFoundHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_missing_hub_id_not_found(not_found_hub, tmp_path):
    # huggingface_hub reads its endpoint at import, so the build runs in a fresh interpreter.
    code = (
        "from galaxy_utils.models import build_classifier\n"
        "from galaxy_utils.errors import ModelError\n"
        "try:\n"
        "    build_classifier('someone/no-such-galaxy-model', num_labels=2)\n"
        "except ModelError as error:\n"
        "    print(error.message)\n"
        "    print(error.hint)\n"
    )
    env = os.environ | {"HF_ENDPOINT": not_found_hub, "HF_HUB_OFFLINE": "0", "HF_HOME": str(tmp_path / "hf")}
    completed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    message, hint = completed.stdout.strip().splitlines()[-2:]

    assert "'someone/no-such-galaxy-model'" in message
    assert "not found on the Hugging Face Hub" in message
    assert "check the id" in hint


# One Hub id per family, with the config facts the registry stores for it.
HUB_CONFIG_IDS = [
    "google/vit-base-patch16-224",
    "microsoft/beit-base-patch16-224-pt22k",
    "microsoft/swinv2-tiny-patch4-window8-256",
    "facebook/dinov2-small",
    "facebook/convnextv2-atto-1k-224",
]


@pytest.mark.network
@pytest.mark.parametrize("model_id", HUB_CONFIG_IDS)
def test_stored_config_matches_hub(model_id):
    import transformers

    spec = get_spec(model_id)
    config = transformers.AutoConfig.from_pretrained(model_id)

    assert config.model_type == family_of(spec.family).model_type
    for key, value in spec.config.items():
        assert getattr(config, key) == value, f"{model_id}: {key}"


@pytest.fixture
def saved_classifier(tmp_path):
    """A tiny-vit classifier saved with save_classifier, as finetune writes it."""
    return save_classifier(build_classifier("tiny-vit", num_labels=2), tmp_path / "model")


def test_saved_classifier_round_trip(saved_classifier):
    classifier = load_classifier(saved_classifier)

    assert classifier.spec.name == "tiny-vit"
    assert classifier.num_labels == 2


def test_truncated_weights_name_file(saved_classifier):
    weights = saved_classifier / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:5])

    with pytest.raises(ModelError) as caught:
        load_classifier(saved_classifier)

    assert str(weights) in caught.value.message
    assert "truncated or corrupt" in caught.value.message
    assert "--force" in caught.value.hint


@pytest.mark.parametrize(
    "damage, fragment",
    [
        ('{"model": "tiny-vit", ', "cannot read"),
        ("[1, 2]", "is not a JSON object"),
        ('{"model": "tiny-vit"}', "lacks the field(s)"),
    ],
)
def test_broken_classifier_json_names_file(saved_classifier, damage, fragment):
    meta = saved_classifier / "classifier.json"
    meta.write_text(damage)

    with pytest.raises(ModelError) as caught:
        load_classifier(saved_classifier)

    assert str(meta) in caught.value.message
    assert fragment in caught.value.message


def test_unbuildable_classifier_json_names_file(saved_classifier):
    meta_path = saved_classifier / "classifier.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps(meta | {"family": "resnet"}))

    with pytest.raises(ModelError) as caught:
        load_classifier(saved_classifier)

    assert str(meta_path) in caught.value.message
    assert "unknown model family 'resnet'" in caught.value.message


def test_missing_model_folder_rejected(tmp_path):
    missing = tmp_path / "no-such-model"

    with pytest.raises(ModelError) as caught:
        resolve_spec(str(missing))

    assert caught.value.message == f"model folder {missing} does not exist"
    assert "written by finetune" in caught.value.hint


@pytest.mark.parametrize("present, expected", [([], "has no model.safetensors and no classifier.json"), (["classifier.json"], "has no model.safetensors")])
def test_incomplete_model_folder_rejected(tmp_path, monkeypatch, present, expected):
    folder = tmp_path / "models" / "mine"
    folder.mkdir(parents=True)
    for name in present:
        (folder / name).write_text("{}")
    monkeypatch.chdir(tmp_path)

    for spelling in (str(folder), "models/mine", "./models/mine"):
        with pytest.raises(ModelError) as caught:
            resolve_spec(spelling)
        assert caught.value.message.endswith(expected), spelling


def test_finetune_missing_folder_no_hub_call(tmp_path, monkeypatch):
    def no_hub(*args, **kwargs):
        raise AssertionError("treated a local path as a Hub id")

    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", no_hub)
    with pytest.raises(ModelError, match="does not exist"):
        finetune(str(tmp_path / "absent"), "decals-rings", results_dir=tmp_path / "results")


@pytest.mark.parametrize("name, size, minimum", [("tiny-vit", 3, 16), ("tiny-dinov2", 15, 16), ("tiny-convnextv2", 16, 32), ("tiny-swinv2", 31, 32)])
def test_image_size_below_minimum_rejected(name, size, minimum):
    with pytest.raises(ConfigError) as caught:
        build_classifier(name, num_labels=2, image_size=size)

    assert caught.value.message.startswith(f"image size {size} px is too small for {name}")
    assert f"at least {minimum} px" in caught.value.hint


@pytest.mark.parametrize("name, size", [("tiny-vit", 16), ("tiny-convnextv2", 32), ("tiny-swinv2", 32)])
def test_image_size_at_minimum_runs(name, size):
    classifier = build_classifier(name, num_labels=2, image_size=size).eval()

    with torch.no_grad():
        logits = classifier(uint8_batch(64)).logits

    assert logits.shape == (2, 2)


def test_finetune_small_image_size_fails_early(tmp_path):
    recipe = Recipe(epochs=1, batch_size=8, image_size=3)

    with pytest.raises(ConfigError, match="image size 3 px is too small for tiny-vit"):
        finetune("tiny-vit", "decals-rings", recipe=recipe, results_dir=tmp_path, device="cpu", progress=False)

    assert not (tmp_path / "cache").exists()
