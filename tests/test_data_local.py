"""The user's own images: odd modes and sizes, bad files, CSV labels, duplicates and pre-split folders.

Every image here is synthetic and written to ``tmp_path``.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from galaxy_utils.data import decode_split, load_data, load_image_csv, load_image_folder
from galaxy_utils.errors import DataError


def noise(size=(32, 32), seed=0, mode="RGB") -> Image.Image:
    """Return a random image, different for every seed, so that no two files are identical."""
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "RGBA": 4, "L": 1, "LA": 2, "CMYK": 4}[mode]
    array = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    return Image.fromarray(array[..., 0] if channels == 1 else array, mode=mode)


def write_class_folder(folder: Path, count: int, seed: int, suffix=".png") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"img{index}{suffix}"
        noise(seed=seed * 100 + index).save(path)
        paths.append(path)
    return paths


def mixed_mode_images(seed: int) -> dict[str, Image.Image]:
    """Return one image per Pillow mode that users bring, keyed by file name."""
    rng = np.random.default_rng(seed)
    palette = noise(seed=seed).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    transparent = palette.copy()
    transparent.info["transparency"] = 0
    gradient16 = (np.arange(32 * 32, dtype=np.uint16).reshape(32, 32) * 64).astype(np.uint16)
    return {
        "gray.png": noise(seed=seed + 1, mode="L"),
        "gray_alpha.png": noise(seed=seed + 2, mode="LA"),
        "palette.png": palette,
        "palette_transparent.png": transparent,
        "rgba.png": noise(seed=seed + 3, mode="RGBA"),
        "sixteen_bit.png": Image.fromarray(gradient16 + rng.integers(0, 4, gradient16.shape).astype(np.uint16)),
        "cmyk.jpg": noise(seed=seed + 4, mode="CMYK"),
        "bilevel.png": noise(seed=seed + 5, mode="L").convert("1"),
    }


def all_rows(data):
    for split in ("train", "test"):
        yield from data[split]


def test_folder_mixed_modes_to_rgb(tmp_path):
    for class_name, seed in (("ring", 10), ("smooth", 20)):
        folder = tmp_path / class_name
        folder.mkdir()
        for file_name, image in mixed_mode_images(seed).items():
            image.save(folder / file_name)

    data = load_image_folder(tmp_path, test_fraction=0.25)
    rows = list(all_rows(data))

    assert len(rows) == 16
    for row in rows:
        array = np.asarray(row["image"])
        assert row["image"].mode == "RGB", row["file"]
        assert array.dtype == np.uint8, row["file"]
        assert array.shape == (32, 32, 3), row["file"]


def test_folder_modes_written_as_saved(tmp_path):
    # Check that the synthetic files really are in the modes this suite claims to cover.
    for file_name, image in mixed_mode_images(0).items():
        image.save(tmp_path / file_name)
    modes = {}
    for path in tmp_path.iterdir():
        with Image.open(path) as image:
            modes[path.name] = image.mode

    assert modes == {
        "gray.png": "L", "gray_alpha.png": "LA", "palette.png": "P", "palette_transparent.png": "P",
        "rgba.png": "RGBA", "sixteen_bit.png": "I;16", "cmyk.jpg": "CMYK", "bilevel.png": "1",
    }


def test_transparent_pixels_become_black(tmp_path):
    rgba = np.full((8, 8, 4), 200, dtype=np.uint8)
    rgba[:, :, 3] = 255
    rgba[:4, :, 3] = 0
    for class_name in ("a", "b"):
        (tmp_path / class_name).mkdir()
        for index in range(2):
            array = rgba.copy()
            array[5, index, :3] = 17 * (index + 1) + (class_name == "b")
            Image.fromarray(array, mode="RGBA").save(tmp_path / class_name / f"{index}.png")

    data = load_image_folder(tmp_path, test_fraction=0.5)
    arrays = [np.asarray(row["image"]) for row in all_rows(data)]

    for array in arrays:
        assert (array[:4] == 0).all()
        assert (array[6:] == 200).all()


def test_sixteen_bit_uses_full_range(tmp_path):
    for class_name in ("a", "b"):
        (tmp_path / class_name).mkdir()
        for index in range(2):
            array = np.linspace(1000, 60000 + index + 10 * (class_name == "b"), 64, dtype=np.float64)
            image = Image.fromarray(np.tile(array, (16, 1)).astype(np.uint16))
            assert image.mode == "I;16"
            image.save(tmp_path / class_name / f"{index}.png")

    data = load_image_folder(tmp_path, test_fraction=0.5)

    for row in all_rows(data):
        array = np.asarray(row["image"])
        assert array.min() == 0
        assert array.max() == 255


def test_folder_sizes_tiny_huge_nonsquare(tmp_path):
    folder_a, folder_b = tmp_path / "a", tmp_path / "b"
    folder_a.mkdir()
    folder_b.mkdir()
    noise((16, 16), seed=1).save(folder_a / "tiny.png")
    noise((300, 120), seed=2).save(folder_a / "wide.png")
    noise((90, 250), seed=3).save(folder_b / "tall.png")
    Image.new("RGB", (8000, 8000), (12, 34, 56)).save(folder_b / "huge.jpg", quality=50)

    data = load_image_folder(tmp_path, test_fraction=0.5)
    decoded = [decode_split(data[split], 64) for split in ("train", "test")]
    sizes = {row["file"]: row["image"].size for row in all_rows(data)}

    assert sorted(sizes) == ["a/tiny.png", "a/wide.png", "b/huge.jpg", "b/tall.png"]
    assert sizes["a/tiny.png"] == (16, 16)
    assert sizes["a/wide.png"] == (300, 120)
    assert sizes["b/huge.jpg"] == (8000, 8000)
    for split in decoded:
        assert split.images.shape[1:] == (64, 64, 3)
        assert split.images.dtype == np.uint8


def test_nonsquare_padded_with_black(tmp_path):
    for class_name in ("a", "b"):
        (tmp_path / class_name).mkdir()
        for index in range(2):
            Image.new("RGB", (40, 20), (255, 255 - index, 255 - (class_name == "b"))).save(tmp_path / class_name / f"{index}.png")

    data = load_image_folder(tmp_path, test_fraction=0.5)
    decoded = decode_split(data["train"], 40)

    assert (decoded.images[:, :10] == 0).all()
    assert (decoded.images[:, 30:] == 0).all()
    assert (decoded.images[:, 10:30, :, 0] == 255).all()


def test_bad_files_reported_together(tmp_path):
    write_class_folder(tmp_path / "a", 3, seed=1)
    write_class_folder(tmp_path / "b", 3, seed=2)
    good = tmp_path / "a" / "img0.png"
    (tmp_path / "a" / "truncated.png").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (tmp_path / "a" / "empty.jpg").write_bytes(b"")
    (tmp_path / "b" / "garbage.bmp").write_bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8).tobytes())
    (tmp_path / "b" / "notes.png").write_text("this is a text file, not a PNG\n")

    with pytest.raises(DataError) as caught:
        load_image_folder(tmp_path)

    message = caught.value.message
    assert "4 file(s)" in message
    assert "truncated.png: corrupt or truncated image" in message
    assert "empty.jpg: empty file (0 bytes)" in message
    assert "garbage.bmp: not an image" in message
    assert "notes.png: not an image" in message
    assert "img0.png" not in message


def test_non_image_suffix_skipped(tmp_path, caplog):
    write_class_folder(tmp_path / "a", 2, seed=1)
    write_class_folder(tmp_path / "b", 2, seed=2)
    (tmp_path / "a" / "README.txt").write_text("notes")

    with caplog.at_level(logging.WARNING, logger="galaxy_utils.data.local"):
        data = load_image_folder(tmp_path, test_fraction=0.5)

    assert len(data["train"]) + len(data["test"]) == 4
    assert "README.txt" in caplog.text


def test_empty_class_folder_rejected(tmp_path):
    write_class_folder(tmp_path / "a", 2, seed=1)
    (tmp_path / "b").mkdir()

    with pytest.raises(DataError, match="contain no images") as caught:
        load_image_folder(tmp_path)

    assert str(tmp_path / "b") in caught.value.message


def test_folder_without_classes_rejected(tmp_path):
    noise().save(tmp_path / "loose.png")

    with pytest.raises(DataError, match="no class sub-folders"):
        load_image_folder(tmp_path)


def test_presplit_folders_kept(tmp_path):
    for split, count in (("train", 4), ("test", 2)):
        for class_index, class_name in enumerate(("ring", "smooth")):
            write_class_folder(tmp_path / split / class_name, count, seed=10 * class_index + (split == "test") * 100)

    data = load_image_folder(tmp_path)

    assert len(data["train"]) == 8
    assert len(data["test"]) == 4
    assert all(name.startswith("train/") for name in data["train"]["file"])
    assert all(name.startswith("test/") for name in data["test"]["file"])
    assert data["train"].features["label"].names == ["ring", "smooth"]
    assert "the user's own split" in data.provenance.split


def test_presplit_class_mismatch_rejected(tmp_path):
    write_class_folder(tmp_path / "train" / "ring", 2, seed=1)
    write_class_folder(tmp_path / "train" / "smooth", 2, seed=2)
    write_class_folder(tmp_path / "test" / "ring", 2, seed=3)

    with pytest.raises(DataError, match="different class folders"):
        load_image_folder(tmp_path)


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


@pytest.fixture
def image_files(tmp_path) -> list[str]:
    """Six distinct PNGs in tmp_path/images, as paths relative to tmp_path."""
    paths = write_class_folder(tmp_path / "images", 6, seed=7)
    return [str(path.relative_to(tmp_path)) for path in paths]


def test_csv_integer_labels(tmp_path, image_files):
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", [f"{name},{i % 2}" for i, name in enumerate(image_files)])

    data = load_image_csv(csv_path, test_fraction=0.34)

    assert data["train"].features["label"].names == ["0", "1"]
    assert len(data["train"]) + len(data["test"]) == 6


def test_csv_missing_label_column(tmp_path, image_files):
    csv_path = write_csv(tmp_path / "labels.csv", "file,morphology", [f"{name},0" for name in image_files])

    with pytest.raises(DataError, match="no column") as caught:
        load_image_csv(csv_path)

    assert "label" in caught.value.message
    assert "--label-column" in caught.value.hint


def test_csv_custom_columns(tmp_path, image_files):
    csv_path = write_csv(tmp_path / "labels.csv", "path,morphology", [f"{name},{i % 2}" for i, name in enumerate(image_files)])

    data = load_data(csv_path, file_column="path", label_column="morphology", test_fraction=0.34)

    assert len(data["train"]) + len(data["test"]) == 6


def test_csv_label_out_of_range(tmp_path, image_files):
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", [f"{name},{i % 3}" for i, name in enumerate(image_files)])

    with pytest.raises(DataError, match=r"labels \[2\] are out of range for 2 classes"):
        load_image_csv(csv_path, class_names=("no ring", "ring"))


def test_csv_class_names_name_labels(tmp_path, image_files):
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", [f"{name},{i % 2}" for i, name in enumerate(image_files)])

    data = load_image_csv(csv_path, class_names=("no ring", "ring", "merger"), test_fraction=0.34)

    assert data["train"].features["label"].names == ["no ring", "ring", "merger"]


def test_csv_string_labels_sorted(tmp_path, image_files):
    names = ["spiral", "elliptical", "spiral", "elliptical", "spiral", "elliptical"]
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", [f"{f},{n}" for f, n in zip(image_files, names)])

    data = load_image_csv(csv_path, test_fraction=0.34)
    labels = {row["file"]: row["label"] for row in all_rows(data)}

    assert data["train"].features["label"].names == ["elliptical", "spiral"]
    assert labels[image_files[0]] == 1
    assert labels[image_files[1]] == 0


def test_csv_unknown_string_label(tmp_path, image_files):
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", [f"{name},blob" for name in image_files])

    with pytest.raises(DataError, match="not among the class names"):
        load_image_csv(csv_path, class_names=("elliptical", "spiral"))


def test_csv_empty_label_rejected(tmp_path, image_files):
    rows = [f"{name},{i % 2}" for i, name in enumerate(image_files)]
    rows[3] = f"{image_files[3]},"
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", rows)

    with pytest.raises(DataError, match=r"empty label on line\(s\) \[5\]"):
        load_image_csv(csv_path)


def test_csv_missing_file_rejected(tmp_path, image_files):
    rows = [f"{name},{i % 2}" for i, name in enumerate(image_files)] + ["images/absent.png,0"]
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", rows)

    with pytest.raises(DataError) as caught:
        load_image_csv(csv_path)

    assert "absent.png: file not found" in caught.value.message


def test_csv_same_path_twice_kept_once(tmp_path, image_files, caplog):
    rows = [f"{name},{i % 2}" for i, name in enumerate(image_files)] + [f"{image_files[0]},0"]
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", rows)

    with caplog.at_level(logging.WARNING, logger="galaxy_utils.data.local"):
        data = load_image_csv(csv_path, test_fraction=0.34)

    assert len(data["train"]) + len(data["test"]) == 6
    assert "listed more than once" in caplog.text


def test_csv_same_path_two_labels(tmp_path, image_files):
    rows = [f"{name},{i % 2}" for i, name in enumerate(image_files)] + [f"{image_files[0]},1"]
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", rows)

    with pytest.raises(DataError, match="listed with different labels") as caught:
        load_image_csv(csv_path)

    assert image_files[0] in caught.value.message


def test_identical_content_kept_once(tmp_path, image_files, caplog):
    shutil.copy(tmp_path / image_files[0], tmp_path / "images" / "copy.png")
    rows = [f"{name},{i % 2}" for i, name in enumerate(image_files)] + ["images/copy.png,0"]
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", rows)

    with caplog.at_level(logging.WARNING, logger="galaxy_utils.data.local"):
        data = load_image_csv(csv_path, test_fraction=0.34)
    files = [row["file"] for row in all_rows(data)]

    assert len(files) == 6
    assert "images/copy.png" not in files
    assert "identical images" in caplog.text


def test_identical_content_two_labels(tmp_path, image_files):
    shutil.copy(tmp_path / image_files[0], tmp_path / "images" / "copy.png")
    rows = [f"{name},{i % 2}" for i, name in enumerate(image_files)] + ["images/copy.png,1"]
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", rows)

    with pytest.raises(DataError, match="identical images have different labels") as caught:
        load_image_csv(csv_path)

    assert "copy.png" in caught.value.message


def test_identical_content_across_folders(tmp_path):
    write_class_folder(tmp_path / "a", 3, seed=1)
    write_class_folder(tmp_path / "b", 3, seed=2)
    shutil.copy(tmp_path / "a" / "img0.png", tmp_path / "b" / "same_as_a0.png")

    with pytest.raises(DataError, match="identical images have different labels"):
        load_image_folder(tmp_path)


def test_csv_split_column_kept(tmp_path, image_files):
    rows = [f"{name},{i % 2},{'test' if i >= 4 else 'train'}" for i, name in enumerate(image_files)]
    csv_path = write_csv(tmp_path / "labels.csv", "file,label,split", rows)

    data = load_image_csv(csv_path)

    assert data["train"]["file"] == image_files[:4]
    assert data["test"]["file"] == image_files[4:]


def test_csv_invalid_split_rejected(tmp_path, image_files):
    rows = [f"{name},{i % 2},validate" for i, name in enumerate(image_files)]
    csv_path = write_csv(tmp_path / "labels.csv", "file,label,split", rows)

    with pytest.raises(DataError, match="split 'validate' is invalid"):
        load_image_csv(csv_path)


def test_unknown_dataset_path_rejected(tmp_path):
    with pytest.raises(DataError, match="not a known name") as caught:
        load_data(tmp_path / "nowhere")

    assert "galaxy10-mini" in caught.value.hint


def test_unsupported_file_type_rejected(tmp_path, image_files):
    tsv_path = write_csv(tmp_path / "labels.tsv", "file\tlabel", [f"{name}\t{i % 2}" for i, name in enumerate(image_files)])

    with pytest.raises(DataError) as caught:
        load_data(tsv_path)

    assert caught.value.message == f"unsupported file type .tsv for data set {tsv_path}"
    assert "comma-separated .csv" in caught.value.hint


def test_csv_not_utf8_rejected(tmp_path, image_files):
    lines = ["file,label", *(f"{name},{i % 2}" for i, name in enumerate(image_files)), "images/galaxie-\u00e9.png,0"]
    csv_path = tmp_path / "labels.csv"
    csv_path.write_bytes("\n".join(lines).encode("latin-1"))

    with pytest.raises(DataError) as caught:
        load_image_csv(csv_path)

    assert caught.value.message.startswith(f"{csv_path} is not UTF-8 text: line 8 has an invalid byte")
    assert "save it as UTF-8" in caught.value.hint


def test_csv_mixed_labels_name_odd_rows(tmp_path, image_files):
    rows = [f"{name},{i % 2}" for i, name in enumerate(image_files)]
    rows[2] = f"{image_files[2]},nan"

    with pytest.raises(DataError) as caught:
        load_image_csv(write_csv(tmp_path / "labels.csv", "file,label", rows))

    assert caught.value.message.endswith("label 'nan' on line 4 is not an integer, while the other 5 labels are")
    assert "class names for every label" in caught.value.hint


def test_csv_mixed_labels_name_odd_integer(tmp_path, image_files):
    names = ["spiral", "elliptical", "spiral", "3", "spiral", "elliptical"]
    rows = [f"{name},{label}" for name, label in zip(image_files, names)]

    with pytest.raises(DataError) as caught:
        load_image_csv(write_csv(tmp_path / "labels.csv", "file,label", rows))

    assert caught.value.message.endswith("label '3' on line 5 is an integer, while the other 5 labels are class names")


def test_csv_line_numbers_count_blank_lines(tmp_path, image_files):
    rows = [f"{name},{i % 2}" for i, name in enumerate(image_files)]
    rows.insert(1, "")
    rows[4] = f"{image_files[3]},nan"

    with pytest.raises(DataError, match="'nan' on line 6 is not an integer"):
        load_image_csv(write_csv(tmp_path / "labels.csv", "file,label", rows))


def test_csv_label_gaps_rejected(tmp_path, image_files):
    rows = [f"{name},{5 * (i % 2)}" for i, name in enumerate(image_files)]

    with pytest.raises(DataError) as caught:
        load_image_csv(write_csv(tmp_path / "labels.csv", "file,label", rows))

    assert "labels skip 1, 2, 3, 4: the labels found are 0, 5" in caught.value.message
    assert "relabel the classes 0 to 1" in caught.value.hint
    assert "class_names" in caught.value.hint


def test_csv_label_gaps_named_accepted(tmp_path, image_files):
    rows = [f"{name},{5 * (i % 2)}" for i, name in enumerate(image_files)]
    names = ("smooth", "a", "b", "c", "d", "ring")

    data = load_image_csv(write_csv(tmp_path / "labels.csv", "file,label", rows), class_names=names, test_fraction=0.34)

    assert data["train"].features["label"].names == list(names)


def test_csv_one_class_rejected(tmp_path, image_files):
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", [f"{name},ring" for name in image_files])

    with pytest.raises(DataError) as caught:
        load_image_csv(csv_path)

    assert caught.value.message == f"found 1 class ('ring') in {csv_path}, but a classifier needs at least 2"


def test_folder_one_class_rejected(tmp_path):
    write_class_folder(tmp_path / "ring", 3, seed=1)

    with pytest.raises(DataError) as caught:
        load_image_folder(tmp_path)

    assert caught.value.message == f"found 1 class ('ring') in {tmp_path}, but a classifier needs at least 2"
    assert "each other class" in caught.value.hint


def test_folder_only_train_rejected(tmp_path):
    write_class_folder(tmp_path / "train" / "ring", 2, seed=1)
    write_class_folder(tmp_path / "train" / "smooth", 2, seed=2)

    with pytest.raises(DataError) as caught:
        load_image_folder(tmp_path)

    assert caught.value.message == f"found 1 class ('train') in {tmp_path}, but a classifier needs at least 2"
    assert "a split folder needs both train/ and test/" in caught.value.hint
    assert str(tmp_path / "test") in caught.value.hint


def test_stray_top_level_images_warned(tmp_path, caplog):
    write_class_folder(tmp_path / "a", 2, seed=1)
    write_class_folder(tmp_path / "b", 2, seed=2)
    for index in range(3):
        noise(seed=50 + index).save(tmp_path / f"loose{index}.png")

    with caplog.at_level(logging.WARNING, logger="galaxy_utils.data.local"):
        data = load_image_folder(tmp_path, test_fraction=0.5)

    assert len(data["train"]) + len(data["test"]) == 4
    assert f"skipped 3 image(s) directly in {tmp_path}" in caplog.text


def test_stray_images_presplit_warned(tmp_path, caplog):
    for split in ("train", "test"):
        for class_index, class_name in enumerate(("ring", "smooth")):
            write_class_folder(tmp_path / split / class_name, 2, seed=10 * class_index + (split == "test") * 100)
    noise(seed=77).save(tmp_path / "train" / "loose.png")

    with caplog.at_level(logging.WARNING, logger="galaxy_utils.data.local"):
        load_image_folder(tmp_path)

    assert f"skipped 1 image(s) directly in {tmp_path / 'train'}" in caplog.text


@pytest.mark.parametrize("folder_name, expected", [("my_galaxies", "my_galaxies"), ("g\u00f6\u00f6d folder \u2606", "good-folder"), ("\u2606", "folder")])
def test_folder_dataset_named_after_folder(tmp_path, folder_name, expected):
    write_class_folder(tmp_path / folder_name / "a", 2, seed=1)
    write_class_folder(tmp_path / folder_name / "b", 2, seed=2)

    data = load_image_folder(tmp_path / folder_name, test_fraction=0.5)

    assert data.provenance.name == expected


def test_csv_dataset_named_after_stem(tmp_path, image_files):
    csv_path = write_csv(tmp_path / "labels.csv", "file,label", [f"{name},{i % 2}" for i, name in enumerate(image_files)])

    data = load_image_csv(csv_path, test_fraction=0.34)

    assert data.provenance.name == "labels"
