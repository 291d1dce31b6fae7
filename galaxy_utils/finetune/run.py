"""Fine-tune one model on one data set with the Hugging Face Trainer, and store the result.

The flow, step by step:

1. resolve the model, the data and its validation split, and the run's identity;
2. return the stored result if one exists (unless forced), or else lock the
   run's directory until step 6 ends, so that a second process for the same
   run fails at once with a ResourceError;
3. decode the images once into uint8 arrays (cached on disk);
4. build the classifier and train it with the Trainer, selecting the checkpoint
   on the validation split (resuming from the last checkpoint if one exists),
   and stop with a ConfigError if the loss becomes NaN or infinite;
5. evaluate the selected model once on the test split;
6. save the model and write the result atomically.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import shutil
import time
from pathlib import Path

import numpy as np
import torch
from transformers import EvalPrediction, PrinterCallback, Trainer, TrainerCallback, TrainingArguments

from galaxy_utils.errors import ConfigError, ResourceError
from galaxy_utils.features import cached_features
from galaxy_utils.finetune.datasets import FeatureHeadModel, TensorDictDataset, collate_batch
from galaxy_utils.finetune.recipe import Recipe
from galaxy_utils.finetune.result import FineTuneResult
from galaxy_utils.finetune.store import ResultStore, run_key
from galaxy_utils.hardware import describe_hardware, library_versions, resolve_device, supports_bf16
from galaxy_utils.io import canonical_json, sha256_file
from galaxy_utils.metrics import evaluation_report, summary_metrics
from galaxy_utils.models.build import (
    WEIGHTS,
    WEIGHTS_FILE,
    build_classifier,
    check_image_size,
    classifier_from_checkpoint,
    is_saved_classifier,
    load_classifier,
    resolve_spec,
    save_classifier,
)
from galaxy_utils.models.classifier import STRATEGIES
from galaxy_utils.models.heads import HEADS
from galaxy_utils.transforms import get_augmentation

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

logger = logging.getLogger(__name__)

# Locked by the process that trains a run, in the run's directory.
LOCK_FILE = ".lock"

# Decoded images keep Galaxy10 DECaLS's native 256 px; smaller models crop and resize on the device.
STORAGE_SIZE = 256


def finetune(
    model: str,
    dataset: str | os.PathLike | DatasetDict,
    strategy: str = "full",
    head: str = "linear",
    recipe: Recipe | None = None,
    results_dir: str | os.PathLike = "results",
    weights: str = "pretrained",
    device: str = "auto",
    force: bool = False,
    progress: bool = True,
    evaluate_train: bool = False,
    head_hidden_size: int | None = None,
    revision: str | None = None,
    storage_size: int = STORAGE_SIZE,
    keep_checkpoints: bool = False,
) -> FineTuneResult:
    """Fine-tune a model and return its stored result.

    Parameters
    ----------
    model : str
        A registry name or Hub id (``"facebook/dinov2-base-imagenet1k-1-layer"``),
        or an offline configuration (``"tiny-dinov2"``).
    dataset : str, path-like or DatasetDict
        A data set name, folder or CSV (see :func:`galaxy_utils.data.load_data`),
        or a loaded DatasetDict with ``train`` and ``test`` splits.
    strategy : {"full", "head"}, default "full"
        Train every parameter, or only the head on the frozen backbone.
    head : {"linear", "mlp1", "mlp2", "mlp3"}, default "linear"
        Classification head.
    recipe : Recipe, optional
        Hyperparameters; the study's recipe by default.
    results_dir : path-like, default "results"
        The results store: one JSON per run, models under ``runs/``, caches under ``cache/``.
    weights : {"pretrained", "random"}, default "pretrained"
        Hub weights, or the same architecture with random weights (offline).
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to train.
    force : bool, default False
        Recompute even when a valid result is stored.
    progress : bool, default True
        Show progress bars.
    evaluate_train : bool, default False
        Also score the selected model on the training split.
    head_hidden_size : int, optional
        Width of MLP heads.
    revision : str, optional
        Hub commit of the checkpoint.
    storage_size : int, default 256
        Edge of the decoded images kept in memory, in pixels.
    keep_checkpoints : bool, default False
        Keep the Trainer's checkpoints after success (the selected model is always kept).

    Returns
    -------
    FineTuneResult
        With ``metrics`` on the test split and ``result_path``.

    Raises
    ------
    galaxy_utils.errors.ResourceError
        When another process is training the same run into the same
        ``results_dir``, or when memory runs out.
    galaxy_utils.errors.ConfigError
        For invalid settings, and when training diverges (a NaN or infinite
        loss or output). A diverged run stores nothing.
    """
    # The data layer needs the optional packages `datasets` and `pooch`. Importing it
    # here keeps the Trainer helpers of this module usable on a machine without them.
    from datasets import DatasetDict

    from galaxy_utils.data import decode_dataset, load_data, provenance_of, with_validation

    started = time.perf_counter()
    recipe = recipe or Recipe()
    _check_choices(strategy, head, weights)
    device = resolve_device(device)

    # Step 1: the model, the data and the run's identity. A saved classifier
    # directory stands for its fine-tuned backbone, identified by its weights' hash.
    from_checkpoint = is_saved_classifier(model)
    if from_checkpoint:
        base_classifier = load_classifier(model)
        spec = base_classifier.spec
        checkpoint_sha256 = sha256_file(Path(model).expanduser() / WEIGHTS_FILE)
        model_identity = f"{spec.name} fine-tuned {checkpoint_sha256[:12]}"
    else:
        spec = resolve_spec(model, revision)
        check_image_size(spec, recipe.image_size)
        model_identity = spec.name
    data = load_data(dataset, seed=recipe.seed) if not isinstance(dataset, DatasetDict) else dataset
    _check_splits(data)
    data = with_validation(data, recipe.validation_fraction, recipe.seed)
    provenance = provenance_of(data)
    class_names = list(provenance.class_names) or list(data["train"].features["label"].names)

    uses_cache = strategy == "head" and recipe.head_training == "cached"
    if from_checkpoint:
        weights_used = "checkpoint"
    elif spec.tiny:
        weights_used = "random"
    else:
        weights_used = weights
    run = _normalise(
        {
            "model": model_identity if from_checkpoint else spec.name,
            "base_checkpoint_sha256": checkpoint_sha256 if from_checkpoint else None,
            "revision": revision,
            "weights": weights_used,
            "strategy": strategy,
            "head": head,
            "head_hidden_size": head_hidden_size,
            "head_training": recipe.head_training if strategy == "head" else None,
            "data": provenance.to_dict(),
            "recipe": recipe.to_dict(),
            "storage_size": storage_size,
            "versions": library_versions(),
        }
    )
    store = ResultStore(results_dir)

    # Step 2: a stored result ends the call.
    if not force:
        stored = store.load(run)
        if stored is not None:
            logger.info("reusing stored result %s", stored.result_path)
            return stored

    # Steps 3 to 6 hold a lock on the run's directory, so that a second process
    # for the same run cannot resume from this one's live checkpoints or
    # overwrite its model and result.
    run_dir = store.run_dir(run)
    with _run_lock(run_dir):
        if not force and store.path_for(run).is_file():
            # Another process may have stored the result since the check above.
            stored = store.load(run)
            if stored is not None:
                logger.info("reusing stored result %s", stored.result_path)
                return stored

        # Step 3: decode every split once.
        cache_root = Path(results_dir) / "cache"
        decoded = decode_dataset(data, storage_size, cache_root / "images", splits=("train", "validation", "test"))
        if recipe.max_train_samples is not None:
            decoded["train"] = _subsample(decoded["train"], recipe.max_train_samples, recipe.seed)

        # Step 4: build and train.
        augmentation = get_augmentation(recipe.augmentation)
        active_augmentation = None if augmentation.is_identity else augmentation
        if from_checkpoint:
            classifier = classifier_from_checkpoint(
                base_classifier, len(class_names), strategy, head, head_hidden_size, augmentation=active_augmentation, seed=recipe.seed
            )
        else:
            classifier = build_classifier(
                spec, len(class_names), strategy, head, weights, recipe.image_size, head_hidden_size,
                augmentation=active_augmentation, gradient_checkpointing=recipe.gradient_checkpointing,
                revision=revision, seed=recipe.seed,
            )
        _log_banner(spec.name, strategy, head, provenance.name, decoded, recipe, device, classifier)

        if uses_cache and not augmentation.is_identity:
            logger.warning(
                "the head trains on cached features, so the %r augmentation is not applied; set "
                "head_training='end_to_end' (Python) or --head-training end_to_end (command line) "
                "to apply it at the cost of a backbone pass per step",
                recipe.augmentation,
            )

        try:
            if uses_cache:
                features = {
                    name: cached_features(
                        classifier, split.images, f"{provenance.fingerprint}/{name}/{provenance.split}/{recipe.max_train_samples}",
                        cache_root / "features", device=device, precision=_feature_precision(recipe),
                    )
                    for name, split in decoded.items()
                }
                trainer, datasets = _make_trainer(
                    FeatureHeadModel(classifier.head), features, decoded, recipe, run_dir, device, progress, kind="features"
                )
            else:
                trainer, datasets = _make_trainer(classifier, None, decoded, recipe, run_dir, device, progress, kind="pixels")
            trainer.train(resume_from_checkpoint=_last_checkpoint(run_dir / "checkpoints"))
        except _Diverged as diverged:
            # The checkpoints hold the diverged weights, and a rerun of this recipe
            # would resume from them, so nothing of the run is kept.
            shutil.rmtree(run_dir / "checkpoints", ignore_errors=True)
            raise _divergence_error(f"the {diverged.quantity} became {diverged.value}", diverged.epoch, diverged.step, recipe) from None
        except (torch.OutOfMemoryError, MemoryError) as error:
            raise _out_of_memory(spec.name, recipe, device) from error
        except RuntimeError as error:
            # CUDA reports "out of memory"; the CPU allocator "can't allocate memory".
            message = str(error).lower()
            if "out of memory" in message or "can't allocate memory" in message:
                raise _out_of_memory(spec.name, recipe, device) from error
            raise

        # Step 5: evaluate the selected model, the test split once.
        predictions, reports = {}, {}
        splits_to_score = ["validation", "test"] + (["train"] if evaluate_train else [])
        for name in splits_to_score:
            logits = trainer.predict(datasets[name]).predictions
            logits = logits[0] if isinstance(logits, tuple) else logits
            if not np.isfinite(logits).all():
                shutil.rmtree(run_dir / "checkpoints", ignore_errors=True)
                raise _divergence_error(
                    f"the model's outputs on the {name} split became NaN or infinite", trainer.state.epoch, trainer.state.global_step, recipe
                )
            probabilities = torch.softmax(torch.as_tensor(logits, dtype=torch.float32), dim=-1).numpy()
            labels = decoded[name].labels
            predicted = probabilities.argmax(axis=1)
            predictions[name] = {
                "labels": labels.tolist(),
                "predictions": predicted.tolist(),
                "probabilities": np.round(probabilities, 5).tolist(),
            }
            reports[name] = evaluation_report(labels, predicted, class_names, seed=recipe.seed)

        # Step 6: save the model and the result. Under torchrun or accelerate launch every
        # process gets the gathered predictions, and only the main one writes files.
        writes = trainer.is_world_process_zero()
        model_dir = run_dir / "model"
        if writes:
            save_classifier(classifier.cpu(), model_dir)
            if not keep_checkpoints:
                shutil.rmtree(run_dir / "checkpoints", ignore_errors=True)

        result = FineTuneResult(
            key=run_key(run),
            run=run,
            metrics=reports["test"],
            validation_metrics=reports["validation"],
            train_metrics=reports.get("train"),
            predictions=predictions,
            history=_history(trainer),
            checkpoint=str(model_dir),
            wall_time_s=round(time.perf_counter() - started, 2),
            hardware=describe_hardware(device),
            notes=_notes(recipe, strategy, uses_cache, augmentation.is_identity),
        )
        if writes:
            store.save(result)
        logger.info(result.summary())
        return result


def _make_trainer(model, features, decoded, recipe: Recipe, run_dir: Path, device: str, progress: bool, kind: str) -> tuple[Trainer, dict]:
    """Return the Trainer and the datasets of every split, over pixels or cached features."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    on_device = False
    if kind == "features":
        datasets = {
            name: TensorDictDataset(features=torch.as_tensor(features[name]), labels=torch.as_tensor(split.labels))
            for name, split in decoded.items()
        }
    else:
        # On a GPU with room to spare, the decoded images live on the device, so a
        # batch is one gather in GPU memory and nothing crosses the PCIe bus.
        on_device = device == "cuda" and _fits_on_gpu(sum(split.images.nbytes for split in decoded.values()))
        target = "cuda" if on_device else "cpu"
        datasets = {
            name: TensorDictDataset(
                pixel_values=torch.from_numpy(split.images).to(target), labels=torch.as_tensor(split.labels).to(target)
            )
            for name, split in decoded.items()
        }
        if on_device:
            logger.info("decoded images kept on the GPU (%.1f GB)", sum(s.images.nbytes for s in decoded.values()) / 1e9)

    bf16 = recipe.precision == "bf16" or (recipe.precision == "auto" and supports_bf16(device))
    per_epoch = "epoch" if recipe.save_steps is None else "steps"
    args = TrainingArguments(
        output_dir=str(run_dir / "checkpoints"),
        num_train_epochs=recipe.epochs,
        learning_rate=recipe.learning_rate,
        per_device_train_batch_size=recipe.device_batch,
        per_device_eval_batch_size=max(recipe.device_batch, 64) if kind == "pixels" else 4096,
        gradient_accumulation_steps=recipe.accumulation_steps(world_size),
        weight_decay=recipe.weight_decay,
        warmup_steps=recipe.warmup_ratio,
        lr_scheduler_type=recipe.scheduler,
        adam_beta1=0.9,
        adam_beta2=0.999,
        adam_epsilon=1e-8,
        optim="adamw_torch_fused" if device == "cuda" else "adamw_torch",
        bf16=bf16,
        fp16=recipe.precision == "fp16",
        tf32=True if device == "cuda" else None,
        torch_compile=recipe.torch_compile,
        eval_strategy=per_epoch,
        save_strategy=per_epoch,
        logging_strategy=per_epoch,
        eval_steps=recipe.save_steps,
        save_steps=recipe.save_steps,
        logging_steps=recipe.save_steps,
        load_best_model_at_end=True,
        metric_for_best_model=recipe.selection_metric,
        greater_is_better=True,
        save_total_limit=2,
        seed=recipe.seed,
        data_seed=recipe.seed,
        use_cpu=device == "cpu",
        report_to="none",
        disable_tqdm=not progress,
        remove_unused_columns=False,
        label_names=["labels"],
        # By default the Trainer logs the mean of the finite step losses only,
        # which would hide a diverged run from _DivergenceCheck.
        logging_nan_inf_filter=False,
        dataloader_pin_memory=device == "cuda" and kind == "pixels" and not on_device,
        dataloader_num_workers=0,
    )
    num_labels = int(max(split.labels.max() for split in decoded.values())) + 1

    def compute_metrics(prediction: EvalPrediction) -> dict:
        logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
        return summary_metrics(prediction.label_ids, np.asarray(logits).argmax(axis=-1), num_labels)

    trainer = Trainer(
        model=model,
        args=args,
        data_collator=collate_batch,
        train_dataset=datasets["train"],
        eval_dataset=datasets["validation"],
        compute_metrics=compute_metrics,
        callbacks=[_DivergenceCheck()],
    )
    if not progress:
        # Without progress bars the Trainer prints each log dict instead; the logs are kept in the history.
        trainer.remove_callback(PrinterCallback)
    return trainer, datasets


