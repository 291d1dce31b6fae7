"""Run the chapters with papermill and build the book with jupyter-book 1.x.

The repository keeps the chapters in ``notebooks/`` without outputs. ``run``
executes them into ``_build/source/notebooks/``, a copy of the book's source
tree (``_config.yml``, ``_toc.yml``, ``book/``) where executed chapters stand
in for the clean ones. ``build`` turns that tree into ``_build/html``, so each
page keeps the path of its notebook in the repository, which is where the
launch buttons (Colab, Binder) point.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from galaxy_utils.errors import ConfigError, GalaxyUtilsError
from galaxy_utils.io import atomic_write_json, atomic_write_text

logger = logging.getLogger(__name__)

CHAPTERS = {
    1: "01_data",
    2: "02_model_comparison",
    3: "03_dinov2_deep_dive",
    4: "04_head_ablation",
    5: "05_data_complexity",
}
SOURCE_DIR = Path("_build") / "source"
HTML_DIR = Path("_build") / "html"
RUN_LOG = "run_log.json"
BOOK_FILES = ("_config.yml", "_toc.yml", "book")


@dataclass
class ChapterRun:
    """The outcome of executing one chapter."""

    chapter: int
    name: str
    status: str
    seconds: float
    output: str
    error: str = ""
    cell: int | None = None
    parameters: dict = field(default_factory=dict)
    peak_memory_mib: float | None = None
    finished: str = ""


def parse_chapters(text: str | None) -> list[int]:
    """Parse ``"1,3"`` or ``"2-4"`` into chapter numbers; None means all."""
    if not text:
        return list(CHAPTERS)
    chosen = []
    for part in str(text).split(","):
        part = part.strip()
        try:
            if "-" in part:
                low, high = (int(value) for value in part.split("-"))
                if low > high:
                    raise ConfigError(f"chapter range {part!r} is invalid", f"write the lower number first, such as {high}-{low}")
                chosen.extend(range(low, high + 1))
            else:
                chosen.append(int(part))
        except ValueError:
            raise ConfigError(f"chapters {text!r} are invalid", "use numbers such as 1,3 or a range such as 2-4") from None
    unknown = sorted(set(chosen) - set(CHAPTERS))
    if unknown:
        raise ConfigError(f"chapter(s) {unknown} do not exist", f"use chapters {min(CHAPTERS)} to {max(CHAPTERS)}")
    return sorted(set(chosen))


def run_chapters(
    root: str | os.PathLike = ".",
    profile: str = "sample",
    chapters: list[int] | None = None,
    data_dir: str | None = None,
    results_dir: str | None = None,
    device: str = "auto",
    seed: int = 42,
    models: list[str] | None = None,
    epochs: int | None = None,
    kernel: str = "python3",
) -> list[ChapterRun]:
    """Execute chapters with papermill, keep going past failures, and log each run.

    A failed chapter's notebook goes to ``_build/source/failed/`` for inspection,
    and the last good version of that chapter stays in place. Chapters and
    results that succeeded are kept.

    Returns
    -------
    list of ChapterRun
        One per chapter, in order.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from galaxy_utils.profiles import get_profile

    root = check_project_root(root)
    get_profile(profile)  # reject bad parameters before starting kernels
    models = check_run_parameters(models, epochs, seed, data_dir)
    chapters = chapters or list(CHAPTERS)
    source = root / SOURCE_DIR
    sync_book_sources(root)
    results = Path(results_dir).resolve() if results_dir else root / "results"
    parameters = {
        "profile": profile,
        "data_dir": str(Path(data_dir).resolve()) if data_dir else None,
        "results_dir": str(results),
        "models": models,
        "epochs": epochs,
        "device": device,
        "seed": seed,
    }

    runs = []
    for number in chapters:
        name = CHAPTERS[number]
        notebook = root / "notebooks" / f"{name}.ipynb"
        target = source / "notebooks" / f"{name}.ipynb"
        attempt = source / "failed" / f"{name}.ipynb"
        attempt.parent.mkdir(parents=True, exist_ok=True)
        logger.info("chapter %d (%s): running with profile %s", number, name, profile)
        started = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(notebook), str(attempt), parameters=parameters, kernel_name=kernel,
                cwd=str(root / "notebooks"), progress_bar=False, log_output=False,
            )
        except PapermillExecutionError as error:
            run = ChapterRun(number, name, "failed", _elapsed(started), str(attempt), f"{error.ename}: {error.evalue}", error.exec_count, parameters)
        except Exception as error:  # kernel start-up and I/O failures; the other chapters still run
            run = ChapterRun(number, name, "failed", _elapsed(started), str(attempt), f"{type(error).__name__}: {error}", None, parameters)
        else:
            _hide_injected_parameters(attempt)
            os.replace(attempt, target)
            run = ChapterRun(number, name, "ok", _elapsed(started), str(target), parameters=parameters)
        run.peak_memory_mib = _children_peak_memory_mib()
        run.finished = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        runs.append(run)
        if run.status == "ok":
            logger.info("chapter %d done in %.0f s: %s", number, run.seconds, run.output)
        else:
            where = f"cell [{run.cell}]" if run.cell is not None else "start-up"
            logger.error("chapter %d FAILED at %s: %s (notebook with the error: %s)", number, where, run.error, run.output)
    _append_run_log(source, runs, profile)
    return runs


