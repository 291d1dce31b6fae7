"""Class counts and pixel statistics of a data set, for the data chapter."""

from __future__ import annotations

import numpy as np
import pandas as pd
from datasets import DatasetDict


def class_counts(dataset: DatasetDict) -> pd.DataFrame:
    """Return images per class (rows) and split (columns), with a total column."""
    names = list(next(iter(dataset.values())).features["label"].names)
    table = pd.DataFrame(
        {split: np.bincount(np.asarray(part["label"], dtype=int), minlength=len(names)) for split, part in dataset.items()},
        index=pd.Index(names, name="class"),
    )
    table["total"] = table.sum(axis=1)
    return table


def pixel_statistics(images: np.ndarray, dark_threshold: int = 20) -> pd.DataFrame:
    """Return per-channel mean, standard deviation, median and share of dark pixels.

    Parameters
    ----------
    images : array of uint8, shape (n_samples, height, width, 3)
    dark_threshold : int, default 20
        Pixel values below this count as dark (empty sky).
    """
    pixels = np.asarray(images, dtype=np.float32).reshape(-1, 3) / 255.0
    return pd.DataFrame(
        {
            "mean": pixels.mean(axis=0),
            "std": pixels.std(axis=0),
            "median": np.median(pixels, axis=0),
            "dark_share": (pixels < dark_threshold / 255.0).mean(axis=0),
        },
        index=pd.Index(["red", "green", "blue"], name="channel"),
    ).round(4)


def brightness_by_class(images: np.ndarray, labels, class_names) -> pd.DataFrame:
    """Return the mean and spread of per-image brightness for each class (values in [0, 1])."""
    brightness = np.asarray(images, dtype=np.float32).mean(axis=(1, 2, 3)) / 255.0
    labels = np.asarray(labels, dtype=int)
    rows = []
    for index, name in enumerate(class_names):
        values = brightness[labels == index]
        rows.append({"class": name, "images": len(values), "mean_brightness": values.mean() if len(values) else np.nan, "std": values.std() if len(values) else np.nan})
    return pd.DataFrame(rows).set_index("class").round(4)