class _Diverged(Exception):
    """A logged loss that is NaN or infinite, raised out of ``Trainer.train``."""

    def __init__(self, quantity: str, value: float, epoch: float | None, step: int):
        super().__init__(f"the {quantity} became {value} at step {step}")
        self.quantity = quantity
        self.value = "NaN" if math.isnan(value) else "infinite"
        self.epoch = epoch
        self.step = step


class _DivergenceCheck(TrainerCallback):
    """Stop training at the first logged training or validation loss that is NaN or infinite."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        for key, quantity in (("loss", "loss"), ("eval_loss", "validation loss")):
            value = (logs or {}).get(key)
            if value is not None and not math.isfinite(value):
                raise _Diverged(quantity, value, logs.get("epoch", state.epoch), state.global_step)


def _divergence_error(failure: str, epoch: float | None, step: int, recipe: Recipe) -> ConfigError:
    hint = f"lower the learning rate, now {recipe.learning_rate:g} (learning_rate= in Python, --learning-rate on the command line)"
    if recipe.precision == "fp16":
        hint += ", or train in bf16 or fp32 (--precision fp32)"
    epoch_text = "?" if epoch is None else f"{epoch:g}"
    return ConfigError(
        f"training diverged: {failure} at epoch {epoch_text} (step {step}); no result or model was stored",
        hint,
    )


@contextlib.contextmanager
def _run_lock(run_dir: Path):
    """Hold an exclusive lock on ``run_dir`` while the block runs, or raise a ResourceError at once.

    The lock is an flock on ``run_dir/.lock``, so the operating system releases
    it when the process exits or is killed. Under torchrun or accelerate launch
    only the process of rank 0 takes it, because every process of one run
    works in the same directory.
    """
    if fcntl is None or os.environ.get("RANK", "0") != "0":
        # NOTE: without fcntl (Windows), concurrent runs of one key are not detected.
        yield
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    # Append mode creates the file without truncating it while another process has it locked.
    with open(run_dir / LOCK_FILE, "a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ResourceError(
                f"another fine-tune is writing to {run_dir}",
                "wait for it to finish, or use another results directory (results_dir=, --results-dir)",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _fits_on_gpu(nbytes: int, share: float = 0.25) -> bool:
    """Return whether ``nbytes`` fit in ``share`` of the GPU's free memory."""
    free, _total = torch.cuda.mem_get_info()
    return nbytes < share * free


