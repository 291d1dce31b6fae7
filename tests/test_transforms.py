"""Augmentation and preprocessing on the device, and head training on cached features."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from galaxy_utils.errors import ConfigError
from galaxy_utils.features import extract_features
from galaxy_utils.models import FAMILIES, build_classifier
from galaxy_utils.transforms import (
    AUGMENTATIONS,
    HALF,
    IMAGENET_MEAN,
    IMAGENET_STD,
    Augmentation,
    Preprocessing,
    get_augmentation,
    preprocess_batch,
    sample_affine,
)

# Mean 0 and std 1 leave pixel values at x / 255, so outputs compare with the input directly.
PLAIN = (0.0, 0.0, 0.0)
UNIT = (1.0, 1.0, 1.0)


def random_images(n: int, size: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, size, size, 3), dtype=torch.uint8, generator=generator)


def dihedral_images(image: torch.Tensor) -> list[torch.Tensor]:
    """Return the 8 flips and quarter turns of a (3, height, width) image."""
    mirrored = image.flip(2)
    return [torch.rot90(image, k, (1, 2)) for k in range(4)] + [torch.rot90(mirrored, k, (1, 2)) for k in range(4)]


@pytest.mark.parametrize("size", [8, 31, 64])
def test_dihedral_equals_rot90_flip(size):
    images = random_images(64, size, seed=size)
    preprocessing = Preprocessing(size, size, PLAIN, UNIT)
    generator = torch.Generator().manual_seed(1)

    output = preprocess_batch(images, preprocessing, AUGMENTATIONS["dihedral"], generator=generator)
    inputs = images.permute(0, 3, 1, 2).float() / 255.0
    matched = []
    for index in range(len(images)):
        candidates = dihedral_images(inputs[index])
        matches = [k for k, candidate in enumerate(candidates) if torch.equal(output[index], candidate)]
        assert len(matches) == 1, f"image {index} matches {matches} of the 8 dihedral images"
        matched.append(matches[0])

    assert sorted(set(matched)) == list(range(8))


def test_dihedral_keeps_pixel_values():
    images = random_images(16, 24)
    preprocessing = Preprocessing(24, 24, PLAIN, UNIT)

    output = preprocess_batch(images, preprocessing, AUGMENTATIONS["dihedral"], generator=torch.Generator().manual_seed(0))
    values = torch.round(output * 255.0)

    assert torch.equal(values, output * 255.0)
    assert torch.equal(values.sum(dim=(2, 3)), images.permute(0, 3, 1, 2).double().sum(dim=(2, 3)).float())


def test_same_seed_same_images():
    images = random_images(8, 64)
    preprocessing = Preprocessing(73, 64, IMAGENET_MEAN, IMAGENET_STD, "bicubic")
    augmentation = get_augmentation("galaxy")

    first = preprocess_batch(images, preprocessing, augmentation, generator=torch.Generator().manual_seed(7))
    second = preprocess_batch(images, preprocessing, augmentation, generator=torch.Generator().manual_seed(7))
    third = preprocess_batch(images, preprocessing, augmentation, generator=torch.Generator().manual_seed(8))

    assert torch.equal(first, second)
    assert not torch.equal(first, third)


def test_global_seed_same_images():
    images = random_images(4, 32)
    preprocessing = Preprocessing(32, 32)
    augmentation = get_augmentation("galaxy")

    torch.manual_seed(3)
    first = preprocess_batch(images, preprocessing, augmentation)
    torch.manual_seed(3)
    second = preprocess_batch(images, preprocessing, augmentation)

    assert torch.equal(first, second)


def test_none_augmentation_centre_crop():
    images = random_images(2, 10)
    preprocessing = Preprocessing(10, 6, PLAIN, UNIT)

    output = preprocess_batch(images, preprocessing, get_augmentation("none"))
    expected = images[:, 2:8, 2:8].permute(0, 3, 1, 2).float() / 255.0

    assert output.shape == (2, 3, 6, 6)
    assert torch.equal(output, expected)


def test_normalisation_applied():
    images = torch.full((1, 4, 4, 3), 255, dtype=torch.uint8)

    output = preprocess_batch(images, Preprocessing(4, 4, HALF, HALF))

    assert torch.equal(output, torch.ones(1, 3, 4, 4))


def test_affine_identity_draw():
    theta = sample_affine(5, get_augmentation("none"), 1.0, torch.Generator().manual_seed(0))
    identity = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).expand(5, 2, 3)

    assert torch.equal(theta, identity)


def test_affine_crop_scale_bounds():
    augmentation = Augmentation(dihedral=False, max_rotation=0.0, min_crop=0.5)

    theta = sample_affine(500, augmentation, 0.8, torch.Generator().manual_seed(0))
    scale = theta[:, 0, 0]

    assert scale.min() >= 0.4 - 1e-6
    assert scale.max() <= 0.8 + 1e-6
    assert (theta[:, :, 2].abs() <= (1.0 - scale)[:, None] + 1e-6).all()


def test_bad_batch_rejected():
    with pytest.raises(ConfigError, match="uint8 batch"):
        preprocess_batch(torch.zeros(1, 3, 8, 8), Preprocessing(8, 8))


def test_bad_augmentation_rejected():
    with pytest.raises(ConfigError, match="min_crop"):
        Augmentation(min_crop=0.0)
    with pytest.raises(ConfigError, match="unknown augmentation"):
        get_augmentation("mixup")


def test_processor_settings_read():
    from transformers import BitImageProcessor, ViTImageProcessor

    vit = Preprocessing.from_image_processor(ViTImageProcessor(size={"height": 384, "width": 384}))
    dinov2 = Preprocessing.from_image_processor(
        BitImageProcessor(size={"shortest_edge": 256}, crop_size={"height": 224, "width": 224}, do_center_crop=True,
                          image_mean=list(IMAGENET_MEAN), image_std=list(IMAGENET_STD), resample=3)
    )

    assert vit == Preprocessing(384, 384, HALF, HALF, "bilinear")
    assert dinov2 == Preprocessing(256, 224, IMAGENET_MEAN, IMAGENET_STD, "bicubic")


@pytest.mark.gpu
def test_cuda_matches_cpu():
    images = random_images(8, 64)
    preprocessing = Preprocessing(73, 64, IMAGENET_MEAN, IMAGENET_STD, "bicubic")
    theta = sample_affine(8, get_augmentation("galaxy"), 64 / 73, torch.Generator().manual_seed(0))

    on_cpu = preprocess_batch(images, preprocessing, theta=theta)
    on_gpu = preprocess_batch(images.cuda(), preprocessing, theta=theta).cpu()

    assert torch.allclose(on_cpu, on_gpu, atol=1e-4)


@pytest.mark.gpu
def test_cuda_dihedral_exact():
    images = random_images(8, 64)
    preprocessing = Preprocessing(64, 64, PLAIN, UNIT)
    theta = sample_affine(8, get_augmentation("dihedral"), 1.0, torch.Generator().manual_seed(0))

    on_cpu = preprocess_batch(images, preprocessing, theta=theta)
    on_gpu = preprocess_batch(images.cuda(), preprocessing, theta=theta).cpu()

    assert torch.equal(on_cpu, on_gpu)


@pytest.mark.parametrize("family", FAMILIES)
def test_cached_features_give_same_logits(family):
    classifier = build_classifier(f"tiny-{family}", num_labels=4, strategy="head", head="mlp1").eval()
    images = random_images(6, 80, seed=2)

    with torch.no_grad():
        logits = classifier(images).logits
        features = torch.from_numpy(extract_features(classifier, images.numpy(), batch_size=4, device="cpu"))
        from_features = classifier.head(features)

    assert features.shape == (6, classifier.head.layers[0].in_features)
    assert torch.allclose(logits, from_features, rtol=1e-5, atol=1e-6)


def test_extract_features_restores_mode():
    classifier = build_classifier("tiny-vit", num_labels=2).train()

    extract_features(classifier, np.zeros((2, 64, 64, 3), dtype=np.uint8), device="cpu")

    assert classifier.training
    assert not classifier.head.features_only
