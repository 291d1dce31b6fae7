"""Training throughput (images/s) and model FLOP utilisation of full-size registry models with random weights.

Each training step does what the Trainer does under ``finetune()``'s settings. A
batch of uint8 256 px images already on the device goes through
:class:`~galaxy_utils.models.GalaxyClassifier`, whose forward pass resizes,
augments (the ``galaxy`` augmentation) and normalises on the device. Then come
the cross-entropy loss, the backward pass, gradient clipping at norm 1 (the
Trainer's default) and an AdamW step, fused on CUDA. On CUDA the forward pass
runs under bf16 autocast with TF32 for fp32 matrix products, as
``Recipe(precision="auto")`` does. On the CPU it runs in fp32.

FLOPs per image come from one counted training step at batch 1
(:func:`benchmarks.common.count_flops`). MFU is the achieved FLOP/s divided by
the device's dense bf16 peak (a table in ``benchmarks.common``), or by
``--peak-tflops`` when it is given.

Examples
--------
CPU, the six study configurations at a small batch::

    python -m benchmarks.throughput --device cpu

FLOPs per image of every model of the ``paper`` profile, without timing::

    python -m benchmarks.throughput --models paper --flops-only --device cpu
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import time
from dataclasses import dataclass

import torch

from benchmarks.common import (
    command_line,
    count_flops,
    describe_machine,
    gpu_peak_tflops,
    matmul_tflops,
    summarise,
    synthetic_images,
    write_json,
)

logger = logging.getLogger("benchmarks.throughput")

# The study's resolutions: ViT-B/16 at 224 and 384, SwinV2-B at 256, BEiT-B and DINOv2-B at 224, ConvNeXt V2 nano at 224.
STUDY_MODELS = (
    "google/vit-base-patch16-224",
    "google/vit-base-patch16-384",
    "microsoft/swinv2-base-patch4-window12to16-192to256-22kto1k-ft",
    "microsoft/beit-base-patch16-224-pt22k",
    "facebook/dinov2-base-imagenet1k-1-layer",
    "facebook/convnextv2-nano-22k-224",
)
# The large variants of the paper profile, costliest first.
LARGE_MODELS = (
    "google/vit-huge-patch14-224-in21k",
    "facebook/dinov2-large",
    "microsoft/beit-large-patch16-224-pt22k",
    "google/vit-large-patch16-224",
    "microsoft/swinv2-large-patch4-window12-192-22k",
)
NUM_LABELS = 10
LEARNING_RATE = 5e-5
MAX_GRAD_NORM = 1.0


@dataclass(frozen=True)
class Settings:
    """Timing settings of one measurement."""

    device: str
    batch_size: int
    eval_batch_size: int
    steps: int
    warmup: int
    repeats: int
    precision: str
    peak_tflops: float | None
    measure_eval: bool = True


def resolve_models(text: str) -> list[str]:
    """Expand a comma-separated list of model names and presets (study, large, paper, paper-best)."""
    names: list[str] = []
    for item in (part.strip() for part in text.split(",") if part.strip()):
        if item == "study":
            names += STUDY_MODELS
        elif item == "large":
            names += LARGE_MODELS
        elif item in ("paper", "paper-best"):
            from galaxy_utils.profiles import PROFILES

            names += PROFILES[item].models
        else:
            names.append(item)
    return list(dict.fromkeys(names))


def enable_tf32() -> None:
    """Allow TF32 for fp32 matrix products, as the Trainer's ``tf32=True`` does."""
    try:
        from transformers.utils.import_utils import enable_tf32 as transformers_enable_tf32
    except ImportError:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    else:
        transformers_enable_tf32(True)


def build_model(name: str, device: str, gradient_checkpointing: bool = False):
    """Build the full-size registry entry with random weights and the ``galaxy`` augmentation."""
    from galaxy_utils.models import build_classifier, get_spec
    from galaxy_utils.transforms import get_augmentation

    classifier = build_classifier(
        get_spec(name), NUM_LABELS, weights="random", augmentation=get_augmentation("galaxy"),
        gradient_checkpointing=gradient_checkpointing,
    )
    return classifier.to(device)


