"""The ``galaxy-book`` command: list models, fetch data, fine-tune, and run and build the book.

Errors caused by input or environment print as one message with its fix and
exit with status 2. Any other exception prints as one "unexpected" line and
exits with status 1. ``--debug`` shows the full traceback instead. ``--debug``,
``-v`` and ``-q`` go before or after the subcommand.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time

from galaxy_utils import __version__
from galaxy_utils.errors import GalaxyUtilsError

logger = logging.getLogger("galaxy_utils.cli")

EXIT_USAGE = 2
EXIT_FAILED = 1


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        return args.handler(args)
    except GalaxyUtilsError as error:
        if args.debug:
            raise
        print(f"error: {error.message}", file=sys.stderr)
        if error.hint:
            print(f"fix: {error.hint}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted; results written so far are kept, and a rerun resumes from the last checkpoint", file=sys.stderr)
        return 130
    except Exception as error:  # a bug or an unexpected library failure: one line unless --debug
        if args.debug:
            raise
        print(f"error: unexpected {type(error).__name__}: {error}", file=sys.stderr)
        print("fix: rerun with --debug for the traceback, and report it if the input looks valid", file=sys.stderr)
        return EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="galaxy-book", description="Vision foundation models for galaxy morphology: library and book.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_common_options(parser, default=False)
    # Every subcommand accepts the same options after its name. Their default is
    # SUPPRESS there, so that a sub-parser leaves a value set before the
    # subcommand unchanged instead of resetting it to False.
    common = argparse.ArgumentParser(add_help=False)
    _add_common_options(common, default=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)

    models = commands.add_parser("models", parents=[common], help="list the model registry, or check that every entry builds")
    models.add_argument("--pattern", default="*", help="shell-style filter on names, such as '*dinov2*'")
    models.add_argument("--family", help="keep one family: vit, swinv2, beit, dinov2 or convnextv2")
    models.add_argument("--study", action="store_true", help="only the variants the study fine-tuned")
    models.add_argument("--check", action="store_true", help="build each entry at full size with random weights and run one forward pass")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    models.set_defaults(handler=_cmd_models)

    finetune = commands.add_parser("finetune", parents=[common], help="fine-tune one model on one data set")
    finetune.add_argument("--model", required=True, help="registry name, Hub id, tiny-vit/tiny-swinv2/tiny-beit/tiny-dinov2, or a model folder written by finetune")
    finetune.add_argument("--strategy", choices=("full", "head"), default="full", help="train everything, or only the head (default: full)")
    finetune.add_argument("--head", choices=("linear", "mlp1", "mlp2", "mlp3"), default="linear", help="classification head (default: linear)")
    finetune.add_argument("--dataset", required=True, help="galaxy10, galaxy-mnist, galaxy10-mini, decals-rings, galaxy-mnist-mini, a folder, or a CSV")
    finetune.add_argument("--epochs", type=int, help="epochs (default: the study's 30)")
    finetune.add_argument("--seed", type=int, help="seed (default: 42)")
    finetune.add_argument("--learning-rate", type=float, help="peak learning rate (default: 5e-5)")
    finetune.add_argument("--batch-size", type=int, help="effective batch (default: 256)")
    finetune.add_argument("--per-device-batch-size", type=int, help="images per step on one device (default: min(batch, 64))")
    finetune.add_argument("--augmentation", choices=("none", "dihedral", "galaxy"), help="training augmentation (default: galaxy)")
    finetune.add_argument("--precision", choices=("auto", "bf16", "fp16", "fp32"), help="numeric precision (default: auto)")
    finetune.add_argument("--image-size", type=int, help="input resolution in pixels (default: the checkpoint's)")
    finetune.add_argument("--head-training", choices=("cached", "end_to_end"), help="head strategy: cached features or the frozen backbone every step")
    finetune.add_argument("--gradient-checkpointing", action="store_true", help="recompute activations to save memory")
    finetune.add_argument("--compile", action="store_true", help="compile the model with torch.compile")
    finetune.add_argument("--save-steps", type=int, help="checkpoint every N optimiser steps (default: every epoch)")
    finetune.add_argument("--max-train-samples", type=int, help="train on at most N images")
    finetune.add_argument("--weights", choices=("pretrained", "random"), default="pretrained", help="Hub weights or random weights (offline)")
    finetune.add_argument("--revision", help="Hub commit of the model")
    finetune.add_argument("--label-column", default="label", help="CSV label column (default: label)")
    finetune.add_argument("--file-column", default="file", help="CSV file column (default: file)")
    finetune.add_argument("--results-dir", default="results", help="results store (default: ./results)")
    finetune.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="device (default: auto)")
    finetune.add_argument("--train-metrics", action="store_true", help="also score the training split")
    finetune.add_argument("--force", action="store_true", help="recompute even if the result is stored")
    finetune.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    finetune.set_defaults(handler=_cmd_finetune)

    data = commands.add_parser("data", parents=[common], help="sample data sets")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    fetch = data_commands.add_parser("fetch", parents=[common], help="download and verify sample sets (all by default)")
    fetch.add_argument("names", nargs="*", help="galaxy10-mini, decals-rings, galaxy-mnist-mini")
    fetch.set_defaults(handler=_cmd_data_fetch)

    for name, help_text in (("run", "execute chapters with papermill"), ("all", "run the chapters, then build the book")):
        command = commands.add_parser(name, parents=[common], help=help_text)
        command.add_argument("--profile", default="sample", help="sample (default), paper-best or paper")
        command.add_argument("--chapters", help="chapters to run, such as 1,3 or 2-4 (default: all)")
        command.add_argument("--data", help="local copy of the sample files (sets GALAXY_UTILS_DATA_DIR)")
        command.add_argument("--results-dir", help="results store (default: ./results)")
        command.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="device (default: the profile's)")
        command.add_argument("--seed", type=int, default=42, help="seed (default: 42)")
        command.add_argument("--models", help="comma-separated models to use instead of the profile's")
        command.add_argument("--epochs", type=int, help="epochs instead of the profile's")
        command.add_argument("--root", default=".", help="project root (default: .)")
        command.set_defaults(handler=_cmd_run if name == "run" else _cmd_all)

    build = commands.add_parser("build", parents=[common], help="build the HTML book into _build/html")
    build.add_argument("--root", default=".", help="project root (default: .)")
    build.add_argument("--no-strict", action="store_true", help="do not treat warnings as errors")
    build.add_argument(
        "--allow-incomplete", action="store_true",
        help="build even when a chapter never ran or its last run failed (its page shows stale or missing numbers)",
    )
    build.set_defaults(handler=_cmd_build)
    return parser


def _add_common_options(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument("--debug", action="store_true", default=default, help="show full tracebacks")
    parser.add_argument("-v", "--verbose", action="store_true", default=default, help="log debug messages")
    parser.add_argument("-q", "--quiet", action="store_true", default=default, help="log warnings and errors only")


def _cmd_models(args) -> int:
    from galaxy_utils.models import list_models

    specs = list_models(args.pattern, family=args.family, in_study=True if args.study else None)
    if not specs:
        print(f"no model matches pattern {args.pattern!r}", file=sys.stderr)
        return EXIT_USAGE
    if args.check:
        return _check_models(specs, args.json)
    rows = [spec.to_row() for spec in specs]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    _print_table(rows, ("name", "family", "size", "image_size", "params_m", "imagenet_head", "self_supervised_only", "in_study", "confirmed"))
    return 0


def _check_models(specs, as_json: bool) -> int:
    import torch

    from galaxy_utils.models.build import build_classifier

    rows, failed = [], 0
    for spec in specs:
        started = time.perf_counter()
        try:
            classifier = build_classifier(spec, num_labels=10, weights="random").eval()
            images = torch.randint(0, 256, (1, spec.preprocessing.resize, spec.preprocessing.resize, 3), dtype=torch.uint8)
            with torch.no_grad():
                logits = classifier(images).logits
            status = "ok" if tuple(logits.shape) == (1, 10) else f"bad output shape {tuple(logits.shape)}"
            parameters = classifier.total_parameters() / 1e6
            del classifier
        except Exception as error:  # report every entry, then fail at the end
            status, parameters = f"{type(error).__name__}: {error}", float("nan")
        failed += status != "ok"
        rows.append({"name": spec.name, "image_size": spec.image_size, "built_params_m": round(parameters, 2), "seconds": round(time.perf_counter() - started, 1), "status": status})
        if not as_json:
            print(f"{spec.name:68s} {spec.image_size:4d} px {parameters:9.2f} M  {rows[-1]['seconds']:6.1f} s  {status}", flush=True)
    if as_json:
        print(json.dumps(rows, indent=2))
    print(f"{len(rows) - failed} of {len(rows)} entries built and ran a forward pass", file=sys.stderr)
    return EXIT_FAILED if failed else 0


def _cmd_finetune(args) -> int:
    from galaxy_utils.data import load_data
    from galaxy_utils.finetune import Recipe, finetune

    changes = {
        "epochs": args.epochs, "seed": args.seed, "learning_rate": args.learning_rate, "batch_size": args.batch_size,
        "per_device_batch_size": args.per_device_batch_size, "augmentation": args.augmentation, "precision": args.precision,
        "image_size": args.image_size, "head_training": args.head_training, "save_steps": args.save_steps,
        "max_train_samples": args.max_train_samples,
    }
    changes = {key: value for key, value in changes.items() if value is not None}
    if args.gradient_checkpointing:
        changes["gradient_checkpointing"] = True
    if args.compile:
        changes["torch_compile"] = True
    if "batch_size" in changes and "per_device_batch_size" not in changes and changes["batch_size"] < 64:
        changes["per_device_batch_size"] = changes["batch_size"]
    recipe = Recipe().updated(**changes)

    options = {}
    if args.dataset.lower().endswith(".csv"):
        options = {"label_column": args.label_column, "file_column": args.file_column}
    dataset = load_data(args.dataset, seed=recipe.seed, **options)

    # With --json, stdout carries only the JSON object, so anything the Trainer prints goes to stderr.
    redirect = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with redirect:
        result = finetune(
            args.model, dataset, args.strategy, args.head, recipe, args.results_dir, args.weights, args.device,
            force=args.force, progress=not args.json, evaluate_train=args.train_metrics, revision=args.revision,
        )

    if args.json:
        print(json.dumps(_result_json(result), indent=2))
        return 0
    print(result.summary())
    for name, interval in result.metrics["intervals"].items():
        print(f"  {name:12s} {100 * interval['value']:6.2f}  95% CI [{100 * interval['low']:.2f}, {100 * interval['high']:.2f}]")
    print(f"result: {result.result_path}{' (stored result reused)' if result.reused else ''}")
    print(f"model:  {result.checkpoint}")
    return 0


def _result_json(result) -> dict:
    summary_keys = ("accuracy", "macro_f1", "weighted_f1", "intervals", "n_samples", "per_class")
    return {
        "model": result.run["model"],
        "strategy": result.run["strategy"],
        "head": result.run["head"],
        "dataset": result.run["data"]["name"],
        "split": result.run["data"]["split"],
        "metrics": {key: result.metrics[key] for key in summary_keys},
        "validation_metrics": {key: result.validation_metrics[key] for key in ("accuracy", "macro_f1", "weighted_f1")},
        "train_metrics": None if result.train_metrics is None else {key: result.train_metrics[key] for key in ("accuracy", "macro_f1", "weighted_f1")},
        "result_path": result.result_path,
        "checkpoint": result.checkpoint,
        "reused": result.reused,
        "wall_time_s": result.wall_time_s,
        "key": result.key,
    }


def _cmd_data_fetch(args) -> int:
    from galaxy_utils.data import SAMPLE_SETS, fetch_sample, load_sample

    for name in args.names or list(SAMPLE_SETS):
        directory = fetch_sample(name)
        data = load_sample(name)
        sizes = ", ".join(f"{split} {len(part)}" for split, part in data.items())
        print(f"{name}: verified in {directory} ({sizes})")
    return 0


def _cmd_run(args) -> int:
    from galaxy_utils.finetune.recipe import check_seed

    # Checked here, because each chapter would otherwise fail on it separately, after its kernel starts.
    check_seed(args.seed)

    from galaxy_utils.book import parse_chapters, run_chapters

    runs = run_chapters(
        root=args.root, profile=args.profile, chapters=parse_chapters(args.chapters), data_dir=args.data,
        results_dir=args.results_dir, device=args.device, seed=args.seed,
        models=args.models, epochs=args.epochs,
    )
    return _report_runs(runs)


def _report_runs(runs) -> int:
    print("\nchapter summary:")
    for run in runs:
        detail = run.output if run.status == "ok" else f"{run.error} (cell [{run.cell}]; notebook: {run.output})"
        print(f"  {run.chapter}. {run.name:22s} {run.status:6s} {run.seconds:7.1f} s  {detail}")
    failed = [run for run in runs if run.status != "ok"]
    if failed:
        print(f"{len(failed)} chapter(s) failed: {', '.join(str(run.chapter) for run in failed)}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def _cmd_build(args) -> int:
    from galaxy_utils.book import build_book

    html = build_book(args.root, strict=not args.no_strict, allow_incomplete=args.allow_incomplete)
    print(f"book: {html / 'index.html'}")
    return 0


def _cmd_all(args) -> int:
    status = _cmd_run(args)
    if status != 0:
        # A book with a failed chapter would show its stale or missing numbers.
        print("the book was not built because a chapter failed; fix it and run `galaxy-book all` again", file=sys.stderr)
        return status
    args.no_strict = False
    args.allow_incomplete = False
    return _cmd_build(args)


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.INFO
    if verbose:
        level = logging.DEBUG
    elif quiet:
        level = logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        import transformers

        transformers.logging.set_verbosity_error()
    except ImportError:
        pass


def _print_table(rows: list[dict], columns) -> None:
    widths = {column: max(len(column), *(len(str(row[column])) for row in rows)) for column in columns}
    print("  ".join(column.ljust(widths[column]) for column in columns))
    print("  ".join("-" * widths[column] for column in columns))
    for row in rows:
        print("  ".join(str(row[column]).ljust(widths[column]) for column in columns))


if __name__ == "__main__":
    sys.exit(main())
