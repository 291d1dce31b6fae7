"""Build classifiers from registry entries or Hub ids, and save or reload fine-tuned ones.

Pretrained weights come from the Hugging Face Hub (``weights="pretrained"``).
The same architecture builds offline with random weights (``weights="random"``)
from the facts stored in the registry, and the tiny configurations always
build offline.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import replace
from pathlib import Path

import torch
import transformers
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from galaxy_utils.errors import ConfigError, ModelError
from galaxy_utils.io import atomic_write_json
from galaxy_utils.models.classifier import GalaxyClassifier
from galaxy_utils.models.families import family_of, family_of_config
from galaxy_utils.models.heads import ClassifierHead
from galaxy_utils.models.registry import ModelSpec, get_spec, is_registered
from galaxy_utils.transforms import Augmentation, Preprocessing

logger = logging.getLogger(__name__)

WEIGHTS = ("pretrained", "random")
CLASSIFIER_FILE = "classifier.json"
WEIGHTS_FILE = "model.safetensors"
# Full-size ConvNeXt V2 and SwinV2 reduce the resolution 32-fold over their four
# stages, and ConvNeXt V2 fails on smaller inputs (its tiny twin included).
MIN_IMAGE_SIZE_BY_FAMILY = {"convnextv2": 32, "swinv2": 32}


def resolve_spec(model: str, revision: str | None = None) -> ModelSpec:
    """Return the registry entry of ``model``, or describe an unregistered Hub id or local transformers folder.

    An unregistered id needs the Hub, to read its config and image processor.
    A name that looks like a path (absolute, starting with ``.`` or ``~``, or an
    existing relative path) is never sent to the Hub: unless it is a folder with
    a transformers ``config.json``, it raises a ModelError that names it.
    """
    if is_registered(model):
        return get_spec(model)
    local_folder = _looks_like_path(model)
    if local_folder:
        _check_model_folder(model)
    elif model.startswith("tiny-") or "/" not in model:
        get_spec(model)  # raises a ModelError that lists close names

    config = _hub_call(model, "read the config of", lambda: transformers.AutoConfig.from_pretrained(model, revision=revision))
    family = family_of_config(config)
    processor = _hub_call(
        model, "read the image processor of", lambda: transformers.AutoImageProcessor.from_pretrained(model, revision=revision)
    )
    preprocessing = Preprocessing.from_image_processor(processor)
    return ModelSpec(
        name=model,
        family=family.name,
        size="unknown",
        image_size=preprocessing.crop,
        params_m=0.0,
        imagenet_head=None,
        head_usable=False,
        pretraining="unknown (not in the registry)",
        self_supervised_only=False,
        config={},
        preprocessing=preprocessing,
        confirmed=False,
        source=str(Path(model).expanduser()) if local_folder else f"https://huggingface.co/{model}",
        notes="read from a local transformers folder at run time" if local_folder else "read from the Hub at run time; not in the registry",
    )


def min_image_size(spec: ModelSpec) -> int | None:
    """Return the smallest input size in pixels accepted for ``spec``, or None when its patch size is unknown.

    Patch models need at least two patches per side: a single patch gives one
    token for the whole galaxy.
    """
    if spec.family in MIN_IMAGE_SIZE_BY_FAMILY:
        return MIN_IMAGE_SIZE_BY_FAMILY[spec.family]
    patch_size = spec.config.get("patch_size")
    # NOTE: unregistered Hub ids have no stored config, so their size is not checked here.
    return None if patch_size is None else 2 * patch_size


def check_image_size(spec: ModelSpec, image_size: int | None) -> None:
    """Raise a ConfigError when ``image_size`` is too small for ``spec`` (None means the checkpoint's own size)."""
    minimum = None if image_size is None else min_image_size(spec)
    if minimum is None or image_size >= minimum:
        return
    if spec.family in MIN_IMAGE_SIZE_BY_FAMILY:
        family_title = {"convnextv2": "ConvNeXt V2", "swinv2": "SwinV2"}[spec.family]
        reason = f"{family_title} models need at least {minimum} px"
    else:
        reason = f"it needs at least two patches of {minimum // 2} px per side"
    raise ConfigError(
        f"image size {image_size} px is too small for {spec.name}: {reason}",
        f"use an image size of at least {minimum} px (image_size=, --image-size), or leave it unset for {spec.image_size} px",
    )


def build_classifier(
    model: str | ModelSpec,
    num_labels: int,
    strategy: str = "full",
    head: str = "linear",
    weights: str = "pretrained",
    image_size: int | None = None,
    head_hidden_size: int | None = None,
    head_dropout: float = 0.0,
    augmentation: Augmentation | None = None,
    gradient_checkpointing: bool = False,
    revision: str | None = None,
    seed: int = 42,
) -> GalaxyClassifier:
    """Build a classifier for ``num_labels`` classes, replacing the pretrained head.

    Parameters
    ----------
    model : str or ModelSpec
        A registry name (Hub id or ``tiny-<family>``) or any Hub id of a supported family.
    num_labels : int
        Number of classes.
    strategy : {"full", "head"}, default "full"
        Train every parameter, or only the head on a frozen backbone.
    head : {"linear", "mlp1", "mlp2", "mlp3"}, default "linear"
        The new classification head.
    weights : {"pretrained", "random"}, default "pretrained"
        Load the Hub checkpoint, or build the same architecture with random
        weights and no Hub access. Tiny configurations are always random.
    image_size : int, optional
        Input resolution; the checkpoint's own by default. Position embeddings
        are interpolated when it differs.
    head_hidden_size : int, optional
        Width of MLP hidden layers (default: the feature size).
    head_dropout : float, default 0.0
        Dropout in MLP heads.
    augmentation : Augmentation, optional
        Training-time augmentation applied in the forward pass.
    gradient_checkpointing : bool, default False
        Recompute activations in the backward pass to save memory.
    revision : str, optional
        Hub commit of the checkpoint.
    seed : int, default 42
        Seed of the random initialisation of the head (and of the backbone for
        random weights).

    Returns
    -------
    GalaxyClassifier
    """
    if weights not in WEIGHTS:
        raise ConfigError(f"unknown weights {weights!r}", f"use one of {', '.join(WEIGHTS)}")
    if num_labels < 2:
        raise ConfigError(f"num_labels {num_labels} is invalid", "a classifier needs at least 2 classes")

    spec = model if isinstance(model, ModelSpec) else resolve_spec(model, revision)
    check_image_size(spec, image_size)
    family = family_of(spec.family)
    transformers.set_seed(seed)

    preprocessing = spec.preprocessing
    config_overrides = {}
    if image_size is not None and image_size != spec.image_size:
        preprocessing = preprocessing.at_size(image_size)
        if spec.tiny:
            config_overrides["image_size"] = image_size

    if weights == "pretrained" and not spec.tiny:
        hf_model = _hub_call(
            spec.name,
            "download the weights of",
            lambda: family.model_cls().from_pretrained(
                spec.name, num_labels=num_labels, ignore_mismatched_sizes=True, revision=revision
            ),
        )
    else:
        if not spec.config:
            raise ModelError(
                f"model {spec.name!r} has no stored architecture, so it cannot be built with random weights",
                "use weights='pretrained' with Hub access, or a registry entry",
            )
        config = family.config(num_labels=num_labels, **(spec.config | config_overrides))
        hf_model = family.model(config)

    in_features = hf_model.classifier.in_features
    hf_model.classifier = ClassifierHead(in_features, num_labels, head, head_hidden_size, head_dropout)

    if gradient_checkpointing:
        if not getattr(hf_model, "supports_gradient_checkpointing", False):
            raise ConfigError(f"{spec.name} does not support gradient checkpointing", "train without it, or with a smaller batch")
        hf_model.gradient_checkpointing_enable()

    configured_size = getattr(hf_model.config, "image_size", None)
    interpolate = family.interpolates_positions and preprocessing.crop != configured_size
    classifier = GalaxyClassifier(hf_model, preprocessing, strategy, augmentation, interpolate)
    classifier.spec = replace(spec, preprocessing=preprocessing, image_size=preprocessing.crop)
    classifier.build_options = {"head": head, "head_hidden_size": head_hidden_size, "head_dropout": head_dropout}
    logger.info(
        "built %s (%s weights, %s strategy, %s head): %s parameters, %s trainable",
        spec.name, "random" if weights == "random" or spec.tiny else "pretrained", strategy, head,
        f"{classifier.total_parameters():,}", f"{classifier.trainable_parameters():,}",
    )
    return classifier


def save_classifier(classifier: GalaxyClassifier, directory: str | os.PathLike) -> Path:
    """Save a classifier's weights (safetensors) and everything needed to rebuild it offline."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().contiguous().cpu() for name, tensor in classifier.state_dict().items()}
    tmp = directory / f".{WEIGHTS_FILE}.tmp"
    save_file(state, str(tmp))
    os.replace(tmp, directory / WEIGHTS_FILE)
    atomic_write_json(
        directory / CLASSIFIER_FILE,
        {
            "model": classifier.spec.name,
            "family": classifier.spec.family,
            "num_labels": classifier.num_labels,
            "strategy": classifier.strategy,
            "preprocessing": classifier.preprocessing.to_dict(),
            "interpolate_pos_encoding": classifier.interpolate_pos_encoding,
            "hf_config": classifier.model.config.to_dict(),
            **classifier.build_options,
        },
    )
    return directory


def load_classifier(directory: str | os.PathLike, map_location: str = "cpu") -> GalaxyClassifier:
    """Rebuild a classifier saved by :func:`save_classifier`, without Hub access.

    Weights are read with safetensors, which cannot execute code.
    """
    directory = Path(directory).expanduser()
    meta_path, weights_path = directory / CLASSIFIER_FILE, directory / WEIGHTS_FILE
    if not (meta_path.is_file() and weights_path.is_file()):
        raise ModelError(f"no saved classifier in {directory}", f"expected {CLASSIFIER_FILE} and {WEIGHTS_FILE}; fine-tune first")
    rewrite = "rerun the fine-tune that wrote it with force=True (--force), or pass another saved classifier folder"
    meta = _read_classifier_meta(meta_path, rewrite)

    try:
        family = family_of(meta["family"])
        config_class = getattr(transformers, family.config_class)
        hf_model = family.model(config_class.from_dict(meta["hf_config"]))
        in_features = hf_model.classifier.in_features
        hf_model.classifier = ClassifierHead(
            in_features, meta["num_labels"], meta["head"], meta.get("head_hidden_size"), meta.get("head_dropout", 0.0)
        )
        preprocessing = Preprocessing(**{**meta["preprocessing"], "mean": tuple(meta["preprocessing"]["mean"]), "std": tuple(meta["preprocessing"]["std"])})
        classifier = GalaxyClassifier(hf_model, preprocessing, meta["strategy"], None, meta.get("interpolate_pos_encoding", False))
    except (ModelError, ConfigError, KeyError, TypeError, ValueError, AttributeError) as error:
        message = error.message if isinstance(error, (ModelError, ConfigError)) else f"{type(error).__name__}: {error}"
        raise ModelError(f"{meta_path} is invalid: {message}", rewrite) from error

    try:
        state = load_file(str(weights_path), device=map_location)
    except (SafetensorError, OSError) as error:
        raise ModelError(f"cannot read {weights_path}: it is truncated or corrupt ({error})", rewrite) from error
    try:
        classifier.load_state_dict(state)
    except RuntimeError as error:
        first_line = str(error).strip().splitlines()[0]
        raise ModelError(f"the weights in {weights_path} do not fit the model in {meta_path} ({first_line})", rewrite) from error

    if is_registered(meta["model"]):
        classifier.spec = replace(get_spec(meta["model"]), preprocessing=preprocessing, image_size=preprocessing.crop)
    else:
        classifier.spec = ModelSpec(
            name=meta["model"], family=meta["family"], size="unknown", image_size=preprocessing.crop, params_m=0.0,
            imagenet_head=None, head_usable=False, pretraining="unknown", self_supervised_only=False,
            config={}, preprocessing=preprocessing, confirmed=False, notes=f"loaded from {directory}",
        )
    classifier.build_options = {key: meta.get(key) for key in ("head", "head_hidden_size", "head_dropout")}
    return classifier


def is_saved_classifier(path: str | os.PathLike) -> bool:
    """Return whether ``path`` is a directory written by :func:`save_classifier`."""
    path = Path(path).expanduser()
    return path.is_dir() and (path / CLASSIFIER_FILE).is_file() and (path / WEIGHTS_FILE).is_file()


def classifier_from_checkpoint(
    directory: str | os.PathLike | GalaxyClassifier,
    num_labels: int,
    strategy: str = "full",
    head: str = "linear",
    head_hidden_size: int | None = None,
    head_dropout: float = 0.0,
    augmentation: Augmentation | None = None,
    seed: int = 42,
) -> GalaxyClassifier:
    """Start a new classifier from a fine-tuned one: its backbone, and a new head.

    This is how a fine-tuned backbone is reused, for the head ablation
    (new heads on a frozen fine-tuned backbone) or to fine-tune a
    Galaxy10-specialised model on another data set. ``directory`` may also be
    a classifier already loaded with :func:`load_classifier`; its backbone is
    reused, not copied.
    """
    base = directory if isinstance(directory, GalaxyClassifier) else load_classifier(directory)
    transformers.set_seed(seed)
    hf_model = base.model
    hf_model.classifier = ClassifierHead(hf_model.classifier.layers[0].in_features, num_labels, head, head_hidden_size, head_dropout)
    classifier = GalaxyClassifier(hf_model, base.preprocessing, strategy, augmentation, base.interpolate_pos_encoding)
    classifier.spec = base.spec
    classifier.build_options = {"head": head, "head_hidden_size": head_hidden_size, "head_dropout": head_dropout}
    return classifier


def _read_classifier_meta(meta_path: Path, hint: str) -> dict:
    """Return the parsed classifier.json, or raise a ModelError that names the file."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"cannot read {meta_path}: {error}", hint) from error
    if not isinstance(meta, dict):
        raise ModelError(f"{meta_path} is not a JSON object", hint)
    missing = [key for key in ("model", "family", "num_labels", "head", "strategy", "preprocessing", "hf_config") if key not in meta]
    if missing:
        raise ModelError(f"{meta_path} lacks the field(s) {missing}", hint)
    return meta


def _looks_like_path(model: str) -> bool:
    """Return whether ``model`` is meant as a local folder rather than a registry name or Hub id.

    Hub ids contain a slash too, so a relative name with a separator counts
    as a path only when it exists.
    """
    if os.path.isabs(model) or model.startswith((".", "~")):
        return True
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    return any(sep in model for sep in separators) and Path(model).exists()


def _check_model_folder(model: str) -> None:
    """Raise a ModelError unless ``model`` is a transformers model folder (with config.json).

    :func:`finetune` tests :func:`is_saved_classifier` first, so only a
    direct call such as ``build_classifier("results/runs/<key>/model")``
    gets here with a saved classifier.
    """
    path = Path(model).expanduser()
    fix = f"pass a folder written by finetune (it contains {WEIGHTS_FILE} and {CLASSIFIER_FILE}), a registry name or a Hub id"
    if not path.exists():
        raise ModelError(f"model folder {path} does not exist", fix)
    if not path.is_dir():
        raise ModelError(f"model {path} is a file, not a folder", fix)
    if (path / "config.json").is_file():
        return
    missing = [name for name in (WEIGHTS_FILE, CLASSIFIER_FILE) if not (path / name).is_file()]
    if not missing:
        raise ModelError(
            f"{path} is a saved classifier, which cannot be built from a registry entry",
            "load it with load_classifier, or start a new head on it with classifier_from_checkpoint or finetune",
        )
    raise ModelError(f"{path} has no {' and no '.join(missing)}", fix)


def _hub_call(model_id: str, action: str, call):
    """Run a Hub download, turning its many failure types into one clear ModelError."""
    try:
        return call()
    except (KeyboardInterrupt, MemoryError):
        raise
    except torch.OutOfMemoryError:
        raise
    except Exception as error:  # huggingface_hub, requests and transformers raise many types
        text = f"{type(error).__name__}: {error}"
        lowered = text.lower()
        if "not a valid model identifier" in lowered or "repositorynotfound" in lowered or "404" in lowered:
            reason, hint = "it was not found on the Hugging Face Hub", "check the id; `galaxy-book models` lists the registered ones"
        elif any(word in lowered for word in ("connect", "offline", "resolve", "network", "localentrynotfound", "timed out")):
            reason, hint = (
                "the Hub cannot be reached",
                "connect to the internet, or download the model once and set HF_HUB_OFFLINE=1, "
                "or build it offline with weights='random' (--weights random), or use a tiny config such as tiny-dinov2",
            )
        else:
            reason, hint = "the Hub call failed", "check the id and the network, or use weights='random' or a tiny config"
        raise ModelError(f"cannot {action} {model_id!r}: {reason} ({text.splitlines()[0][:300]})", hint) from error