def _last_checkpoint(directory: Path) -> str | None:
    """Return the newest complete Trainer checkpoint in ``directory``, or None."""
    if not directory.is_dir():
        return None
    complete = [
        path for path in directory.glob("checkpoint-*")
        if path.name.split("-")[-1].isdigit() and _readable_state(path) and (path / "model.safetensors").is_file()
    ]
    if not complete:
        return None
    latest = max(complete, key=lambda path: int(path.name.split("-")[-1]))
    logger.info("resuming from %s", latest)
    return str(latest)


def _readable_state(checkpoint: Path) -> bool:
    """Return whether a checkpoint's trainer_state.json, which the Trainer writes last, parses.

    The Trainer does not write it atomically, so a run killed during a save
    leaves it truncated, and resuming from that checkpoint would fail.
    """
    path = checkpoint / "trainer_state.json"
    if not path.is_file():
        return False
    try:
        json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        logger.warning("skipping checkpoint %s: unreadable trainer_state.json (%s)", checkpoint, error)
        return False
    return True


def _history(trainer: Trainer) -> list[dict]:
    keep = ("epoch", "step", "loss", "learning_rate", "grad_norm", "eval_loss", "eval_accuracy", "eval_macro_f1", "eval_weighted_f1")
    return [{key: entry[key] for key in keep if key in entry} for entry in trainer.state.log_history]