def model_flops(classifier, device: str) -> tuple[int, int]:
    """Return the counted FLOPs of one image: a training step (forward and backward) and an evaluation forward pass."""
    images = synthetic_images(1, device=device)
    labels = torch.zeros(1, dtype=torch.long, device=device)

    classifier.train()
    train = count_flops(lambda: classifier(images, labels).loss.backward())
    classifier.zero_grad(set_to_none=True)

    classifier.eval()
    with torch.no_grad():
        evaluation = count_flops(lambda: classifier(images))
    classifier.train()
    return train, evaluation


def _elapsed(step, count: int, device: str) -> float:
    """Run ``step`` ``count`` times and return the seconds, timed with CUDA events on a GPU."""
    if device == "cuda":
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        start.record()
        for _ in range(count):
            step()
        end.record()
        torch.cuda.synchronize()
        return start.elapsed_time(end) / 1000.0
    started = time.perf_counter()
    for _ in range(count):
        step()
    return time.perf_counter() - started


def _autocast(settings: Settings):
    if settings.precision == "bf16":
        return torch.autocast(settings.device, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def time_training(classifier, images: torch.Tensor, labels: torch.Tensor, settings: Settings, compile_model: bool) -> dict:
    """Time training steps; return images/s over ``repeats`` windows and the warm-up seconds."""
    device = settings.device
    model = torch.compile(classifier) if compile_model else classifier
    parameters = [parameter for parameter in classifier.parameters() if parameter.requires_grad]
    optimizer = torch.optim.AdamW(
        parameters, lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, fused=device == "cuda"
    )
    generator = torch.Generator().manual_seed(0)
    classifier.train()

    def step():
        # One gather from the images resident on the device, as TensorDictDataset does.
        index = torch.randint(0, len(images), (settings.batch_size,), generator=generator).to(device)
        with _autocast(settings):
            loss = model(images[index], labels[index]).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, MAX_GRAD_NORM)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    _elapsed(step, settings.warmup, device)
    warmup_s = time.perf_counter() - started

    rates = [settings.batch_size * settings.steps / _elapsed(step, settings.steps, device) for _ in range(settings.repeats)]
    result = {"images_per_s": summarise(rates), "warmup_s": round(warmup_s, 2)}
    if device == "cuda":
        result["peak_memory_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    del optimizer, model
    classifier.zero_grad(set_to_none=True)
    return result


def time_evaluation(classifier, images: torch.Tensor, settings: Settings) -> dict:
    """Time forward passes without gradients or augmentation (feature extraction and validation)."""
    device = settings.device
    batch = min(settings.eval_batch_size, len(images))
    classifier.eval()

    def step():
        with torch.inference_mode(), _autocast(settings):
            classifier(images[:batch])

    _elapsed(step, settings.warmup, device)
    rates = [batch * settings.steps / _elapsed(step, settings.steps, device) for _ in range(settings.repeats)]
    classifier.train()
    return {"images_per_s": summarise(rates), "batch_size": batch}


def measure_model(name: str, settings: Settings, compile_modes=(False,), checkpointing_modes=(False,)) -> list[dict]:
    """Measure one model under each compile and gradient-checkpointing mode; return one record per mode."""
    from galaxy_utils.errors import ConfigError
    from galaxy_utils.models import get_spec

    spec = get_spec(name)
    base = {
        "model": name, "family": spec.family, "size": spec.size, "image_size": spec.image_size,
        "device": settings.device, "precision": settings.precision, "batch_size": settings.batch_size,
    }
    classifier = build_model(name, settings.device)
    train_flops, eval_flops = model_flops(classifier, settings.device)
    base |= {
        "params_m": round(classifier.total_parameters() / 1e6, 2),
        "attention": getattr(classifier.model.config, "_attn_implementation", None),
        "train_flops_per_image": train_flops,
        "eval_flops_per_image": eval_flops,
    }
    pool = max(4 * settings.batch_size, settings.eval_batch_size)
    images = synthetic_images(pool, device=settings.device)
    labels = torch.randint(0, NUM_LABELS, (pool,), generator=torch.Generator().manual_seed(1)).to(settings.device)

    records = []
    evaluation = None
    for checkpointing in checkpointing_modes:
        if checkpointing:
            del classifier
            _free_memory(settings.device)
            try:
                classifier = build_model(name, settings.device, gradient_checkpointing=True)
            except ConfigError as error:  # ConvNeXt V2 in transformers has no gradient checkpointing
                records.append(base | {"compile": False, "gradient_checkpointing": True, "error": error.message})
                classifier = None
                break
        for compile_model in compile_modes:
            record = base | {"compile": compile_model, "gradient_checkpointing": checkpointing}
            try:
                record |= {"train": time_training(classifier, images, labels, settings, compile_model)}
                if settings.measure_eval and evaluation is None and not compile_model and not checkpointing:
                    evaluation = time_evaluation(classifier, images, settings)
                record["eval"] = evaluation if not compile_model and not checkpointing else None
                _add_rates(record, settings.peak_tflops)
            except (torch.OutOfMemoryError, RuntimeError) as error:
                record["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
                logger.warning("%s (compile=%s, checkpointing=%s) failed: %s", name, compile_model, checkpointing, record["error"])
            record["load_average_1m"] = round(os.getloadavg()[0], 2)
            records.append(record)
            if compile_model:
                torch._dynamo.reset()
            _free_memory(settings.device)
    del classifier, images, labels
    _free_memory(settings.device)
    return records


def _add_rates(record: dict, peak_tflops: float | None) -> None:
    train = record["train"]["images_per_s"]["median"]
    record["train_tflops_per_s"] = round(train * record["train_flops_per_image"] / 1e12, 4)
    record["mfu"] = round(record["train_tflops_per_s"] / peak_tflops, 4) if peak_tflops else None
    if record.get("eval"):
        evaluation = record["eval"]["images_per_s"]["median"]
        record["eval_tflops_per_s"] = round(evaluation * record["eval_flops_per_image"] / 1e12, 4)
        record["eval_mfu"] = round(record["eval_tflops_per_s"] / peak_tflops, 4) if peak_tflops else None


def _free_memory(device: str) -> None:
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


def format_record(record: dict) -> str:
    """Return one line of the summary table for a record."""
    mode = "compiled" if record.get("compile") else "eager"
    if record.get("gradient_checkpointing"):
        mode += " +ckpt"
    head = f"{record['model']:62s} {record['image_size']:4d} px {record['precision']:4s} {mode:14s} b{record['batch_size']:<4d}"
    if record.get("error"):
        return f"{head} {record['error']}"
    if "train" not in record:
        return f"{head} train {record['train_flops_per_image'] / 1e9:7.1f} GFLOP/img  eval {record['eval_flops_per_image'] / 1e9:7.1f} GFLOP/img"
    train = record["train"]["images_per_s"]
    line = (
        f"{head} train {train['median']:9.2f} img/s [{train['min']:.2f}, {train['max']:.2f}]"
        f" {record['train_tflops_per_s']:8.3f} TFLOP/s"
    )
    if record.get("mfu") is not None:
        line += f"  MFU {100 * record['mfu']:5.1f}%"
    if record.get("eval"):
        line += f"  eval {record['eval']['images_per_s']['median']:9.2f} img/s"
    return line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="study", help="comma-separated registry names or presets: study (default), large, paper, paper-best")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="device (default: cuda when visible)")
    parser.add_argument("--batch-size", type=int, help="training images per step (default: 64 on CUDA, the recipe's per-device batch; 4 on the CPU)")
    parser.add_argument("--eval-batch-size", type=int, help="images per evaluation forward pass (default: 128 on CUDA, 8 on the CPU)")
    parser.add_argument("--steps", type=int, help="timed steps per window (default: 20 on CUDA, 2 on the CPU)")
    parser.add_argument("--warmup", type=int, help="untimed steps first, compilation included (default: 5 on CUDA, 1 on the CPU)")
    parser.add_argument("--repeats", type=int, default=3, help="timed windows per measurement; the median is reported (default: 3)")
    parser.add_argument("--compile", choices=("off", "on", "both"), default="off", help="torch.compile the model (default: off)")
    parser.add_argument("--gradient-checkpointing", choices=("off", "on", "both"), default="off", help="recompute activations in the backward pass (default: off)")
    parser.add_argument("--precision", choices=("auto", "bf16", "fp32"), default="auto", help="auto: bf16 autocast on CUDA, fp32 on the CPU")
    parser.add_argument("--no-eval", action="store_true", help="skip the evaluation forward-pass timing")
    parser.add_argument("--flops-only", action="store_true", help="count FLOPs per image and time nothing")
    parser.add_argument("--peak-tflops", type=float, help="peak FLOP/s of the device in TFLOP/s for MFU (default: the GPU table; none on the CPU)")
    parser.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--output", help="results JSON (default: benchmarks/out/throughput-<device>.json)")
    return parser