def check_project_root(root: str | os.PathLike) -> Path:
    """Return ``root`` resolved, or raise when it is not the project's root folder."""
    root = Path(root).resolve()
    missing = [name for name in ("_config.yml", "_toc.yml", "notebooks") if not (root / name).exists()]
    if missing:
        raise ConfigError(
            f"{root} is not the project root: it has no {', '.join(missing)}",
            "run galaxy-book from the repository root, or pass --root with its path",
        )
    return root


def check_run_parameters(models, epochs, seed, data_dir) -> list[str] | None:
    """Validate chapter parameters before any kernel starts, and return the cleaned model list."""
    from galaxy_utils.models import is_registered

    if isinstance(models, str):
        models = models.split(",")
    if models is not None:
        models = [name.strip() for name in models if name.strip()]
        unknown = [name for name in models if not is_registered(name) and "/" not in name]
        if unknown:
            raise ConfigError(
                f"model(s) {unknown} are neither registry names nor Hub ids",
                "run `galaxy-book models` to list the registered names; Hub ids look like org/name",
            )
    if epochs is not None and (not isinstance(epochs, int) or epochs < 1):
        raise ConfigError(f"epochs {epochs!r} is invalid", "use a positive integer")
    if not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ConfigError(f"seed {seed!r} is invalid", "use an integer from 0 to 2**32 - 1")
    if data_dir is not None and not Path(data_dir).expanduser().is_dir():
        raise ConfigError(f"data directory {data_dir} does not exist", "pass the folder that contains galaxy10-mini/, decals-rings/ and galaxy-mnist-mini/")
    return models


def incomplete_chapters(root: str | os.PathLike) -> dict[str, str]:
    """Return the chapters whose last run failed or that never ran, with the reason."""
    log = _read_run_log(Path(root) / SOURCE_DIR)
    problems = {}
    for name in CHAPTERS.values():
        entry = log["chapters"].get(name)
        if entry is None:
            problems[name] = "never run"
        elif entry["status"] != "ok":
            problems[name] = f"last run failed ({entry.get('error', 'unknown error')})"
    return problems


def sync_book_sources(root: Path) -> Path:
    """Copy the book's configuration and pages into the build tree, and the clean chapters where none ran yet."""
    source = root / SOURCE_DIR
    (source / "notebooks").mkdir(parents=True, exist_ok=True)
    for name in BOOK_FILES:
        path = root / name
        if path.is_dir():
            shutil.copytree(path, source / name, dirs_exist_ok=True)
        elif path.is_file():
            shutil.copy2(path, source / name)
    for name in CHAPTERS.values():
        target = source / "notebooks" / f"{name}.ipynb"
        if not target.exists():
            shutil.copy2(root / "notebooks" / f"{name}.ipynb", target)
    return source


def build_book(root: str | os.PathLike = ".", strict: bool = True, allow_incomplete: bool = False) -> Path:
    """Build the HTML book into ``_build/html`` with jupyter-book, warnings as errors.

    The build refuses when a chapter never ran or its last run failed, because
    that page would show stale or missing numbers. ``allow_incomplete`` builds
    anyway, without treating warnings as errors. plotly.js is copied from the
    installed plotly package into the book's static files, so interactive
    figures render with no network.
    """
    root = check_project_root(root)
    problems = incomplete_chapters(root)
    if problems and not allow_incomplete:
        listed = "; ".join(f"{name}: {reason}" for name, reason in problems.items())
        numbers = ",".join(str(number) for number, name in CHAPTERS.items() if name in problems)
        raise ConfigError(
            f"{len(problems)} chapter(s) have no current results: {listed}",
            f"run `galaxy-book run --chapters {numbers}` first (or `galaxy-book all`), or build anyway with --allow-incomplete",
        )
    if problems:
        logger.warning("building with incomplete chapters %s; their pages show stale or missing numbers", sorted(problems))
        strict = False
    _warn_mixed_profiles(root)
    source = sync_book_sources(root)
    _vendor_plotly(source)
    write_reproducibility_page(source)
    config = _config_with_overrides(source)

    # jupyter-book writes to <path-output>/_build/html.
    output = root
    # jupyter-book 1.x has no `python -m jupyter_book`; calling its CLI function keeps this interpreter.
    command = [
        sys.executable, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
        "build", str(source), "--path-output", str(output), "--config", str(config), "--all",
    ]
    if strict:
        command += ["-W", "--keep-going"]
    logger.info("building the book: %s", " ".join(command))
    completed = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if completed.returncode != 0:
        output_text = re.sub(r"\x1b\[[0-9;]*m", "", completed.stdout + completed.stderr)
        problems = [line for line in output_text.splitlines() if "WARNING" in line or "ERROR" in line][:20]
        tail = "\n".join(problems or output_text.strip().splitlines()[-20:])
        raise GalaxyUtilsError(
            f"jupyter-book build failed (exit {completed.returncode}):\n{tail}",
            "each line above names a page and its problem; rerun `galaxy-book build -v` for the full output",
        )
    html = root / HTML_DIR
    if not (html / "index.html").is_file():
        raise GalaxyUtilsError(f"jupyter-book reported success but wrote no {html / 'index.html'}", "rerun with --verbose and check the jupyter-book output")
    logger.info("book built: %s", html / "index.html")
    return html


