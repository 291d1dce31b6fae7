"""Load the user's own galaxy images from a folder of class folders or from a CSV.

Accepted layouts:

- ``DIR/<class>/<image>``: one sub-folder per class, split here (stratified, seeded);
- ``DIR/train/<class>/<image>`` and ``DIR/test/<class>/<image>``: the user's own split;
- a CSV with a file column and a label column (``file,label`` by default), and an
  optional ``split`` column with ``train`` or ``test``. Relative paths are relative
  to the CSV's folder. Labels are either all class names or all integers, and
  integers without class names must use every value from 0 to K-1. The CSV must
  be UTF-8.

Every data set needs at least 2 classes. Images directly in the top folder,
next to the class folders, are skipped with a warning. The data set is named
after the folder or the CSV's stem.

Every file is opened and checked before anything is returned. All bad files are
reported together in one error. Images that are not 8-bit RGB are converted
(see :func:`galaxy_utils.data.images.to_rgb`).
"""

from __future__ import annotations

import csv
import logging
import os
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from datasets import ClassLabel, Dataset, Features, Image, Value

from galaxy_utils.data.images import IMAGE_SUFFIXES, BadImage, encode_png, raise_for_bad_images, to_rgb, try_open_image
from galaxy_utils.data.provenance import GalaxyDatasetDict, Provenance
from galaxy_utils.data.splits import split_train_test
from galaxy_utils.errors import DataError
from galaxy_utils.io import hash_object, sha256_file

logger = logging.getLogger(__name__)

SPLIT_NAMES = ("train", "test")


def load_image_folder(
    directory: str | os.PathLike,
    test_fraction: float = 0.2,
    seed: int = 42,
) -> GalaxyDatasetDict:
    """Load a folder with one sub-folder of images per class.

    Parameters
    ----------
    directory : path-like
        ``DIR/<class>/*.png`` (split here), or ``DIR/train/<class>/*`` and
        ``DIR/test/<class>/*`` (split kept). Class names are the sub-folder
        names, sorted.
    test_fraction : float, default 0.2
        Share of each class held out for testing, when the folder is not split.
    seed : int, default 42
        Seed of the split.

    Returns
    -------
    GalaxyDatasetDict
        Splits ``train`` and ``test`` with columns ``image``, ``label`` and ``file``.

    Raises
    ------
    galaxy_utils.errors.DataError
        For a missing folder, an empty class folder, fewer than 2 classes, or
        any unreadable image.
    """
    root = Path(directory).expanduser()
    if not root.is_dir():
        raise DataError(f"image folder not found: {root}", "pass a directory with one sub-folder per class")

    presplit = all((root / name).is_dir() for name in SPLIT_NAMES)
    split_roots = {name: root / name for name in SPLIT_NAMES} if presplit else {"all": root}

    entries, class_names = [], None
    for split, split_root in split_roots.items():
        classes = sorted(child.name for child in split_root.iterdir() if child.is_dir() and not child.name.startswith("."))
        if not classes:
            raise DataError(f"{split_root} has no class sub-folders", "put the images of each class in a sub-folder named after the class")
        if class_names is not None and classes != class_names:
            raise DataError(
                f"train and test have different class folders: {class_names} and {classes}",
                "give both splits the same class folders",
            )
        if len(classes) < 2:
            raise DataError(
                f"found 1 class ({classes[0]!r}) in {split_root}, but a classifier needs at least 2",
                _one_class_hint(root, classes[0], presplit),
            )
        class_names = classes

        empty, skipped = [], []
        for label, class_name in enumerate(classes):
            files = sorted(p for p in (split_root / class_name).rglob("*") if p.is_file() and not p.name.startswith("."))
            images = [path for path in files if _has_image_suffix(path)]
            skipped.extend(path for path in files if not _has_image_suffix(path))
            if not images:
                empty.append(str(split_root / class_name))
            entries.extend((str(path), label, split) for path in images)
        if skipped:
            logger.warning(
                "skipped %d file(s) without an image extension (%s), for example %s",
                len(skipped), ", ".join(IMAGE_SUFFIXES), skipped[0],
            )
        _warn_stray_images(split_root)
        if empty:
            raise DataError(
                f"{len(empty)} class folder(s) contain no images: {', '.join(empty)}",
                "add images to these folders or remove them",
            )

    if presplit:
        _warn_stray_images(root)
    return _build(entries, tuple(class_names), root, _dataset_name(root, "folder"), test_fraction, seed, presplit)


