"""Fine-tuning with the Hugging Face Trainer, the study's recipe, and the results store."""

from galaxy_utils.finetune.recipe import STUDY_RECIPE, Recipe
from galaxy_utils.finetune.result import FineTuneResult
from galaxy_utils.finetune.run import finetune
from galaxy_utils.finetune.store import ResultStore, run_key

__all__ = ["STUDY_RECIPE", "FineTuneResult", "Recipe", "ResultStore", "finetune", "run_key"]
