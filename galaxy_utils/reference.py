"""Published numbers to show beside this project's results, each with its source.

Sources:

- the study: Le Lain & Lefèvre (2025), "Comment spécialiser DINOv2 pour
  l'astronomie ?", GRETSI 2025, Table 1 (best F1 per family, average not stated);
- the study author's Hugging Face model cards, ``https://huggingface.co/matthieulel/<name>``.
  Their recall equals their accuracy, so their F1 is weighted. They selected the
  checkpoint on the same test split they report, which flatters every number;
- the per-class F1 of the fine-tuned DINOv2, from the authors' figure code
  (github.com/matthieulel/finetune_dinov2_astronomy);
- Lastufka et al. (2025), A&A 703, A217: 88% for a linear probe on frozen
  DINOv2 features of GalaxyMNIST.
"""

from __future__ import annotations

import pandas as pd

STUDY_SOURCE = "Le Lain & Lefèvre (2025), GRETSI, Table 1"
CARD_URL = "https://huggingface.co/matthieulel/{base}-finetuned-galaxy10-decals"

# The study's Table 1: (family, checkpoint, F1 full, F1 head only, parameters in millions).
STUDY_TABLE = (
    ("vit", "google/vit-base-patch16-384", 85.59, 56.73, 86),
    ("beit", "microsoft/beit-base-patch16-224-pt22k", 85.87, 23.13, 85),
    ("swinv2", "microsoft/swinv2-base-patch4-window12to16-192to256-22kto1k-ft", 85.65, 56.60, 86),
    ("dinov2", "facebook/dinov2-base-imagenet1k-1-layer", 85.40, 60.81, 86),
)

# Model cards, full fine-tuning on matthieulel/galaxy10_decals (test split, selected on it):
# (checkpoint, accuracy, weighted F1, learning rate, effective batch, epochs); None where the card gives none.
MODEL_CARDS = (
    ("google/vit-base-patch32-224-in21k", 84.22, 84.06, 1e-4, 512, 30),
    ("google/vit-base-patch32-384", 83.26, 82.98, 1e-4, 512, 30),
    ("google/vit-large-patch32-224-in21k", 83.82, 83.56, None, None, None),
    ("google/vit-large-patch32-384", 83.71, 83.57, 1e-4, 512, 30),
    ("google/vit-huge-patch14-224-in21k", 85.23, 84.89, 1e-4, 256, 30),
    ("microsoft/beit-large-patch16-224-pt22k", 87.71, 87.64, 5e-5, 256, 30),
    ("microsoft/swinv2-small-patch4-window8-256", 86.47, 86.12, 5e-5, 256, 30),
    ("microsoft/swinv2-small-patch4-window16-256", 86.02, 85.85, 5e-5, 256, 30),
    ("microsoft/swinv2-base-patch4-window16-256", 85.74, 85.46, 5e-5, 256, 30),
    ("microsoft/swinv2-large-patch4-window12-192-22k", 85.68, 85.50, 5e-5, 256, 30),
    ("facebook/dinov2-small", 86.13, 86.15, 5e-5, 512, 30),
    ("facebook/dinov2-base", 86.30, 86.07, 5e-5, 512, 30),
    ("facebook/dinov2-large", 87.37, 87.22, 5e-5, 256, 30),
    ("facebook/dinov2-small-imagenet1k-1-layer", 85.63, 85.43, 5e-5, 256, 30),
    ("facebook/dinov2-base-imagenet1k-1-layer", 86.70, 86.50, 5e-5, 256, 30),
    ("facebook/convnextv2-nano-22k-224", 86.87, 86.62, 5e-5, 256, 30),
)

# Per-class test F1 of the fine-tuned dinov2-base-imagenet1k-1-layer, Galaxy10 class order.
DINOV2_PER_CLASS_F1 = (0.57, 0.91, 0.94, 0.91, 0.79, 0.90, 0.75, 0.78, 0.92, 0.96)
DINOV2_PER_CLASS_SOURCE = "github.com/matthieulel/finetune_dinov2_astronomy (figures/tab2_colonneDINOv2.txt)"

# Model cards on matthieulel/galaxy_mnist (8,000 train, 2,000 test): (setting, accuracy, weighted F1, lr, batch).
GALAXY_MNIST_CARDS = (
    ("dinov2-base-imagenet1k-1-layer, full", 93.65, 93.65, 5e-6, 256),
    ("dinov2-base-imagenet1k-1-layer, head only", 83.85, 83.86, 1e-4, 256),
    ("Galaxy10-fine-tuned DINOv2, then full", 94.30, 94.30, 5e-6, 256),
    ("Galaxy10-fine-tuned DINOv2, then head only", 90.90, 90.89, 1e-4, 128),
)

LASTUFKA_LINEAR_PROBE = 88.0
LASTUFKA_SOURCE = "Lastufka et al. (2025), A&A 703, A217"


def study_table() -> pd.DataFrame:
    """Return the study's Table 1 with dF1, as percentages."""
    frame = pd.DataFrame(STUDY_TABLE, columns=["family", "model", "f1_full", "f1_head", "params_m"])
    frame["delta_f1"] = (frame["f1_full"] - frame["f1_head"]).round(2)
    frame["source"] = STUDY_SOURCE
    return frame


def model_cards() -> pd.DataFrame:
    """Return the Galaxy10 DECaLS model-card results with each card's URL."""
    frame = pd.DataFrame(MODEL_CARDS, columns=["model", "accuracy", "weighted_f1", "learning_rate", "batch", "epochs"])
    frame[["batch", "epochs"]] = frame[["batch", "epochs"]].astype("Int64")
    frame["source"] = [CARD_URL.format(base=model.split("/")[1]) for model in frame["model"]]
    return frame