def write_reproducibility_page(source: Path) -> Path:
    """Write the reproducibility page from the run log: environment, versions, hardware, run times."""
    from galaxy_utils.hardware import describe_hardware

    log = _read_run_log(source)
    hardware = describe_hardware("auto")
    versions = hardware.pop("versions")
    for package in ("papermill", "jupyter_book", "plotly", "openTSNE", "umap", "numpy"):
        versions[package] = _version_of(package)

    lines = [
        "# Reproducibility",
        "",
        "This page is written by `galaxy-book build` from the run log of `galaxy-book run`. It records",
        "what produced the numbers in the chapters.",
        "",
        "## Run times per chapter",
        "",
        "| chapter | profile | status | wall time (s) | peak memory of the kernels so far (MiB) | finished (UTC) |",
        "|---|---|---|---|---|---|",
    ]
    for number, name in CHAPTERS.items():
        entry = log["chapters"].get(name)
        if entry is None:
            lines.append(f"| {number}. {name} | not run | | | | |")
            continue
        memory = f"{entry['peak_memory_mib']:.0f}" if entry.get("peak_memory_mib") else ""
        lines.append(
            f"| {number}. {name} | {entry['parameters'].get('profile')} | {entry['status']} | {entry['seconds']:.1f} | {memory} | {entry.get('finished', '')} |"
        )
    lines += ["", "## Hardware", "", "| item | value |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in hardware.items()]
    lines += ["", "## Package versions", "", "| package | version |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in sorted(versions.items())]
    lines += [
        "",
        "## Commands",
        "",
        "```bash",
        'pip install -e ".[dev]"',
        "galaxy-book all --profile sample",
        "```",
        "",
        "Results are stored in `results/`, one JSON per fine-tune, keyed by a hash of the model, data, recipe,",
        "seed and library versions. Running a chapter again reuses them; delete a result file, or pass",
        "`--force` to `galaxy-book finetune`, to train that run again.",
        "",
    ]
    path = source / "book" / "reproducibility.md"
    atomic_write_text(path, "\n".join(lines))
    return path


def _warn_mixed_profiles(root: Path) -> None:
    chapters = _read_run_log(root / SOURCE_DIR)["chapters"]
    profiles = {name: entry["parameters"].get("profile") for name, entry in chapters.items()}
    if len(set(profiles.values())) > 1:
        logger.warning("the chapters were run with different profiles: %s", profiles)


def _config_with_overrides(source: Path) -> Path:
    """Write the build's config: the repository URL comes from ``GITHUB_REPOSITORY`` when set (CI)."""
    config = yaml.safe_load((source / "_config.yml").read_text())
    repository = os.environ.get("GITHUB_REPOSITORY")
    if repository:
        config.setdefault("repository", {})["url"] = f"https://github.com/{repository}"
    path = source / "_config.build.yml"
    atomic_write_text(path, yaml.safe_dump(config, sort_keys=False))
    return path


def _vendor_plotly(source: Path) -> None:
    import plotly

    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not bundle.is_file():
        raise GalaxyUtilsError(f"plotly.js not found at {bundle}", "reinstall plotly")
    static = source / "book" / "_static"
    static.mkdir(parents=True, exist_ok=True)
    shutil.copy2(bundle, static / "plotly.min.js")


def _append_run_log(source: Path, runs: list[ChapterRun], profile: str) -> None:
    log = _read_run_log(source)
    for run in runs:
        log["chapters"][run.name] = asdict(run)
    log["platform"] = platform.platform()
    atomic_write_json(source / RUN_LOG, log)


def _hide_injected_parameters(path: Path) -> None:
    """Fold the cell papermill injects, so a page opens with the chapter's own parameters cell."""
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "hide-input" not in tags:
            cell.metadata["tags"] = [*tags, "hide-input"]
    nbformat.write(notebook, str(path))


def _read_run_log(source: Path) -> dict:
    """Return the run log of a build tree, or an empty one when no chapter has run."""
    path = source / RUN_LOG
    return json.loads(path.read_text()) if path.is_file() else {"chapters": {}}


def _children_peak_memory_mib() -> float:
    # ru_maxrss of waited-for children (the kernels), in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def _elapsed(started: float) -> float:
    return round(time.perf_counter() - started, 2)


def _version_of(package: str) -> str:
    try:
        module = __import__(package)
    except ImportError:
        return "not installed"
    return getattr(module, "__version__", "unknown")
