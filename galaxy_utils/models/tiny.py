"""Tiny offline configurations, one per family, with the real checkpoints' architecture classes.

Each has a few hundred thousand parameters, runs at 64 px on a CPU, and builds
with no Hub access. The sample profile and the tests use them. They start from
random weights, so their scores tell nothing about the pretrained models.
"""

from __future__ import annotations

from galaxy_utils.transforms import HALF, IMAGENET_MEAN, IMAGENET_STD, Preprocessing

TINY_IMAGE_SIZE = 64

_TINY_NOTE = "offline configuration with random weights; for tests and the sample profile only"

# Keyword arguments of each family's transformers config class.
TINY_CONFIGS: dict[str, dict] = {
    "vit": dict(
        image_size=TINY_IMAGE_SIZE, patch_size=8, hidden_size=96, num_hidden_layers=3,
        num_attention_heads=3, intermediate_size=192, qkv_bias=True,
    ),
    # The flags of the BEiT -pt22k checkpoints: a relative position bias shared
    # by all layers, layer scale, and mean pooling for classification.
    "beit": dict(
        image_size=TINY_IMAGE_SIZE, patch_size=8, hidden_size=96, num_hidden_layers=3,
        num_attention_heads=3, intermediate_size=192, use_absolute_position_embeddings=False,
        use_relative_position_bias=False, use_shared_relative_position_bias=True,
        layer_scale_init_value=0.1, use_mean_pooling=True, drop_path_rate=0.0,
    ),
    "swinv2": dict(
        image_size=TINY_IMAGE_SIZE, patch_size=4, embed_dim=48, depths=[2, 2], num_heads=[3, 6],
        window_size=4, mlp_ratio=2.0,
    ),
    "dinov2": dict(
        image_size=TINY_IMAGE_SIZE, patch_size=8, hidden_size=96, num_hidden_layers=3,
        num_attention_heads=3, mlp_ratio=2, layerscale_value=1.0,
    ),
    "convnextv2": dict(
        image_size=TINY_IMAGE_SIZE, patch_size=4, num_channels=3, hidden_sizes=[16, 32, 64, 128], depths=[1, 1, 2, 1],
    ),
}

# The tiny twins keep their families' preprocessing: DINOv2 and ConvNeXt V2 resize
# then centre-crop (ratio 224/256) with ImageNet statistics, the others resize only.
TINY_PREPROCESSING: dict[str, Preprocessing] = {
    "vit": Preprocessing(TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, HALF, HALF, "bilinear"),
    "beit": Preprocessing(TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, HALF, HALF, "bicubic"),
    "swinv2": Preprocessing(TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, IMAGENET_MEAN, IMAGENET_STD, "bicubic"),
    "dinov2": Preprocessing(73, TINY_IMAGE_SIZE, IMAGENET_MEAN, IMAGENET_STD, "bicubic"),
    "convnextv2": Preprocessing(73, TINY_IMAGE_SIZE, IMAGENET_MEAN, IMAGENET_STD, "bicubic"),
}


# Parameter counts in millions with a 10-class head, checked by the tests.
TINY_PARAMS_M = {"vit": 0.25, "beit": 0.245, "swinv2": 0.225, "dinov2": 0.252, "convnextv2": 0.272}


def tiny_entries() -> list[dict]:
    """Return the registry fields of the tiny configurations."""
    return [
        dict(
            name=f"tiny-{family}",
            family=family,
            size="tiny",
            image_size=TINY_IMAGE_SIZE,
            params_m=TINY_PARAMS_M[family],
            imagenet_head=None,
            head_usable=False,
            pretraining="none (random weights)",
            self_supervised_only=False,
            config=config,
            preprocessing=TINY_PREPROCESSING[family],
            confirmed=True,
            source="galaxy_utils.models.tiny",
            tiny=True,
            notes=_TINY_NOTE,
        )
        for family, config in TINY_CONFIGS.items()
    ]
