"""Head-only training on cached features against the frozen backbone run end to end: wall time and F1.

Both runs call :func:`galaxy_utils.finetune.finetune` with ``strategy="head"`` on
real galaxy images, with the same recipe, epochs and seed, and differ only in
``head_training``. ``cached`` extracts the frozen backbone's features of the
train, validation and test images once and trains the head on them.
``end_to_end`` runs the frozen backbone on every batch of every epoch and on
every validation pass. Neither applies augmentation, so the head gets the same
inputs and the test F1 should agree within the bootstrap interval. The runs
alternate in order, so a machine that slows down during the benchmark slows
both.

Example (about 10 minutes on 2 CPU cores)::

    GALAXY_UTILS_DATA_DIR=/path/to/data python -m benchmarks.head_training --epochs 20
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import command_line, describe_machine, write_json

logger = logging.getLogger("benchmarks.head_training")

MODES = ("cached", "end_to_end")
INTERVAL_KEYS = ("accuracy", "macro_f1", "weighted_f1")


def run_once(model: str, dataset: str, mode: str, epochs: int, weights: str, device: str) -> dict:
    """Fine-tune the head once in a fresh results directory; return the wall time, F1 and test predictions."""
    from galaxy_utils.finetune import finetune
    from galaxy_utils.profiles import PROFILES

    # The sample profile's CPU head recipe, with no augmentation so both modes see the same inputs.
    recipe = PROFILES["sample"].head_recipe.updated(epochs=epochs, augmentation="none", head_training=mode)
    with tempfile.TemporaryDirectory(prefix=f"head-{mode}-") as results_dir:
        started = time.perf_counter()
        result = finetune(
            model, dataset, strategy="head", head="linear", recipe=recipe, results_dir=results_dir,
            weights=weights, device=device, force=True, progress=False,
        )
        wall_s = time.perf_counter() - started
    return {
        "mode": mode,
        "wall_s": round(wall_s, 2),
        "intervals": {key: result.metrics["intervals"][key] for key in INTERVAL_KEYS},
        "test_predictions": result.predictions["test"]["predictions"],
        "test_probabilities": result.predictions["test"]["probabilities"],
        "recipe": recipe.to_dict(),
        "split_sizes": {name: len(rows["labels"]) for name, rows in result.predictions.items()},
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def compare(cached: dict, end_to_end: dict) -> dict:
    """Return how far the two runs' test predictions agree."""
    labels_a, labels_b = np.asarray(cached["test_predictions"]), np.asarray(end_to_end["test_predictions"])
    probabilities_a, probabilities_b = np.asarray(cached["test_probabilities"]), np.asarray(end_to_end["test_probabilities"])
    return {
        "same_test_predictions": float((labels_a == labels_b).mean()),
        "max_probability_difference": float(np.abs(probabilities_a - probabilities_b).max()),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="facebook/dinov2-small-imagenet1k-1-layer", help="registry name (default: DINOv2-S with the 1-layer head, full size)")
    parser.add_argument("--dataset", default="decals-rings", help="data set name or path (default: decals-rings, 200 real DECaLS galaxies)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs of both runs (default: 20)")
    parser.add_argument("--weights", choices=("random", "pretrained"), default="random", help="random (default, offline) or Hub weights")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu", help="device (default: cpu)")
    parser.add_argument("--repeats", type=int, default=1, help="pairs of runs, alternating which mode goes first (default: 1)")
    parser.add_argument("--data-dir", help="local copy of the sample sets (sets GALAXY_UTILS_DATA_DIR)")
    parser.add_argument("--output", default="benchmarks/out/head_training.json", help="results JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.data_dir:
        os.environ["GALAXY_UTILS_DATA_DIR"] = str(Path(args.data_dir).resolve())
    from galaxy_utils.hardware import resolve_device

    device = resolve_device(args.device)
    results = {
        "kind": "head_training",
        "command": command_line(),
        "machine": describe_machine(device),
        "model": args.model,
        "dataset": args.dataset,
        "epochs": args.epochs,
        "weights": args.weights,
        "runs": [],
    }
    for repeat in range(args.repeats):
        order = MODES if repeat % 2 == 0 else MODES[::-1]
        pair = {}
        for mode in order:
            pair[mode] = run_once(args.model, args.dataset, mode, args.epochs, args.weights, device)
            f1 = pair[mode]["intervals"]["macro_f1"]
            print(f"repeat {repeat}: {mode:10s} {pair[mode]['wall_s']:8.1f} s  macro F1 {100 * f1['value']:.2f} "
                  f"[{100 * f1['low']:.2f}, {100 * f1['high']:.2f}]", flush=True)
        results["runs"].append(pair | {"ratio": round(pair["end_to_end"]["wall_s"] / pair["cached"]["wall_s"], 2)} | compare(pair["cached"], pair["end_to_end"]))
        write_json(args.output, results)

    ratios = [run["ratio"] for run in results["runs"]]
    results["ratio_median"] = statistics.median(ratios)
    write_json(args.output, results)
    last = results["runs"][-1]
    print(f"end-to-end / cached wall time: {results['ratio_median']:.1f}x (per pair: {ratios}); "
          f"{100 * last['same_test_predictions']:.0f}% of test predictions identical, "
          f"largest probability difference {last['max_probability_difference']:.2g}")
    for mode in MODES:
        intervals = last[mode]["intervals"]
        print(f"  {mode:10s} " + "  ".join(
            f"{key} {100 * value['value']:.2f} [{100 * value['low']:.2f}, {100 * value['high']:.2f}]" for key, value in intervals.items()
        ))
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
