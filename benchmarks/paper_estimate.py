"""Estimate the GPU time of the ``paper`` (or ``paper-best``) profile from measured throughput.

The estimate counts the GPU work that the profile's chapters run:

- chapter 2, for each model of the profile: full fine-tuning and head-only
  training on cached features. Each epoch of full fine-tuning trains on the
  train split and scores the validation split, and the selected model then
  scores validation and test once. Head-only training makes one forward pass
  over all images, then trains the head on the features. The t-SNE maps
  after fine-tuning add one forward pass over all images per family;
- chapter 3: no new GPU work (it reads chapter 2's DINOv2 results);
- chapter 4: one forward pass over all images with the fine-tuned DINOv2, and
  the linear, mlp1, mlp2 and mlp3 heads trained on those features;
- chapter 5: DINOv2 full and head-only on GalaxyMNIST, and one forward pass
  of the Galaxy10-fine-tuned DINOv2 over GalaxyMNIST for its t-SNE map.

Throughput comes from the results JSON of ``benchmarks.throughput`` or
``benchmarks/gpu_check.sh``. A model measured on a GPU (bf16, no compilation,
no gradient checkpointing) uses its own images/s. Any other model uses its
counted FLOPs per image at the median MFU of the measured GPU models of its
family. It falls back to all families when its own was not measured, and to
``--assume-mfu`` when no GPU figure exists at all. Each row names the source
of its figure. Checkpoint writes, per-run set-up and head steps on features use
stated assumptions unless the GPU check measured them.

Example::

    python -m benchmarks.paper_estimate benchmarks/out/throughput-flops.json benchmarks/out/gpu_check.json
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import command_line, write_json

# Split sizes: Galaxy10 DECaLS as the matthieulel/galaxy10_decals dataset card lists it,
# and GalaxyMNIST's canonical split (mwalmsley/galaxy_mnist, galaxy_mnist.py).
GALAXY10_TRAIN, GALAXY10_TEST = 15_962, 1_774
GALAXY_MNIST_TRAIN, GALAXY_MNIST_TEST = 8_000, 2_000
# The Trainer saves the fp32 weights and AdamW's two fp32 moments every epoch.
CHECKPOINT_BYTES_PER_PARAMETER = 12
HEADS = ("linear", "mlp1", "mlp2", "mlp3")


@dataclass(frozen=True)
class Rate:
    """Images per second of one model, and where the figure came from."""

    train: float
    evaluation: float
    source: str


@dataclass(frozen=True)
class Assumptions:
    """Inputs of the estimate that no measurement supplies."""

    peak_tflops: float
    mfu: float
    disk_gb_per_s: float
    run_overhead_s: float
    head_step_s: float
    use_compile: bool


def load_records(paths: list[str]) -> tuple[list[dict], dict]:
    """Return the throughput records of every file, and the GPU check's other measurements, if any."""
    records, extra = [], {}
    for path in paths:
        data = json.loads(Path(path).read_text())
        if data.get("kind") == "gpu_check":
            records += data.get("throughput", {}).get("runs", [])
            if not data.get("dry_run"):  # a dry run's head steps ran on the CPU
                extra = data
        else:
            records += data.get("runs", [])
    return records, extra


def _measured(records: list[dict], model: str, use_compile: bool) -> dict | None:
    candidates = [
        record for record in records
        if record["model"] == model and record.get("device") == "cuda" and "train" in record and not record.get("error")
        and record.get("compile", False) == use_compile and not record.get("gradient_checkpointing") and record.get("precision") == "bf16"
    ]
    # Prefer the recipe's per-device batch of 64.
    candidates.sort(key=lambda record: abs(record["batch_size"] - 64))
    return candidates[0] if candidates else None


def _flops(records: list[dict], model: str) -> dict | None:
    return next((record for record in records if record["model"] == model and record.get("train_flops_per_image")), None)


def _family_mfu(records: list[dict], family: str | None, use_compile: bool) -> tuple[float, float] | None:
    measured = [
        record for record in records
        if record.get("device") == "cuda" and record.get("mfu") and not record.get("error") and record.get("compile", False) == use_compile
        and not record.get("gradient_checkpointing") and (family is None or record["family"] == family)
    ]
    if not measured:
        return None
    train = statistics.median(record["mfu"] for record in measured)
    evaluations = [record["eval_mfu"] for record in measured if record.get("eval_mfu")]
    return train, statistics.median(evaluations) if evaluations else train


