"""Run profiles: the data, models, recipes and device behind every chapter, defined once.

A chapter's papermill parameters (profile, data directory, results directory,
models, epochs, device, seed) pick a profile and may override parts of it.

- ``sample`` (the default): the real galaxy samples at 64 px and the tiny
  random-weight model of each family, on the CPU. It exercises every step in
  minutes and gives no scientific result.
- ``paper-best``: Galaxy10 DECaLS and GalaxyMNIST from the Hub, the best
  variant of each family in the study's table, the study's recipe, on a GPU.
- ``paper``: the same with every variant of the registry that the study fine-tuned.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from galaxy_utils.errors import ConfigError
from galaxy_utils.finetune.recipe import Recipe
from galaxy_utils.models import list_models

# The family order of the study's table.
FAMILY_ORDER = ("vit", "swinv2", "beit", "dinov2")

# The best variant of each family in the study's table.
STUDY_BEST = (
    "google/vit-base-patch16-384",
    "microsoft/swinv2-base-patch4-window12to16-192to256-22kto1k-ft",
    "microsoft/beit-base-patch16-224-pt22k",
    "facebook/dinov2-base-imagenet1k-1-layer",
)


@dataclass(frozen=True)
class Profile:
    """Everything a chapter needs to know to run.

    Attributes
    ----------
    name : str
        Profile name.
    description : str
        One sentence for the page header.
    galaxy10 : str
        Data set of chapters 1 to 4 (``galaxy10`` or the ``galaxy10-mini`` sample).
    galaxy_mnist : str
        Data set of chapter 5 (``galaxy-mnist`` or ``galaxy-mnist-mini``).
    models : tuple of str
        Models of chapter 2, one or more per family.
    dinov2 : str
        The DINOv2 model of chapters 3 to 5.
    weights : {"pretrained", "random"}
        Hub weights, or random weights (the tiny models).
    recipe : Recipe
        Recipe of full fine-tuning.
    head_recipe : Recipe
        Recipe of head-only training.
    device : str
        ``cpu``, ``cuda`` or ``auto``.
    storage_size : int
        Edge of the decoded images, in pixels.
    scientific : bool
        Whether its numbers can be compared with the study.
    embed_splits : tuple of str
        Splits drawn in the t-SNE maps: the test split, or every split of a small sample.
    """

    name: str
    description: str
    galaxy10: str
    galaxy_mnist: str
    models: tuple[str, ...]
    dinov2: str
    weights: str
    recipe: Recipe
    head_recipe: Recipe
    device: str
    storage_size: int
    scientific: bool
    embed_splits: tuple[str, ...] = ("test",)

    def with_overrides(self, models=None, epochs=None, device=None, seed=None) -> "Profile":
        """Return the profile with a chapter's parameter overrides applied."""
        profile = self
        if isinstance(models, str):
            models = models.split(",")
        models = [name.strip() for name in models or [] if name.strip()]
        if models:
            models = tuple(models)
            dinov2 = next((m for m in models if "dinov2" in m), self.dinov2)
            profile = replace(profile, models=models, dinov2=dinov2)
        if epochs is not None:
            profile = replace(profile, recipe=profile.recipe.updated(epochs=int(epochs)), head_recipe=profile.head_recipe.updated(epochs=int(epochs)))
        if seed is not None:
            profile = replace(profile, recipe=profile.recipe.updated(seed=int(seed)), head_recipe=profile.head_recipe.updated(seed=int(seed)))
        if device is not None and device != "auto":
            profile = replace(profile, device=device)
        return profile


_TINY_RECIPE = Recipe(
    epochs=12, learning_rate=1e-3, batch_size=16, warmup_ratio=0.1, augmentation="dihedral", validation_fraction=0.15,
)
# Heads train on features cached once, which no augmentation can reach, so the
# head recipes name no augmentation rather than one that would not be applied.
_STUDY_HEAD_RECIPE = Recipe(augmentation="none")

PROFILES: dict[str, Profile] = {
    "sample": Profile(
        name="sample",
        description="the real galaxy samples (64 Galaxy10-style DECaLS galaxies, 40 GalaxyMNIST images) "
        "and tiny random-weight models of the four families, on the CPU",
        galaxy10="galaxy10-mini",
        galaxy_mnist="galaxy-mnist-mini",
        models=("tiny-vit", "tiny-swinv2", "tiny-beit", "tiny-dinov2"),
        dinov2="tiny-dinov2",
        weights="random",
        recipe=_TINY_RECIPE,
        head_recipe=_TINY_RECIPE.updated(learning_rate=3e-3, augmentation="none"),
        device="cpu",
        storage_size=96,
        scientific=False,
        embed_splits=("train", "validation", "test"),
    ),
    "paper-best": Profile(
        name="paper-best",
        description="Galaxy10 DECaLS and GalaxyMNIST from the Hugging Face Hub, the best checkpoint of each family "
        "in the study's table, and the study's recipe, on a GPU",
        galaxy10="galaxy10",
        galaxy_mnist="galaxy-mnist",
        models=STUDY_BEST,
        dinov2="facebook/dinov2-base-imagenet1k-1-layer",
        weights="pretrained",
        recipe=Recipe(),
        head_recipe=_STUDY_HEAD_RECIPE,
        device="cuda",
        storage_size=256,
        scientific=True,
    ),
}
PROFILES["paper"] = replace(
    PROFILES["paper-best"],
    name="paper",
    description="Galaxy10 DECaLS and GalaxyMNIST from the Hugging Face Hub, every registry variant the study "
    "fine-tuned, and the study's recipe, on a GPU",
    models=tuple(spec.name for family in FAMILY_ORDER for spec in list_models(family=family, in_study=True)),
)


def get_profile(name: str) -> Profile:
    """Return a profile by name."""
    if name not in PROFILES:
        raise ConfigError(f"unknown profile {name!r}", f"use one of {', '.join(PROFILES)}")
    return PROFILES[name]


def configure(profile: str = "sample", data_dir=None, results_dir=None, models=None, epochs=None, device="auto", seed=42) -> tuple[Profile, Path]:
    """Apply a chapter's parameters: return the profile with overrides and the results directory.

    ``data_dir`` sets ``GALAXY_UTILS_DATA_DIR`` so the samples are read from a
    local copy. ``results_dir`` defaults to ``results/`` at the project root
    (the folder holding ``_config.yml``), or in the working directory.
    """
    if data_dir:
        os.environ["GALAXY_UTILS_DATA_DIR"] = str(Path(data_dir).expanduser().resolve())
    _quiet_libraries()
    chosen = get_profile(profile).with_overrides(models=models, epochs=epochs, device=device, seed=seed)
    results = Path(results_dir).expanduser() if results_dir else project_root() / "results"
    results.mkdir(parents=True, exist_ok=True)
    return chosen, results.resolve()


def _quiet_libraries() -> None:
    # Chapters show results, not library chatter such as file-system notes or weight-loading reports.
    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    datasets.logging.set_verbosity_error()


def project_root(start: Path | None = None) -> Path:
    """Return the nearest folder at or above ``start`` that contains ``_config.yml``, else ``start``."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "_config.yml").is_file() and (folder / "galaxy_utils").is_dir():
            return folder
    return start
