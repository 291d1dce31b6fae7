"""Tables and page text that the chapters build from stored results."""

from __future__ import annotations

import pandas as pd

from galaxy_utils.finetune.result import FineTuneResult
from galaxy_utils.hardware import describe_hardware
from galaxy_utils.metrics import bootstrap_delta
from galaxy_utils.models import get_spec, is_registered
from galaxy_utils.profiles import Profile
from galaxy_utils.reference import STUDY_SOURCE, study_table


def glue(name: str, value, display: bool = False) -> None:
    """Store a value for the book's prose with myst-nb's ``glue``.

    Outside jupyter-book (myst-nb not installed) it does nothing.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, value, display=display)


# Readable column names for tables shown in the book.
COLUMN_LABELS = {
    "params_m": "params (M)",
    "full": "F1 full",
    "head": "F1 head",
    "full_95ci": "F1 full [95% CI]",
    "head_95ci": "F1 head [95% CI]",
    "delta_f1": "dF1",
    "delta_95ci": "dF1 95% CI",
    "macro_f1_full": "macro F1 full",
    "macro_f1_head": "macro F1 head",
    "study_model": "study checkpoint",
    "study_full": "study F1 full",
    "study_head": "study F1 head",
    "study_delta_f1": "study dF1",
    "weighted_f1": "weighted F1",
    "weighted_f1_95ci": "weighted F1 [95% CI]",
    "macro_f1": "macro F1",
    "vs_linear": "minus linear",
    "vs_linear_95ci": "minus linear 95% CI",
    "f1_full": "F1 full",
    "f1_head": "F1 head",
}


def readable(frame: pd.DataFrame, index: str | None = None) -> pd.DataFrame:
    """Return a copy with readable column names, indexed by ``index`` when given."""
    frame = frame.set_index(index) if index else frame
    return frame.rename(columns=COLUMN_LABELS)


def percent(value: float, digits: int = 2) -> str:
    """Format a fraction in [0, 1] as a percentage without the sign, such as ``85.59``."""
    return f"{100 * value:.{digits}f}"


def interval_text(interval: dict, digits: int = 1) -> str:
    """Format a stored interval as ``value [low, high]`` in percent."""
    return f"{100 * interval['value']:.{digits}f} [{100 * interval['low']:.{digits}f}, {100 * interval['high']:.{digits}f}]"


def bounds_text(interval, digits: int = 1) -> str:
    """Format the bounds of a :class:`galaxy_utils.metrics.Interval` as ``[low, high]`` in percent."""
    return f"[{100 * interval.low:.{digits}f}, {100 * interval.high:.{digits}f}]"


def comparison_table(pairs, metric: str = "weighted_f1", seed: int = 0) -> pd.DataFrame:
    """Compare full fine-tuning with head-only training, model by model.

    Parameters
    ----------
    pairs : iterable of (FineTuneResult, FineTuneResult)
        ``(full, head)`` results of one model on the same test split.
    metric : {"weighted_f1", "macro_f1", "accuracy"}, default "weighted_f1"
        The score compared; the study's model cards used weighted F1.
    seed : int, default 0
        Seed of the paired bootstrap of dF1.

    Returns
    -------
    pandas.DataFrame
        One row per model: family, parameters (millions), the metric for full
        and head (percent, with 95% intervals), dF1 = full - head with its
        paired 95% interval, and macro F1 of both.
    """
    rows = []
    for full, head in pairs:
        labels = full.labels()
        delta = bootstrap_delta(labels, full.predicted(), head.predicted(), metric, len(full.class_names), seed=seed)
        model = full.run["model"]
        spec = get_spec(model) if is_registered(model) else None
        rows.append(
            {
                "model": model,
                "family": spec.family if spec else "",
                "params_m": spec.params_m if spec else float("nan"),
                "full": 100 * full.metrics[metric],
                "full_95ci": interval_text(full.metrics["intervals"][metric]),
                "head": 100 * head.metrics[metric],
                "head_95ci": interval_text(head.metrics["intervals"][metric]),
                "delta_f1": 100 * delta.value,
                "delta_95ci": bounds_text(delta),
                "macro_f1_full": 100 * full.metrics["macro_f1"],
                "macro_f1_head": 100 * head.metrics["macro_f1"],
            }
        )
    return pd.DataFrame(rows)


def head_ablation_table(heads: dict, metric: str = "weighted_f1", seed: int = 0) -> pd.DataFrame:
    """Compare heads trained on the same frozen backbones with the linear head.

    Parameters
    ----------
    heads : dict
        ``{(backbone, head): FineTuneResult}``; each backbone needs a ``"linear"`` entry.
    metric : str, default "weighted_f1"
        The score compared.
    seed : int, default 0
        Seed of the paired bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row per backbone and head: the metric in percent with its 95%
        interval (``low``, ``high``), macro F1, and the difference from the
        linear head on the same backbone with its paired 95% interval.
    """
    rows = []
    for (backbone, kind), result in heads.items():
        linear = heads[(backbone, "linear")]
        delta = bootstrap_delta(result.labels(), result.predicted(), linear.predicted(), metric, len(result.class_names), seed=seed)
        interval = result.metrics["intervals"][metric]
        rows.append(
            {
                "backbone": backbone,
                "head": kind,
                metric: 100 * result.metrics[metric],
                f"{metric}_95ci": interval_text(interval),
                "low": 100 * interval["low"],
                "high": 100 * interval["high"],
                "macro_f1": 100 * result.metrics["macro_f1"],
                "vs_linear": 100 * delta.value,
                "vs_linear_95ci": bounds_text(delta),
            }
        )
    return pd.DataFrame(rows)


def full_head_by_dataset(runs: dict, metric: str = "weighted_f1", seed: int = 0) -> pd.DataFrame:
    """Compare full fine-tuning with head-only training on several data sets.

    Parameters
    ----------
    runs : dict
        ``{(data name, "full" or "head"): FineTuneResult}``.

    Returns
    -------
    pandas.DataFrame
        Indexed by data name: number of classes, full and head scores in
        percent, and dF1 with its paired 95% interval.
    """
    rows = []
    for data_name in dict.fromkeys(name for name, _strategy in runs):
        full, head = runs[(data_name, "full")], runs[(data_name, "head")]
        delta = bootstrap_delta(full.labels(), full.predicted(), head.predicted(), metric, len(full.class_names), seed=seed)
        rows.append(
            {
                "data": data_name,
                "classes": len(full.class_names),
                "f1_full": 100 * full.metrics[metric],
                "f1_head": 100 * head.metrics[metric],
                "delta_f1": 100 * delta.value,
                "delta_95ci": bounds_text(delta),
            }
        )
    return pd.DataFrame(rows).set_index("data")


def beside_study(table: pd.DataFrame) -> pd.DataFrame:
    """Put this run's full and head scores next to the study's, family by family."""
    study = study_table().rename(columns={"model": "study_model", "f1_full": "study_full", "f1_head": "study_head", "delta_f1": "study_delta_f1", "params_m": "study_params_m"})
    merged = table.merge(study.drop(columns=["source"]), on="family", how="left")
    columns = ["family", "model", "params_m", "full", "head", "delta_f1", "study_model", "study_full", "study_head", "study_delta_f1"]
    return merged[columns].round(2)


def results_frame(results: list[FineTuneResult]) -> pd.DataFrame:
    """Return one row per result with the test metrics in percent."""
    return pd.DataFrame(
        [
            {
                "model": result.run["model"],
                "strategy": result.run["strategy"],
                "head": result.run["head"],
                "data": result.run["data"]["name"],
                "accuracy": 100 * result.metrics["accuracy"],
                "macro_f1": 100 * result.metrics["macro_f1"],
                "weighted_f1": 100 * result.metrics["weighted_f1"],
                "n_test": result.metrics["n_samples"],
                "wall_time_s": result.wall_time_s,
            }
            for result in results
        ]
    ).round(2)


def page_header(profile: Profile, data_description: str = "", models=None) -> str:
    """Return the MyST Markdown that opens every chapter, stating what produced its numbers.

    Non-scientific profiles get a warning that says so, points to the paper
    profile and shows the study's reported values.

    Parameters
    ----------
    profile : Profile
        The chapter's profile, with its overrides applied.
    data_description : str
        The data and split the page uses.
    models : sequence of str, optional
        The models the page uses (default: the profile's).
    """
    hardware = describe_hardware(profile.device if profile.device != "cuda" else "auto")
    device = hardware.get("gpu") or f"CPU ({hardware['cpu_count']} cores)"
    versions = hardware["versions"]
    models = list(models or profile.models)
    recipe = profile.recipe
    lines = [
        ":::{admonition} What produced the numbers on this page",
        ":class: note",
        f"- **Profile**: `{profile.name}`: {profile.description}.",
        f"- **Data**: {data_description or profile.galaxy10}.",
        f"- **Models**: {', '.join(f'`{m}`' for m in models)} ({profile.weights} weights).",
        f"- **Recipe**: {plural(recipe.epochs, 'epoch')}, learning rate {recipe.learning_rate:g}, "
        f"effective batch {recipe.batch_size}, augmentation `{recipe.augmentation}`, seed {recipe.seed}; "
        f"checkpoints selected on a validation split carved from train, test evaluated once.",
        f"- **Hardware**: {device}; torch {versions['torch']}, transformers {versions['transformers']}.",
        ":::",
    ]
    if not profile.scientific:
        study = study_table()
        reported = "; ".join(
            f"{row.model.split('/')[1]}: {row.f1_full:.2f} full / {row.f1_head:.2f} head" for row in study.itertuples()
        )
        lines += [
            "",
            ":::{admonition} No scientific result on this page",
            ":class: warning",
            "Tiny models with random weights, trained for seconds on a few dozen galaxies, give no scientific result:",
            "their scores only show that every step of the analysis runs, and the text around them describes what the",
            "study found rather than what these scores show. Run the `paper` (or `paper-best`) profile on a GPU for",
            "the study's numbers (see the README).",
            f"For comparison, the study reported ({STUDY_SOURCE}): {reported}.",
            ":::",
        ]
    return "\n".join(lines)


def plural(count: int, noun: str) -> str:
    """Return ``"1 epoch"`` or ``"3 epochs"``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