def _notes(recipe: Recipe, strategy: str, uses_cache: bool, no_augmentation: bool) -> list[str]:
    notes = [
        f"checkpoint selected by validation {recipe.selection_metric} "
        f"({recipe.validation_fraction:.0%} of train, stratified); the test split was evaluated once, at the end",
        "F1 averages are named: macro_f1 weighs classes equally, weighted_f1 by support (the study's model cards used weighted)",
    ]
    if uses_cache:
        notes.append(
            "head trained on cached features of the frozen backbone"
            + ("" if no_augmentation else f" (the {recipe.augmentation!r} augmentation was not applied)")
        )
    return notes


def _subsample(split, n: int, seed: int):
    if n >= len(split):
        return split
    index = np.sort(np.random.default_rng(seed).choice(len(split), n, replace=False))
    return type(split)(split.images[index], split.labels[index])


def _out_of_memory(model: str, recipe: Recipe, device: str) -> ResourceError:
    return ResourceError(
        f"{model} ran out of {'GPU' if device == 'cuda' else 'host'} memory with {recipe.device_batch} images per step",
        "lower per_device_batch_size (gradient accumulation keeps the effective batch), "
        "turn on gradient_checkpointing, or use a smaller model or a tiny config",
    )


def _feature_precision(recipe: Recipe) -> str:
    return "fp32" if recipe.precision == "fp32" else "auto"