def rate_of(model: str, records: list[dict], assumptions: Assumptions) -> tuple[Rate, dict]:
    """Return the training and evaluation images/s of ``model`` and the FLOPs record behind it."""
    from galaxy_utils.models import get_spec

    measured = _measured(records, model, assumptions.use_compile)
    flops = _flops(records, model)
    if measured is not None and measured.get("eval"):
        return Rate(measured["train"]["images_per_s"]["median"], measured["eval"]["images_per_s"]["median"], "measured"), measured
    if flops is None:
        raise SystemExit(
            f"no FLOP count for {model}; run `python -m benchmarks.throughput --models paper --flops-only --device cpu` "
            "and pass its JSON too"
        )
    family = get_spec(model).family
    mfu = _family_mfu(records, family, assumptions.use_compile)
    source = f"scaled: {family} MFU"
    if mfu is None:
        mfu = _family_mfu(records, None, assumptions.use_compile)
        source = "scaled: MFU of all measured families"
    if mfu is None:
        mfu = (assumptions.mfu, assumptions.mfu)
        source = f"assumed MFU {assumptions.mfu:.0%}"
    peak = assumptions.peak_tflops * 1e12
    train = mfu[0] * peak / flops["train_flops_per_image"]
    evaluation = mfu[1] * peak / flops["eval_flops_per_image"]
    if measured is not None:  # measured training without an evaluation timing (compiled runs)
        train, source = measured["train"]["images_per_s"]["median"], source + " (eval), measured (train)"
    return Rate(train, evaluation, source), flops


def full_run(train: int, test: int, epochs: int, validation_fraction: float, rate: Rate, params_m: float,
             assumptions: Assumptions) -> dict:
    """Return the estimated seconds of one full fine-tune, by part."""
    validation = round(train * validation_fraction)
    fit = train - validation
    parts = {
        "train": epochs * fit / rate.train,
        "validate": epochs * validation / rate.evaluation,
        "final_scores": (validation + test) / rate.evaluation,
        "checkpoints": epochs * params_m * 1e6 * CHECKPOINT_BYTES_PER_PARAMETER / (assumptions.disk_gb_per_s * 1e9),
        "setup": assumptions.run_overhead_s,
    }
    return {"images": epochs * fit, "parts": parts}


def head_run(train: int, test: int, epochs: int, validation_fraction: float, device_batch: int, rate: Rate,
             assumptions: Assumptions, extract: bool = True) -> dict:
    """Return the estimated seconds of one head-only run on cached features, by part."""
    validation = round(train * validation_fraction)
    fit = train - validation
    parts = {
        "features": (train + test) / rate.evaluation if extract else 0.0,
        "head": epochs * math.ceil(fit / device_batch) * assumptions.head_step_s,
        "setup": assumptions.run_overhead_s,
    }
    return {"images": train + test if extract else 0, "parts": parts}


def feature_pass(images: int, rate: Rate) -> dict:
    """Return the estimated seconds of one forward pass over ``images``."""
    return {"images": images, "parts": {"features": images / rate.evaluation}}