def load_image_csv(
    csv_path: str | os.PathLike,
    file_column: str = "file",
    label_column: str = "label",
    class_names: tuple[str, ...] | list[str] | None = None,
    test_fraction: float = 0.2,
    seed: int = 42,
) -> GalaxyDatasetDict:
    """Load images listed in a CSV with a file column and a label column.

    Parameters
    ----------
    csv_path : path-like
        The CSV. Relative file paths are resolved from its folder.
    file_column, label_column : str
        Column names (default ``file`` and ``label``).
    class_names : sequence of str, optional
        Names of integer labels ``0..K-1``. Integer labels outside that range
        are rejected. Without it, integer labels get names ``"0" .. "K-1"``
        and must use each of them (gaps are rejected), and string labels
        become the sorted class names.
    test_fraction : float, default 0.2
        Share of each class held out, unless the CSV has a ``split`` column.
    seed : int, default 42
        Seed of the split.
    """
    csv_path = Path(csv_path).expanduser()
    if not csv_path.is_file():
        raise DataError(f"CSV file not found: {csv_path}", "check the path")

    rows, line_numbers = [], []
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for row in reader:
                rows.append(row)
                line_numbers.append(reader.line_num)
    except UnicodeDecodeError as error:
        raise DataError(
            f"{csv_path} is not UTF-8 text: line {_first_invalid_utf8_line(csv_path)} has an invalid byte ({error.reason})",
            "save it as UTF-8, for example with a spreadsheet's 'CSV UTF-8' export or `iconv -f latin1 -t utf-8`",
        ) from error

    missing = [column for column in (file_column, label_column) if column not in columns]
    if missing:
        raise DataError(
            f"{csv_path} has no column(s) {missing}; its columns are {columns}",
            "name the columns with --file-column and --label-column (file_column=, label_column=)",
        )
    if not rows:
        raise DataError(f"{csv_path} lists no images", "add one row per image")

    raw_labels = [(row[label_column] or "").strip() for row in rows]
    empty_rows = [line for line, value in zip(line_numbers, raw_labels) if value == ""]
    if empty_rows:
        raise DataError(f"{csv_path}: empty label on line(s) {empty_rows[:10]}", "give every row a label")
    labels, names = _encode_labels(raw_labels, class_names, csv_path, line_numbers)

    has_split = "split" in columns
    entries = []
    for row, label in zip(rows, labels):
        path = Path((row[file_column] or "").strip())
        path = path if path.is_absolute() else csv_path.parent / path
        split = (row["split"] or "").strip().lower() if has_split else "all"
        if has_split and split not in SPLIT_NAMES:
            raise DataError(f"{csv_path}: split {row['split']!r} is invalid", "use 'train' or 'test' in the split column")
        entries.append((str(path), label, split))

    return _build(entries, names, csv_path, _dataset_name(csv_path, "csv"), test_fraction, seed, has_split)


def _encode_labels(raw_labels: list[str], class_names, where, line_numbers: list[int]) -> tuple[list[int], tuple[str, ...]]:
    is_integer = [_is_integer(value) for value in raw_labels]
    if class_names is None and any(is_integer) and not all(is_integer):
        _raise_mixed_labels(raw_labels, is_integer, where, line_numbers)

    if all(is_integer):
        labels = [int(value) for value in raw_labels]
        n_classes = len(class_names) if class_names is not None else max(labels) + 1
        bad = sorted({label for label in labels if label < 0 or label >= n_classes})
        if bad:
            raise DataError(
                f"{where}: labels {bad} are out of range for {n_classes} classes (valid: 0 to {n_classes - 1})",
                "fix the labels, or pass the full list of class names",
            )
        _check_two_classes(labels, where)
        if class_names is None:
            _check_no_gaps(labels, where)
        names = tuple(class_names) if class_names is not None else tuple(str(i) for i in range(n_classes))
        return labels, names

    if class_names is not None:
        unknown = sorted(set(raw_labels) - set(class_names))
        if unknown:
            raise DataError(f"{where}: labels {unknown} are not among the class names {list(class_names)}", "fix the labels or the class names")
        names = tuple(class_names)
    else:
        names = tuple(sorted(set(raw_labels)))
    _check_two_classes(raw_labels, where)
    index = {name: i for i, name in enumerate(names)}
    return [index[value] for value in raw_labels], names