def _modes(choice: str) -> tuple[bool, ...]:
    return {"off": (False,), "on": (True,), "both": (False, True)}[choice]


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import transformers

    transformers.logging.set_verbosity_error()
    if args.threads:
        torch.set_num_threads(args.threads)

    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    on_gpu = device == "cuda"
    precision = args.precision
    if precision == "auto":
        precision = "bf16" if on_gpu else "fp32"
    peak = args.peak_tflops
    if peak is None and on_gpu:
        peak = gpu_peak_tflops(torch.cuda.get_device_name(0))
    peak_source = None
    if args.peak_tflops:
        peak_source = "--peak-tflops"
    elif peak:
        peak_source = "dense bf16 datasheet table in benchmarks/common.py"
    warmup = args.warmup
    if warmup is None:
        warmup = 5 if on_gpu else 1
    if on_gpu:
        enable_tf32()
    settings = Settings(
        device=device,
        batch_size=args.batch_size or (64 if on_gpu else 4),
        eval_batch_size=args.eval_batch_size or (128 if on_gpu else 8),
        steps=args.steps or (20 if on_gpu else 2),
        warmup=warmup,
        repeats=args.repeats,
        precision=precision,
        peak_tflops=peak,
        measure_eval=not args.no_eval,
    )
    output = args.output or f"benchmarks/out/throughput-{device}.json"
    results = {
        "kind": "throughput",
        "command": command_line(),
        "machine": describe_machine(device),
        "peak_tflops": peak,
        "peak_source": peak_source,
        "settings": settings.__dict__,
        "matmul_reference": matmul_tflops(device),
        "runs": [],
    }
    reference = results["matmul_reference"]
    print(f"{reference['dtype']} {reference['size']}^3 matrix product: {reference['tflops']['median']:.3f} TFLOP/s (median)", flush=True)

    for name in resolve_models(args.models):
        if args.flops_only:
            from galaxy_utils.models import get_spec

            spec = get_spec(name)
            classifier = build_model(name, device)
            train_flops, eval_flops = model_flops(classifier, device)
            records = [{
                "model": name, "family": spec.family, "size": spec.size, "image_size": spec.image_size,
                "params_m": round(classifier.total_parameters() / 1e6, 2), "device": device, "precision": precision,
                "batch_size": 1, "train_flops_per_image": train_flops, "eval_flops_per_image": eval_flops,
            }]
            del classifier
            _free_memory(device)
        else:
            records = measure_model(name, settings, _modes(args.compile), _modes(args.gradient_checkpointing))
        for record in records:
            results["runs"].append(record)
            print(format_record(record), flush=True)
        write_json(output, results)
    print(f"results: {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