def estimate(profile_name: str, records: list[dict], assumptions: Assumptions) -> list[dict]:
    """Return one row per run of the profile, with its seconds by part and its throughput source."""
    from galaxy_utils.profiles import PROFILES, STUDY_BEST

    profile = PROFILES[profile_name]
    recipe, head_recipe = profile.recipe, profile.head_recipe
    rows = []

    def add(chapter: str, run: str, model: str, row: dict, rate: Rate):
        row |= {"chapter": chapter, "run": run, "model": model, "source": rate.source,
                "train_images_per_s": round(rate.train, 1), "eval_images_per_s": round(rate.evaluation, 1)}
        row["seconds"] = sum(row["parts"].values())
        rows.append(row)

    galaxy10_all = GALAXY10_TRAIN + GALAXY10_TEST
    families_mapped = {}
    for model in profile.models:
        rate, flops = rate_of(model, records, assumptions)
        add("2", "full", model, full_run(GALAXY10_TRAIN, GALAXY10_TEST, recipe.epochs, recipe.validation_fraction, rate,
                                         flops["params_m"], assumptions), rate)
        add("2", "head (cached)", model, head_run(GALAXY10_TRAIN, GALAXY10_TEST, head_recipe.epochs, head_recipe.validation_fraction,
                                                  head_recipe.device_batch, rate, assumptions), rate)
        family = flops["family"]
        if family not in families_mapped or model in STUDY_BEST:
            families_mapped[family] = (model, rate)
    for family, (model, rate) in families_mapped.items():
        add("2", "t-SNE features after fine-tuning", model, feature_pass(galaxy10_all, rate), rate)

    rate, _ = rate_of(profile.dinov2, records, assumptions)
    add("4", "features of the fine-tuned backbone", profile.dinov2, feature_pass(galaxy10_all, rate), rate)
    for head in HEADS:
        add("4", f"{head} head on cached features", profile.dinov2,
            head_run(GALAXY10_TRAIN, GALAXY10_TEST, head_recipe.epochs, head_recipe.validation_fraction, head_recipe.device_batch,
                     rate, assumptions, extract=False), rate)

    dinov2_params_m = _flops(records, profile.dinov2)["params_m"]
    add("5", "GalaxyMNIST full", profile.dinov2, full_run(GALAXY_MNIST_TRAIN, GALAXY_MNIST_TEST, recipe.epochs,
                                                          recipe.validation_fraction, rate, dinov2_params_m, assumptions), rate)
    add("5", "GalaxyMNIST head (cached)", profile.dinov2, head_run(GALAXY_MNIST_TRAIN, GALAXY_MNIST_TEST, head_recipe.epochs,
                                                                   head_recipe.validation_fraction, head_recipe.device_batch, rate,
                                                                   assumptions), rate)
    add("5", "GalaxyMNIST features of the Galaxy10-fine-tuned model", profile.dinov2,
        feature_pass(GALAXY_MNIST_TRAIN + GALAXY_MNIST_TEST, rate), rate)
    return rows


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="+", help="results JSON files of benchmarks.throughput or the GPU check")
    parser.add_argument("--profile", choices=("paper", "paper-best"), default="paper", help="profile to estimate (default: paper)")
    parser.add_argument("--peak-tflops", type=float, default=989.4, help="GPU dense bf16 peak for scaled rows, TFLOP/s (default: H200, 989.4)")
    parser.add_argument("--assume-mfu", type=float, default=0.40, help="MFU when no GPU figure was measured (default: 0.40, the target)")
    parser.add_argument("--disk-gb-per-s", type=float, default=1.0, help="assumed checkpoint write speed, GB/s (default: 1.0)")
    parser.add_argument("--run-overhead-s", type=float, default=20.0, help="assumed set-up seconds per run: model load, Trainer start, final save (default: 20)")
    parser.add_argument("--head-step-s", type=float, help="seconds per head step on cached features (default: the GPU check's figure, else 0.004)")
    parser.add_argument("--compile", action="store_true", help="use torch.compile throughput where measured (the profiles do not compile)")
    parser.add_argument("--target-hours", type=float, default=3.0, help="target for the whole study, GPU-hours (default: 3)")
    parser.add_argument("--output", default="benchmarks/out/paper_estimate.json", help="estimate JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = _parser().parse_args(argv)
    records, gpu_check = load_records(args.results)
    measured_head_step = gpu_check.get("head_training", {}).get("head_step_s")
    head_step = args.head_step_s or measured_head_step or 0.004
    assumptions = Assumptions(args.peak_tflops, args.assume_mfu, args.disk_gb_per_s, args.run_overhead_s, head_step, args.compile)
    rows = estimate(args.profile, records, assumptions)

    print(f"{'ch':3s} {'run':56s} {'model':62s} {'train img/s':>11s} {'eval img/s':>10s} {'minutes':>8s}  source")
    for row in rows:
        print(f"{row['chapter']:3s} {row['run']:56s} {row['model']:62s} {row['train_images_per_s']:11.1f} "
              f"{row['eval_images_per_s']:10.1f} {row['seconds'] / 60:8.2f}  {row['source']}")
    total_s = sum(row["seconds"] for row in rows)
    by_part: dict[str, float] = {}
    for row in rows:
        for part, seconds in row["parts"].items():
            by_part[part] = by_part.get(part, 0.0) + seconds
    by_chapter: dict[str, float] = {}
    for row in rows:
        by_chapter[row["chapter"]] = by_chapter.get(row["chapter"], 0.0) + row["seconds"]

    print("\nby chapter: " + ", ".join(f"{chapter}: {seconds / 3600:.2f} h" for chapter, seconds in sorted(by_chapter.items())))
    print("by part:    " + ", ".join(f"{part}: {seconds / 3600:.2f} h" for part, seconds in by_part.items()))
    print(f"ESTIMATE for the {args.profile} profile: {total_s / 3600:.2f} GPU-hours "
          f"(target {args.target_hours:g} h); {len(rows)} runs")
    print(f"assumptions: checkpoint writes at {args.disk_gb_per_s:g} GB/s, {args.run_overhead_s:g} s set-up per run, "
          f"{head_step * 1000:.1f} ms per head step on features"
          f"{' (measured by the GPU check)' if head_step == measured_head_step and not args.head_step_s else ' (assumed)'}, "
          f"peak {args.peak_tflops:g} TFLOP/s for scaled rows")
    sources = sorted({row["source"] for row in rows})
    print("throughput sources: " + "; ".join(sources))

    write_json(args.output, {
        "kind": "paper_estimate", "command": command_line(), "profile": args.profile, "inputs": args.results,
        "assumptions": assumptions.__dict__, "total_hours": round(total_s / 3600, 3),
        "hours_by_chapter": {key: round(value / 3600, 3) for key, value in by_chapter.items()},
        "hours_by_part": {key: round(value / 3600, 3) for key, value in by_part.items()},
        "rows": rows,
    })
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