def _raise_mixed_labels(raw_labels: list[str], is_integer: list[bool], where, line_numbers: list[int]) -> None:
    """Raise a DataError naming the labels of the rarer kind (integers or names) and their lines."""
    n_integers = sum(is_integer)
    odd_are_integers = n_integers < len(raw_labels) - n_integers
    odd = [(value, line) for value, flag, line in zip(raw_labels, is_integer, line_numbers) if flag == odd_are_integers]
    shown = ", ".join(f"{value!r} on line {line}" for value, line in odd[:10]) + (", ..." if len(odd) > 10 else "")
    n_others = len(raw_labels) - len(odd)
    if odd_are_integers:
        odd_kind = "is an integer" if len(odd) == 1 else "are integers"
        others = f"the other {n_others} labels are class names"
    else:
        odd_kind = "is not an integer" if len(odd) == 1 else "are not integers"
        others = f"the other {n_others} labels are"
    raise DataError(
        f"{where}: label{'s' if len(odd) > 1 else ''} {shown} {odd_kind}, while {others}",
        "use integers 0 to K-1 for every label, or class names for every label, and fix or remove these rows",
    )


def _check_two_classes(labels: list, where) -> None:
    distinct = sorted(set(labels))
    if len(distinct) < 2:
        raise DataError(
            f"found 1 class ({str(distinct[0])!r}) in {where}, but a classifier needs at least 2",
            "add rows with images of at least one other class",
        )


def _check_no_gaps(labels: list[int], where) -> None:
    """Raise a DataError when integer labels leave out a class between 0 and the largest label."""
    present = sorted(set(labels))
    skipped = sorted(set(range(present[-1] + 1)) - set(present))
    if not skipped:
        return
    shown = ", ".join(str(label) for label in skipped[:20]) + (", ..." if len(skipped) > 20 else "")
    raise DataError(
        f"{where}: labels skip {shown}: the labels found are {', '.join(str(label) for label in present[:20])}, "
        f"so {len(skipped)} class(es) would have no images",
        f"relabel the classes 0 to {len(present) - 1}, or name every class from 0 to {present[-1]} "
        "with load_image_csv(..., class_names=[...])",
    )