def _check_choices(strategy: str, head: str, weights: str) -> None:
    if strategy not in STRATEGIES:
        raise ConfigError(f"unknown strategy {strategy!r}", f"use one of {', '.join(STRATEGIES)}")
    if head not in HEADS:
        raise ConfigError(f"unknown head {head!r}", f"use one of {', '.join(HEADS)}")
    if weights not in WEIGHTS:
        raise ConfigError(f"unknown weights {weights!r}", f"use one of {', '.join(WEIGHTS)}")


def _check_splits(data: DatasetDict) -> None:
    missing = [name for name in ("train", "test") if name not in data]
    if missing:
        raise ConfigError(f"the data set lacks the split(s) {missing} (it has {sorted(data)})", "provide 'train' and 'test' splits")


def _normalise(run: dict) -> dict:
    # The stored JSON turns tuples into lists, so compare and hash the JSON form.
    return json.loads(canonical_json(run))


def _log_banner(model, strategy, head, dataset_name, decoded, recipe: Recipe, device, classifier) -> None:
    logger.info(
        "fine-tuning %s (%s, %s head) on %s: %d train, %d validation, %d test images; device %s, precision %s, "
        "%d epochs, effective batch %d (%d per step), learning rate %g; %s of %s parameters trainable",
        model, strategy, head, dataset_name, len(decoded["train"]), len(decoded["validation"]), len(decoded["test"]),
        device, recipe.precision, recipe.epochs, recipe.batch_size, recipe.device_batch, recipe.learning_rate,
        f"{classifier.trainable_parameters():,}", f"{classifier.total_parameters():,}",
    )
