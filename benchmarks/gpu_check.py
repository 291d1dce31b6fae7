"""Every GPU measurement of the benchmarks in one run, within a time budget; see gpu_check.sh.

Stages, in order of priority (each is skipped when too little of the budget is
left, and a failing stage is recorded without stopping the others):

1. the machine, the optional packages present, and a bf16 matrix-product ceiling;
2. GPU against CPU augmentation: the same affine draws (theta) give the same images;
3. training throughput and MFU of the six study configurations, eager bf16 at
   the recipe's per-device batch of 64, and ViT-B/16 at 224 px at batch 256;
4. the Trainer path with the decoded images on the GPU against pinned CPU
   memory (ViT-B/16 at 224 px, through ``_make_trainer`` as ``finetune`` builds it);
5. head-only training on cached features against the frozen backbone end to
   end, at GPU scale on synthetic uint8 images (DINOv2-B);
6. the large variants of the paper profile, eager, costliest first;
7. ``torch.compile`` on ViT-B/16 at 224 px, then gradient checkpointing;
8. ``torch.compile`` on the other study configurations while time remains.

Only torch, transformers, accelerate, numpy and scikit-learn are needed.
``--dry-run`` runs every stage on the CPU with the tiny models and small
sizes, with datasets, pooch, plotly, openTSNE and umap hidden, to show that
the script works on a machine without them.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import math
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

OPTIONAL_PACKAGES = ("datasets", "pooch", "plotly", "openTSNE", "umap")

logger = logging.getLogger("benchmarks.gpu_check")


@dataclass(frozen=True)
class Plan:
    """Models and sizes of one run: the real one on a GPU, or the dry run on a CPU."""

    device: str
    study: tuple[str, ...]
    large: tuple[str, ...]
    headline: str
    head_model: str
    batch_size: int
    large_batch_size: int
    eval_batch_size: int
    steps: int
    warmup: int
    repeats: int
    trainer_images: int
    head_images: int
    head_epochs: int
    # Seconds a stage is expected to need; it is skipped when less than this is left.
    eager_s: float
    compile_s: float
    trainer_s: float
    head_s: float


def gpu_plan() -> Plan:
    """Return the plan of the real run on one GPU."""
    from benchmarks.throughput import LARGE_MODELS, STUDY_MODELS

    return Plan(
        device="cuda", study=STUDY_MODELS, large=LARGE_MODELS, headline="google/vit-base-patch16-224",
        head_model="facebook/dinov2-base-imagenet1k-1-layer", batch_size=64, large_batch_size=256, eval_batch_size=128,
        steps=20, warmup=5, repeats=3, trainer_images=8192, head_images=8192, head_epochs=5,
        eager_s=25, compile_s=120, trainer_s=60, head_s=60,
    )


def dry_run_plan() -> Plan:
    """Return the plan of the dry run: the same stages with tiny models and sizes on the CPU."""
    return Plan(
        device="cpu", study=("tiny-vit", "tiny-swinv2", "tiny-beit", "tiny-dinov2", "tiny-convnextv2"), large=("tiny-beit",),
        headline="tiny-vit", head_model="tiny-dinov2", batch_size=4, large_batch_size=8, eval_batch_size=8,
        steps=2, warmup=1, repeats=2, trainer_images=64, head_images=64, head_epochs=2,
        eager_s=5, compile_s=60, trainer_s=20, head_s=20,
    )


class Budget:
    """Seconds left before the deadline."""

    def __init__(self, seconds: float):
        self.deadline = time.perf_counter() + seconds

    def left(self) -> float:
        """Return the seconds left."""
        return self.deadline - time.perf_counter()

    def allows(self, seconds: float) -> bool:
        """Return whether ``seconds`` still fit."""
        return self.left() >= seconds


class Split:
    """A decoded split: uint8 images of shape (n, 256, 256, 3) and int64 labels, as ``decode_split`` returns."""

    def __init__(self, images, labels):
        self.images = images
        self.labels = labels

    def __len__(self) -> int:
        return len(self.labels)


def synthetic_splits(train: int, seed: int = 0, num_labels: int = 10) -> dict[str, Split]:
    """Return train, validation and test splits of random uint8 images (validation and test are train / 8 each)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    sizes = {"train": train, "validation": max(train // 8, num_labels), "test": max(train // 8, num_labels)}
    return {
        name: Split(rng.integers(0, 256, (size, 256, 256, 3), dtype=np.uint8), rng.integers(0, num_labels, size).astype(np.int64))
        for name, size in sizes.items()
    }


# ---------------------------------------------------------------- stages


def stage_environment(plan: Plan) -> dict:
    """Describe the machine and time the dense matrix-product ceiling."""
    from benchmarks.common import describe_machine, gpu_peak_tflops, matmul_tflops

    import torch

    info = {"machine": describe_machine(plan.device), "matmul_reference": matmul_tflops(plan.device)}
    info["optional_packages"] = {name: _importable(name) for name in OPTIONAL_PACKAGES}
    info["peak_tflops"] = gpu_peak_tflops(torch.cuda.get_device_name(0)) if plan.device == "cuda" else None
    return info


def stage_augmentation(plan: Plan) -> dict:
    """Compare the augmented images of the CPU and the device for the same affine draws."""
    import torch

    from galaxy_utils.models import get_spec
    from galaxy_utils.transforms import get_augmentation, preprocess_batch, sample_affine

    from benchmarks.common import synthetic_images

    images = synthetic_images(16, seed=3)
    augmentation = get_augmentation("galaxy")
    rows = []
    for name in plan.study:
        preprocessing = get_spec(name).preprocessing
        theta = sample_affine(len(images), augmentation, preprocessing.crop / preprocessing.resize, torch.Generator().manual_seed(7))
        on_cpu = preprocess_batch(images, preprocessing, theta=theta)
        on_device = preprocess_batch(images.to(plan.device), preprocessing, theta=theta).cpu()
        # Compare in pixel units of [0, 1]: undo the normalisation.
        std = torch.tensor(preprocessing.std).view(1, 3, 1, 1)
        difference = ((on_cpu - on_device) * std).abs().max().item()
        rows.append({
            "model": name, "preprocessing": preprocessing.to_dict(), "max_abs_difference": difference,
            "allclose_1e-4": bool(difference <= 1e-4),
        })
    return {"equal": all(row["allclose_1e-4"] for row in rows), "rows": rows}


def stage_throughput(plan: Plan, budget: Budget, models, compile_model: bool, checkpointing: bool = False,
                     batch_size: int | None = None, measure_eval: bool = True, results: list | None = None,
                     model_need_s: float | None = None) -> None:
    """Measure training (and evaluation) throughput of ``models``, appending one record per model to ``results``."""
    import torch

    from benchmarks.common import gpu_peak_tflops
    from benchmarks.throughput import Settings, format_record, measure_model

    peak = gpu_peak_tflops(torch.cuda.get_device_name(0)) if plan.device == "cuda" else None
    settings = Settings(
        device=plan.device, batch_size=batch_size or plan.batch_size, eval_batch_size=plan.eval_batch_size,
        steps=plan.steps, warmup=plan.warmup, repeats=plan.repeats, precision="bf16" if plan.device == "cuda" else "fp32",
        peak_tflops=peak, measure_eval=measure_eval,
    )
    records = [] if results is None else results
    for name in models:
        if not budget.allows(model_need_s or (plan.compile_s if compile_model else plan.eager_s)):
            records.append({"model": name, "compile": compile_model, "skipped": "time budget"})
            print(f"{name}: skipped, {budget.left():.0f} s left", flush=True)
            continue
        for record in measure_model(name, settings, (compile_model,), (checkpointing,)):
            records.append(record)
            print(format_record(record), flush=True)


def stage_trainer_path(plan: Plan) -> dict:
    """Train one epoch through the library's Trainer set-up with the images on the device, then in pinned host memory."""
    # NOTE: _make_trainer is private to galaxy_utils.finetune.run; when its signature
    # changes, this stage and the next fail (and are recorded as failed) until updated.
    import torch
    from transformers import TrainerCallback

    import galaxy_utils.finetune.run as run
    from galaxy_utils.finetune import Recipe

    from benchmarks.throughput import build_model

    class StepClock(TrainerCallback):
        """Record the time at the end of each optimizer step."""

        def __init__(self):
            self.times = []

        def on_step_end(self, args, state, control, **kwargs):
            if plan.device == "cuda":
                torch.cuda.synchronize()
            self.times.append(time.perf_counter())

    recipe = Recipe(epochs=1, batch_size=plan.batch_size * 4, per_device_batch_size=plan.batch_size)
    decoded = synthetic_splits(plan.trainer_images)
    results = {"model": plan.headline, "train_images": plan.trainer_images, "effective_batch": recipe.batch_size}
    original_fits = run._fits_on_gpu
    try:
        for placement in ("device", "host"):
            if placement == "host":
                run._fits_on_gpu = lambda nbytes, share=0.25: False
            classifier = build_model(plan.headline, "cpu")
            with tempfile.TemporaryDirectory(prefix="gpu-check-trainer-") as run_dir:
                trainer, datasets = run._make_trainer(classifier, None, decoded, recipe, Path(run_dir), plan.device, False, kind="pixels")
                clock = StepClock()
                trainer.add_callback(clock)
                started = time.perf_counter()
                trainer.train()
                total_s = time.perf_counter() - started
            pixels = datasets["train"].tensors["pixel_values"]
            steady = clock.times[len(clock.times) // 4:]  # the first quarter of the steps is warm-up
            rate = recipe.batch_size * (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else None
            results[placement] = {
                "images_on": pixels.device.type, "pinned": bool(trainer.args.dataloader_pin_memory),
                "optimizer_steps": len(clock.times), "train_images_per_s": rate, "train_call_s": round(total_s, 2),
            }
            print(f"Trainer, images in {placement} memory ({pixels.device.type}): "
                  f"{rate or float('nan'):.1f} img/s over the last {len(steady)} steps, train() {total_s:.1f} s", flush=True)
            del trainer, datasets, classifier
            _free(plan.device)
    finally:
        run._fits_on_gpu = original_fits
    if results["device"]["train_images_per_s"] and results["host"]["train_images_per_s"]:
        results["device_over_host"] = results["device"]["train_images_per_s"] / results["host"]["train_images_per_s"]
    return results


def stage_head_training(plan: Plan) -> dict:
    """Time head-only training on cached features against the frozen backbone end to end, as ``finetune`` runs them."""
    import numpy as np

    import galaxy_utils.finetune.run as run
    from galaxy_utils.features import extract_features
    from galaxy_utils.finetune import Recipe
    from galaxy_utils.finetune.datasets import FeatureHeadModel
    from galaxy_utils.models import build_classifier, get_spec

    decoded = synthetic_splits(plan.head_images, seed=1)
    results = {"model": plan.head_model, "epochs": plan.head_epochs, "train_images": plan.head_images}
    predictions = {}
    for mode in ("cached", "end_to_end"):
        recipe = Recipe(epochs=plan.head_epochs, augmentation="none", head_training=mode)
        classifier = build_classifier(get_spec(plan.head_model), 10, strategy="head", weights="random", seed=recipe.seed)
        with tempfile.TemporaryDirectory(prefix=f"gpu-check-head-{mode}-") as run_dir:
            started = time.perf_counter()
            if mode == "cached":
                features = {name: extract_features(classifier, split.images, device=plan.device) for name, split in decoded.items()}
                features_s = time.perf_counter() - started
                trainer, datasets = run._make_trainer(
                    FeatureHeadModel(classifier.head), features, decoded, recipe, Path(run_dir), plan.device, False, kind="features"
                )
            else:
                trainer, datasets = run._make_trainer(classifier, None, decoded, recipe, Path(run_dir), plan.device, False, kind="pixels")
            train_started = time.perf_counter()
            trainer.train()
            train_s = time.perf_counter() - train_started
            logits = trainer.predict(datasets["test"]).predictions
            total_s = time.perf_counter() - started
        logits = logits[0] if isinstance(logits, tuple) else logits
        predictions[mode] = np.asarray(logits).argmax(axis=1)
        results[mode] = {"total_s": round(total_s, 2), "train_call_s": round(train_s, 2)}
        if mode == "cached":
            steps = plan.head_epochs * math.ceil(len(decoded["train"]) / recipe.device_batch)
            results[mode] |= {"features_s": round(features_s, 2), "head_steps": steps}
            results["head_step_s"] = train_s / steps
        print(f"head training, {mode}: {total_s:.1f} s in all, Trainer.train() {train_s:.1f} s", flush=True)
        del trainer, datasets, classifier
        _free(plan.device)
    results["ratio"] = results["end_to_end"]["total_s"] / results["cached"]["total_s"]
    results["same_test_predictions"] = float((predictions["cached"] == predictions["end_to_end"]).mean())
    print(f"head training: end-to-end / cached {results['ratio']:.1f}x, "
          f"{100 * results['same_test_predictions']:.1f}% of test predictions identical (bf16 on both sides)", flush=True)
    return results


# ---------------------------------------------------------------- driver


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _free(device: str) -> None:
    import gc

    import torch

    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


def hide_optional_packages() -> None:
    """Make the optional packages fail to import, as on a machine without them."""
    for name in OPTIONAL_PACKAGES:
        sys.modules[name] = None


def summary_lines(results: dict) -> list[str]:
    """Return the printed summary of a results dictionary."""
    from benchmarks.throughput import format_record

    lines = ["", "=== GPU check summary ==="]
    environment = results.get("environment", {})
    machine = environment.get("machine", {})
    lines.append(f"device: {machine.get('gpu', machine.get('cpu', '?'))}, torch {machine.get('torch')}, transformers {machine.get('transformers')}")
    if "matmul_reference" in environment:
        reference = environment["matmul_reference"]
        lines.append(f"{reference['dtype']} {reference['size']}^3 matrix product: {reference['tflops']['median']:.3g} TFLOP/s")
    augmentation = results.get("augmentation")
    if augmentation and "rows" in augmentation:
        worst = max(row["max_abs_difference"] for row in augmentation["rows"])
        compared = "CPU against CPU in the dry run" if results.get("dry_run") else "GPU against CPU"
        lines.append(f"augmentation, {compared}, same theta: equal {augmentation['equal']} (largest difference {worst:.2e})")
    throughput = results.get("throughput", {}).get("runs", [])
    if throughput:
        lines.append("throughput:")
        lines += ["  " + (format_record(record) if "skipped" not in record else f"{record['model']}: skipped ({record['skipped']})") for record in throughput]
    trainer = results.get("trainer_path")
    if trainer and "device" in trainer:
        device, host = trainer["device"], trainer["host"]
        lines.append(f"Trainer, images in device memory ({device['images_on']}): {device['train_images_per_s'] or float('nan'):.1f} img/s; "
                     f"in host memory ({host['images_on']}, pinned {host['pinned']}): {host['train_images_per_s'] or float('nan'):.1f} img/s")
    head = results.get("head_training")
    if head and "ratio" in head:
        lines.append(f"head training: cached {head['cached']['total_s']:.1f} s, end to end {head['end_to_end']['total_s']:.1f} s "
                     f"({head['ratio']:.1f}x, {head['epochs']} epochs)")
    errors = {stage: value["error"] for stage, value in results.items() if isinstance(value, dict) and "error" in value}
    for stage, error in errors.items():
        lines.append(f"stage {stage} FAILED: {error.splitlines()[-1]}")
    lines.append(f"wall time: {results.get('wall_s', 0):.0f} s")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the stages that fit in the budget and write the results JSON after each."""
    parser = argparse.ArgumentParser(description="Run every GPU measurement of the benchmarks within a time budget.")
    parser.add_argument("--output", default="benchmarks/out/gpu_check.json", help="results JSON")
    parser.add_argument("--budget-s", type=float, default=420, help="seconds for all stages together (default: 420)")
    parser.add_argument("--dry-run", action="store_true", help="run every stage on the CPU with tiny models, the optional packages hidden")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    budget = Budget(args.budget_s)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    if args.dry_run:
        hide_optional_packages()
    import torch
    import transformers

    transformers.logging.set_verbosity_error()
    if not args.dry_run and not torch.cuda.is_available():
        print("error: no CUDA GPU is visible; run with --dry-run to check the script on a CPU", file=sys.stderr)
        return 2
    plan = dry_run_plan() if args.dry_run else gpu_plan()
    if plan.device == "cuda":
        from benchmarks.throughput import enable_tf32

        enable_tf32()

    from benchmarks.common import command_line, write_json

    results: dict = {"kind": "gpu_check", "command": command_line(), "dry_run": args.dry_run, "budget_s": args.budget_s}
    records: list[dict] = []
    results["throughput"] = {"runs": records}

    def run_stage(name: str, function, *stage_args, need_s: float = 0.0, **stage_kwargs):
        if not budget.allows(need_s):
            results[name] = {"skipped": f"time budget ({budget.left():.0f} s left, {need_s:.0f} s needed)"}
            print(f"stage {name}: skipped, {budget.left():.0f} s left", flush=True)
            return
        print(f"--- stage {name} ({budget.left():.0f} s left)", flush=True)
        try:
            value = function(*stage_args, **stage_kwargs)
            if value is not None:
                results[name] = value
        except Exception:  # record the failure, keep measuring
            results[name] = {"error": traceback.format_exc(limit=6)}
            print(results[name]["error"], file=sys.stderr, flush=True)
        results["wall_s"] = round(time.perf_counter() - started, 1)
        write_json(args.output, results)

    run_stage("environment", stage_environment, plan)
    run_stage("augmentation", stage_augmentation, plan)
    run_stage("throughput_eager", stage_throughput, plan, budget, plan.study, False, results=records)
    run_stage("throughput_batch", stage_throughput, plan, budget, (plan.headline,), False,
              batch_size=plan.large_batch_size, measure_eval=False, results=records)
    run_stage("trainer_path", stage_trainer_path, plan, need_s=plan.trainer_s)
    run_stage("head_training", stage_head_training, plan, need_s=plan.head_s)
    run_stage("throughput_large", stage_throughput, plan, budget, plan.large, False, results=records, model_need_s=2 * plan.eager_s)
    run_stage("throughput_compile", stage_throughput, plan, budget, (plan.headline,), True, results=records)
    run_stage("throughput_checkpointing", stage_throughput, plan, budget, (plan.headline,), False, checkpointing=True,
              measure_eval=False, results=records)
    others = tuple(name for name in plan.study if name != plan.headline)
    run_stage("throughput_compile_others", stage_throughput, plan, budget, others, True, results=records)
    results["wall_s"] = round(time.perf_counter() - started, 1)
    write_json(args.output, results)
    print("\n".join(summary_lines(results)))
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