def _first_invalid_utf8_line(path: Path) -> int:
    """Return the line number of the first byte sequence in ``path`` that is not valid UTF-8."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return data[: error.start].count(b"\n") + 1
    return 1


def _one_class_hint(root: Path, class_name: str, presplit: bool) -> str:
    if not presplit and class_name in SPLIT_NAMES:
        other = next(name for name in SPLIT_NAMES if name != class_name)
        return (
            f"a split folder needs both train/ and test/, each with one sub-folder per class: add {root / other}, "
            "or put the class folders directly in the top folder to have them split here"
        )
    return "add a sub-folder with the images of each other class"


def _warn_stray_images(folder: Path) -> None:
    """Warn about image files directly in ``folder``, where they belong to no class and are not loaded."""
    stray = sorted(path for path in folder.iterdir() if path.is_file() and not path.name.startswith(".") and _has_image_suffix(path))
    if stray:
        logger.warning(
            "skipped %d image(s) directly in %s, outside the class sub-folders, for example %s; "
            "move them into the sub-folder of their class to use them",
            len(stray), folder, stray[0].name,
        )


def _dataset_name(path: Path, fallback: str) -> str:
    """Return a name for the data set at ``path`` (a folder's name or a CSV's stem) that is safe in file names."""
    path = path.resolve()
    stem = path.stem if path.is_file() else path.name
    ascii_name = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-._")
    return slug or fallback


def _is_integer(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _build(entries, class_names, source: Path, name: str, test_fraction, seed, presplit: bool) -> GalaxyDatasetDict:
    entries = _drop_duplicate_paths(entries)

    # Open every file once: collect the bad ones, convert the rest, and hash them all.
    # RGB files stay referenced by path. Converted ones are stored as PNG bytes with
    # no path, because datasets' Image feature keeps only the path of an existing
    # file and would drop the converted bytes.
    bad, records, digests, images = [], [], [], []
    for path, label, split in entries:
        image, reason = try_open_image(path)
        if image is None:
            bad.append(BadImage(path, reason))
            continue
        digests.append(sha256_file(path))
        records.append((path, label, split))
        images.append({"path": path, "bytes": None} if image.mode == "RGB" else {"path": None, "bytes": encode_png(to_rgb(image))})
    raise_for_bad_images(bad, str(source))

    records, digests, images = _drop_duplicate_content(records, digests, images)
    converted = sum(item["bytes"] is not None for item in images)
    if converted:
        logger.info("converted %d image(s) from other modes to RGB", converted)

    features = Features({"image": Image(), "label": ClassLabel(names=list(class_names)), "file": Value("string")})
    base = source if source.is_dir() else source.parent

    def dataset_of(indices):
        return Dataset.from_dict(
            {
                "image": [images[i] for i in indices],
                "label": [records[i][1] for i in indices],
                "file": [os.path.relpath(records[i][0], base) for i in indices],
            },
            features=features,
        )

    if presplit:
        splits = {name: dataset_of([i for i, record in enumerate(records) if record[2] == name]) for name in SPLIT_NAMES}
        split_note = f"the user's own split: train {len(splits['train']):,}, test {len(splits['test']):,}"
    else:
        splits = split_train_test(dataset_of(range(len(records))), test_fraction, seed)
        split_note = f"stratified {1 - test_fraction:.0%}/{test_fraction:.0%} train/test split of {len(records):,} images, seed {seed}"

    _warn_missing_classes(splits, class_names)
    provenance = Provenance(
        name=name,
        source=str(source),
        revision=None,
        fingerprint=hash_object([(digest, record[1], record[2]) for digest, record in zip(digests, records)] + [list(class_names)]),
        split=split_note,
        class_names=tuple(class_names),
    )
    return GalaxyDatasetDict.create(splits, provenance)


def _drop_duplicate_paths(entries):
    seen: dict[str, int] = {}
    kept, conflicts = [], []
    for path, label, split in entries:
        key = os.path.realpath(path)
        if key in seen:
            if seen[key] != label:
                conflicts.append(path)
            else:
                logger.warning("file %s is listed more than once; keeping the first entry", path)
            continue
        seen[key] = label
        kept.append((path, label, split))
    if conflicts:
        raise DataError(
            f"{len(conflicts)} file(s) are listed with different labels: {', '.join(conflicts[:10])}",
            "give each file one label",
        )
    return kept


def _drop_duplicate_content(records, digests, images):
    by_digest: dict[str, list[int]] = defaultdict(list)
    for index, digest in enumerate(digests):
        by_digest[digest].append(index)

    conflicts, dropped = [], set()
    for indices in by_digest.values():
        if len(indices) < 2:
            continue
        labels = {records[i][1] for i in indices}
        names = [records[i][0] for i in indices]
        if len(labels) > 1:
            conflicts.append(" = ".join(names))
            continue
        # Identical images in train and test would inflate test scores, so keep one copy.
        logger.warning("identical images, keeping only the first: %s", " = ".join(names))
        dropped.update(indices[1:])

    if conflicts:
        raise DataError(
            f"{len(conflicts)} set(s) of identical images have different labels: {'; '.join(conflicts[:5])}",
            "remove the duplicates or give them one label",
        )
    keep = [i for i in range(len(records)) if i not in dropped]
    return [records[i] for i in keep], [digests[i] for i in keep], [images[i] for i in keep]


def _warn_missing_classes(splits, class_names) -> None:
    for split_name, split in splits.items():
        present = set(split["label"])
        absent = [class_names[i] for i in range(len(class_names)) if i not in present]
        if absent:
            logger.warning("split %r has no images of class(es) %s", split_name, absent)


def _has_image_suffix(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES
