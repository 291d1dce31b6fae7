"""The registry's entries: checkpoints of the five families, and the tiny offline configurations.

Every entry's facts (id, architecture, preprocessing, head, pretraining,
parameter count) were read from its Hugging Face model page, config or
preprocessor file, from the transformers conversion script of its family, or
from the family's official README. ``source`` names the page, ``confirmed`` is
False where no page for exactly that id was seen, and ``notes`` lists values
set from family defaults. ``in_study`` marks the variants whose Galaxy10 DECaLS
fine-tunes the study's author published (the ``matthieulel`` model cards) or
reported in the study's table: 21 of the study's 27 transformer variants could
be identified this way, plus 8 ConvNeXt V2 CNN baselines.

Parameter counts are the published ones, in millions: the ViT paper (Dosovitskiy
et al. 2021, Table 1), the unilm BEiT README, the Swin Transformer model hub
page, the DINOv2 README and the ConvNeXt V2 README.
"""

from __future__ import annotations

from galaxy_utils.models.registry import ModelSpec, register
from galaxy_utils.models.tiny import tiny_entries
from galaxy_utils.transforms import HALF, IMAGENET_MEAN, IMAGENET_STD, Preprocessing


def _vit_like(size: int) -> Preprocessing:
    # ViT and BEiT processors resize straight to the model size, with mean and std 0.5, bilinear.
    return Preprocessing(size, size, HALF, HALF, "bilinear")


def _imagenet(resize: int, crop: int) -> Preprocessing:
    # SwinV2, DINOv2 and ConvNeXt V2 processors use ImageNet statistics and bicubic resampling.
    return Preprocessing(resize, crop, IMAGENET_MEAN, IMAGENET_STD, "bicubic")


def _entry(name, family, size, *, config, preprocessing, **fields) -> None:
    register(ModelSpec(name=name, family=family, size=size, image_size=preprocessing.crop, config=config, preprocessing=preprocessing, **fields))


for _fields in tiny_entries():
    register(ModelSpec(**_fields))

# vit

_entry(
    "google/vit-base-patch16-224", "vit", "base", params_m=86, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-21k pretraining, then ImageNet-1k fine-tuning at 224x224',
    self_supervised_only=False, preprocessing=_vit_like(224), in_study=False, confirmed=True,
    source='https://huggingface.co/google/vit-base-patch16-224/tree/d82d1a703c7b62a1b399ab4e6d0a49d3a7cd9d82',
    notes='',
    config={"image_size": 224, "patch_size": 16, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "qkv_bias": True},
)
_entry(
    "google/vit-base-patch16-384", "vit", "base", params_m=86, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-21k pretraining, then ImageNet-1k fine-tuning at 384x384',
    self_supervised_only=False, preprocessing=_vit_like(384), in_study=True, confirmed=True,
    source='https://huggingface.co/google/vit-base-patch16-384/tree/36d9fcdc9ee57f4e424ef193c355b14415a36b96',
    notes='',
    config={"image_size": 384, "patch_size": 16, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "qkv_bias": True},
)
_entry(
    "google/vit-base-patch32-384", "vit", "base", params_m=86, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-21k pretraining, then ImageNet-1k fine-tuning at 384x384',
    self_supervised_only=False, preprocessing=_vit_like(384), in_study=True, confirmed=True,
    source='https://huggingface.co/google/vit-base-patch32-384/tree/bc9e73736e41537d3adaa14a50a96b8393440bf1',
    notes="values not seen on a page, set from the family's defaults: qkv_bias",
    config={"image_size": 384, "patch_size": 32, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "qkv_bias": True},
)
_entry(
    "google/vit-large-patch16-224", "vit", "large", params_m=307, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-21k pretraining, then ImageNet-1k fine-tuning at 224x224',
    self_supervised_only=False, preprocessing=_vit_like(224), in_study=True, confirmed=True,
    source='https://huggingface.co/google/vit-large-patch16-224/tree/08f1cf27e8006aab2d85e36f374c24cf7f6be1f3',
    notes="values not seen on a page, set from the family's defaults: qkv_bias",
    config={"image_size": 224, "patch_size": 16, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "qkv_bias": True},
)
_entry(
    "google/vit-large-patch16-384", "vit", "large", params_m=307, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-21k pretraining, then ImageNet-1k fine-tuning at 384x384',
    self_supervised_only=False, preprocessing=_vit_like(384), in_study=False, confirmed=True,
    source='https://huggingface.co/google/vit-large-patch16-384/tree/a3fd9ca49280cf89551d117cade79b89b06dd2ac',
    notes="values not seen on a page, set from the family's defaults: qkv_bias",
    config={"image_size": 384, "patch_size": 16, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "qkv_bias": True},
)
_entry(
    "google/vit-large-patch32-384", "vit", "large", params_m=307, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-21k pretraining, then ImageNet-1k fine-tuning at 384x384',
    self_supervised_only=False, preprocessing=_vit_like(384), in_study=True, confirmed=True,
    source='https://huggingface.co/google/vit-large-patch32-384/tree/748c05b22acb371bc70d8c160e5359703401300c',
    notes='',
    config={"image_size": 384, "patch_size": 32, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "qkv_bias": True},
)
_entry(
    "google/vit-base-patch16-224-in21k", "vit", "base", params_m=86, imagenet_head='ImageNet-21k', head_usable=False,
    pretraining='ImageNet-21k (14M images, 21,843 classes) at 224x224',
    self_supervised_only=False, preprocessing=_vit_like(224), in_study=False, confirmed=True,
    source='https://huggingface.co/google/vit-base-patch16-224-in21k/tree/ef5ff945b52f781330c45a66fbe8548799d1e805',
    notes='ships ViTModel with a pooler; the ImageNet-21k head weights were zeroed before release',
    config={"image_size": 224, "patch_size": 16, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "qkv_bias": True},
)
_entry(
    "google/vit-base-patch32-224-in21k", "vit", "base", params_m=86, imagenet_head='ImageNet-21k', head_usable=False,
    pretraining='ImageNet-21k (14M images, 21,843 classes) at 224x224',
    self_supervised_only=False, preprocessing=_vit_like(224), in_study=True, confirmed=True,
    source='https://huggingface.co/google/vit-base-patch32-224-in21k/tree/8055315495ecff646028e030b558341d19214d8e',
    notes="values not seen on a page, set from the family's defaults: qkv_bias; ships ViTModel with a pooler; the ImageNet-21k head weights were zeroed before release",
    config={"image_size": 224, "patch_size": 32, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "qkv_bias": True},
)
_entry(
    "google/vit-large-patch16-224-in21k", "vit", "large", params_m=307, imagenet_head='ImageNet-21k', head_usable=False,
    pretraining='ImageNet-21k (14M images, 21,843 classes) at 224x224',
    self_supervised_only=False, preprocessing=_vit_like(224), in_study=False, confirmed=True,
    source='https://huggingface.co/google/vit-large-patch16-224-in21k/tree/bb2fcf3bec593e622e6d51d8f7a38656b65b0b5b',
    notes="values not seen on a page, set from the family's defaults: qkv_bias; ships ViTModel with a pooler; the ImageNet-21k head weights were zeroed before release",
    config={"image_size": 224, "patch_size": 16, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "qkv_bias": True},
)
_entry(
    "google/vit-large-patch32-224-in21k", "vit", "large", params_m=307, imagenet_head='ImageNet-21k', head_usable=False,
    pretraining='ImageNet-21k (14M images, 21,843 classes) at 224x224',
    self_supervised_only=False, preprocessing=_vit_like(224), in_study=True, confirmed=True,
    source='https://huggingface.co/google/vit-large-patch32-224-in21k/tree/08f4b293c47f426ddf365ff03a274204d2cd30f0',
    notes="values not seen on a page, set from the family's defaults: qkv_bias; ships ViTModel with a pooler; the ImageNet-21k head weights were zeroed before release",
    config={"image_size": 224, "patch_size": 32, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "qkv_bias": True},
)
_entry(
    "google/vit-huge-patch14-224-in21k", "vit", "huge", params_m=632, imagenet_head='ImageNet-21k', head_usable=False,
    pretraining='ImageNet-21k (14M images, 21,843 classes) at 224x224',
    self_supervised_only=False, preprocessing=_vit_like(224), in_study=True, confirmed=True,
    source='https://huggingface.co/google/vit-huge-patch14-224-in21k/tree/c2a9bf4cabec5d44de0496a28d5df72934dcbce3',
    notes="values not seen on a page, set from the family's defaults: qkv_bias; ships ViTModel with a pooler; the ImageNet-21k head weights were zeroed before release",
    config={"image_size": 224, "patch_size": 14, "hidden_size": 1280, "num_hidden_layers": 32, "num_attention_heads": 16, "intermediate_size": 5120, "qkv_bias": True},
)

# beit

_entry(
    "microsoft/beit-base-patch16-224-pt22k", "beit", "base", params_m=86, imagenet_head=None, head_usable=False,
    pretraining='BEiT masked image modeling (DALL-E tokenizer targets) on ImageNet-22k, 224x224, no labels',
    self_supervised_only=True, preprocessing=_vit_like(224), in_study=True, confirmed=True,
    source='https://huggingface.co/microsoft/beit-base-patch16-224-pt22k/blame/5f915f0160d21ba944a5aa624fb35780f0d73046/config.json',
    notes='ships BeitForMaskedImageModeling; no classification head',
    config={"image_size": 224, "patch_size": 16, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "use_mask_token": True, "use_relative_position_bias": False, "use_shared_relative_position_bias": True, "use_absolute_position_embeddings": False, "use_mean_pooling": True, "layer_scale_init_value": 0.1},
)
_entry(
    "microsoft/beit-large-patch16-224-pt22k", "beit", "large", params_m=304, imagenet_head=None, head_usable=False,
    pretraining='BEiT masked image modeling (DALL-E tokenizer targets) on ImageNet-22k, 224x224, no labels',
    self_supervised_only=True, preprocessing=_vit_like(224), in_study=True, confirmed=True,
    source='https://huggingface.co/microsoft/beit-large-patch16-224-pt22k/blame/main/config.json',
    notes='ships BeitForMaskedImageModeling; no classification head',
    config={"image_size": 224, "patch_size": 16, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "use_mask_token": True, "use_relative_position_bias": False, "use_shared_relative_position_bias": True, "use_absolute_position_embeddings": False, "use_mean_pooling": True, "layer_scale_init_value": 0.1},
)
_entry(
    "microsoft/beit-base-patch16-224-pt22k-ft22k", "beit", "base", params_m=86, imagenet_head='ImageNet-21k', head_usable=True,
    pretraining='MIM on ImageNet-22k, then supervised fine-tuning on ImageNet-22k (21841 classes) at 224',
    self_supervised_only=False, preprocessing=_vit_like(224), in_study=False, confirmed=True,
    source='https://huggingface.co/microsoft/beit-base-patch16-224-pt22k-ft22k/blob/2b3c0cac60bbb265d604a7717ea84fe7ceb7de34/config.json',
    notes='',
    config={"image_size": 224, "patch_size": 16, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "use_mask_token": False, "use_relative_position_bias": True, "use_shared_relative_position_bias": False, "use_absolute_position_embeddings": False, "use_mean_pooling": True, "layer_scale_init_value": 0.1},
)
_entry(
    "microsoft/beit-large-patch16-224-pt22k-ft22k", "beit", "large", params_m=304, imagenet_head='ImageNet-21k', head_usable=True,
    pretraining='MIM on ImageNet-22k, then supervised fine-tuning on ImageNet-22k (21841 classes) at 224',
    self_supervised_only=False, preprocessing=_vit_like(224), in_study=False, confirmed=True,
    source='https://huggingface.co/microsoft/beit-large-patch16-224-pt22k-ft22k/blob/main/config.json',
    notes="values not seen on a page, set from the family's defaults: use_mask_token, use_shared_relative_position_bias, use_absolute_position_embeddings, use_mean_pooling, layer_scale_init_value",
    config={"image_size": 224, "patch_size": 16, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "use_mask_token": False, "use_relative_position_bias": True, "use_shared_relative_position_bias": False, "use_absolute_position_embeddings": False, "use_mean_pooling": True, "layer_scale_init_value": 0.1},
)
_entry(
    "microsoft/beit-base-patch16-224", "beit", "base", params_m=87, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='MIM on ImageNet-22k, supervised ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 224x224 (HF draft card by nielsr for beit-base-patch16-224; believed for the other non-suffixed ids)',
    self_supervised_only=False, preprocessing=_vit_like(224), in_study=False, confirmed=True,
    source='https://huggingface.co/microsoft/beit-base-patch16-224/commits/main/flax_model.msgpack',
    notes="values not seen on a page, set from the family's defaults: use_mask_token, use_shared_relative_position_bias, use_absolute_position_embeddings, use_mean_pooling, layer_scale_init_value",
    config={"image_size": 224, "patch_size": 16, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "use_mask_token": False, "use_relative_position_bias": True, "use_shared_relative_position_bias": False, "use_absolute_position_embeddings": False, "use_mean_pooling": True, "layer_scale_init_value": 0.1},
)
_entry(
    "microsoft/beit-base-patch16-384", "beit", "base", params_m=87, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='MIM on ImageNet-22k, supervised ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 384x384 (HF draft card by nielsr for beit-base-patch16-224; believed for the other non-suffixed ids)',
    self_supervised_only=False, preprocessing=_vit_like(384), in_study=False, confirmed=True,
    source='https://huggingface.co/microsoft/beit-base-patch16-384/commits/main',
    notes="values not seen on a page, set from the family's defaults: use_mask_token, use_shared_relative_position_bias, use_absolute_position_embeddings, use_mean_pooling, layer_scale_init_value",
    config={"image_size": 384, "patch_size": 16, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "use_mask_token": False, "use_relative_position_bias": True, "use_shared_relative_position_bias": False, "use_absolute_position_embeddings": False, "use_mean_pooling": True, "layer_scale_init_value": 0.1},
)
_entry(
    "microsoft/beit-large-patch16-224", "beit", "large", params_m=304, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='MIM on ImageNet-22k, supervised ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 224x224 (HF draft card by nielsr for beit-base-patch16-224; believed for the other non-suffixed ids)',
    self_supervised_only=False, preprocessing=_vit_like(224), in_study=False, confirmed=True,
    source='https://huggingface.co/microsoft/beit-large-patch16-224/commits/d67ffd92cdc9d29462821bad754a8e2273643d0f',
    notes="values not seen on a page, set from the family's defaults: use_mask_token, use_shared_relative_position_bias, use_absolute_position_embeddings, use_mean_pooling, layer_scale_init_value",
    config={"image_size": 224, "patch_size": 16, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "use_mask_token": False, "use_relative_position_bias": True, "use_shared_relative_position_bias": False, "use_absolute_position_embeddings": False, "use_mean_pooling": True, "layer_scale_init_value": 0.1},
)
_entry(
    "microsoft/beit-large-patch16-384", "beit", "large", params_m=305, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='MIM on ImageNet-22k, supervised ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 384x384 (HF draft card by nielsr for beit-base-patch16-224; believed for the other non-suffixed ids)',
    self_supervised_only=False, preprocessing=_vit_like(384), in_study=False, confirmed=True,
    source='https://huggingface.co/microsoft/beit-large-patch16-384/commits/c1f9c8a5747527ef1afdbc832b57b2e19c06a149/preprocessor_config.json',
    notes="values not seen on a page, set from the family's defaults: use_mask_token, use_shared_relative_position_bias, use_absolute_position_embeddings, use_mean_pooling, layer_scale_init_value",
    config={"image_size": 384, "patch_size": 16, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "use_mask_token": False, "use_relative_position_bias": True, "use_shared_relative_position_bias": False, "use_absolute_position_embeddings": False, "use_mean_pooling": True, "layer_scale_init_value": 0.1},
)
_entry(
    "microsoft/beit-large-patch16-512", "beit", "large", params_m=306, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='MIM on ImageNet-22k, supervised ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 512x512 (HF draft card by nielsr for beit-base-patch16-224; believed for the other non-suffixed ids)',
    self_supervised_only=False, preprocessing=_vit_like(512), in_study=False, confirmed=True,
    source='https://huggingface.co/microsoft/beit-large-patch16-512/commits/main',
    notes="values not seen on a page, set from the family's defaults: use_mask_token, use_shared_relative_position_bias, use_absolute_position_embeddings, use_mean_pooling, layer_scale_init_value",
    config={"image_size": 512, "patch_size": 16, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "use_mask_token": False, "use_relative_position_bias": True, "use_shared_relative_position_bias": False, "use_absolute_position_embeddings": False, "use_mean_pooling": True, "layer_scale_init_value": 0.1},
)

# swinv2

_entry(
    "microsoft/swinv2-tiny-patch4-window8-256", "swinv2", "tiny", params_m=28, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-1k at 256x256, window 8',
    self_supervised_only=False, preprocessing=_imagenet(256, 256), in_study=True, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes="values not seen on a page, set from the family's defaults: pretrained_window_sizes, mlp_ratio, qkv_bias, use_absolute_embeddings",
    config={"image_size": 256, "patch_size": 4, "embed_dim": 96, "depths": [2, 2, 6, 2], "num_heads": [3, 6, 12, 24], "window_size": 8, "pretrained_window_sizes": [0, 0, 0, 0], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)
_entry(
    "microsoft/swinv2-tiny-patch4-window16-256", "swinv2", "tiny", params_m=28, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-1k at 256x256, window 16',
    self_supervised_only=False, preprocessing=_imagenet(256, 256), in_study=True, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes="values not seen on a page, set from the family's defaults: pretrained_window_sizes, mlp_ratio, qkv_bias, use_absolute_embeddings",
    config={"image_size": 256, "patch_size": 4, "embed_dim": 96, "depths": [2, 2, 6, 2], "num_heads": [3, 6, 12, 24], "window_size": 16, "pretrained_window_sizes": [0, 0, 0, 0], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)
_entry(
    "microsoft/swinv2-small-patch4-window8-256", "swinv2", "small", params_m=50, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-1k at 256x256, window 8',
    self_supervised_only=False, preprocessing=_imagenet(256, 256), in_study=True, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes="values not seen on a page, set from the family's defaults: pretrained_window_sizes, mlp_ratio, qkv_bias, use_absolute_embeddings",
    config={"image_size": 256, "patch_size": 4, "embed_dim": 96, "depths": [2, 2, 18, 2], "num_heads": [3, 6, 12, 24], "window_size": 8, "pretrained_window_sizes": [0, 0, 0, 0], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)
_entry(
    "microsoft/swinv2-small-patch4-window16-256", "swinv2", "small", params_m=50, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-1k at 256x256, window 16',
    self_supervised_only=False, preprocessing=_imagenet(256, 256), in_study=True, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes="values not seen on a page, set from the family's defaults: pretrained_window_sizes, mlp_ratio, qkv_bias, use_absolute_embeddings",
    config={"image_size": 256, "patch_size": 4, "embed_dim": 96, "depths": [2, 2, 18, 2], "num_heads": [3, 6, 12, 24], "window_size": 16, "pretrained_window_sizes": [0, 0, 0, 0], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)
_entry(
    "microsoft/swinv2-base-patch4-window8-256", "swinv2", "base", params_m=88, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-1k at 256x256, window 8',
    self_supervised_only=False, preprocessing=_imagenet(256, 256), in_study=False, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes='',
    config={"image_size": 256, "patch_size": 4, "embed_dim": 128, "depths": [2, 2, 18, 2], "num_heads": [4, 8, 16, 32], "window_size": 8, "pretrained_window_sizes": [0, 0, 0, 0], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)
_entry(
    "microsoft/swinv2-base-patch4-window16-256", "swinv2", "base", params_m=88, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-1k at 256x256, window 16',
    self_supervised_only=False, preprocessing=_imagenet(256, 256), in_study=True, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes="values not seen on a page, set from the family's defaults: pretrained_window_sizes, mlp_ratio, qkv_bias, use_absolute_embeddings",
    config={"image_size": 256, "patch_size": 4, "embed_dim": 128, "depths": [2, 2, 18, 2], "num_heads": [4, 8, 16, 32], "window_size": 16, "pretrained_window_sizes": [0, 0, 0, 0], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)
_entry(
    "microsoft/swinv2-base-patch4-window12-192-22k", "swinv2", "base", params_m=88, imagenet_head='ImageNet-21k', head_usable=True,
    pretraining='ImageNet-22k at 192x192, window 12',
    self_supervised_only=False, preprocessing=_imagenet(192, 192), in_study=False, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes='',
    config={"image_size": 192, "patch_size": 4, "embed_dim": 128, "depths": [2, 2, 18, 2], "num_heads": [4, 8, 16, 32], "window_size": 12, "pretrained_window_sizes": [0, 0, 0, 0], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)
_entry(
    "microsoft/swinv2-base-patch4-window12to16-192to256-22kto1k-ft", "swinv2", "base", params_m=88, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-22k at 192 (window 12), then ImageNet-1k fine-tuning at 256 (window 16)',
    self_supervised_only=False, preprocessing=_imagenet(256, 256), in_study=True, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes='pretrained_window_sizes [12, 12, 12, 6] is from the conversion script; one older Hub copy of the config shows [0, 0, 0, 0]',
    config={"image_size": 256, "patch_size": 4, "embed_dim": 128, "depths": [2, 2, 18, 2], "num_heads": [4, 8, 16, 32], "window_size": 16, "pretrained_window_sizes": [12, 12, 12, 6], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)
_entry(
    "microsoft/swinv2-base-patch4-window12to24-192to384-22kto1k-ft", "swinv2", "base", params_m=88, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-22k at 192 (window 12), then ImageNet-1k fine-tuning at 384 (window 24)',
    self_supervised_only=False, preprocessing=_imagenet(384, 384), in_study=False, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes="values not seen on a page, set from the family's defaults: mlp_ratio, qkv_bias, use_absolute_embeddings; pretrained_window_sizes [12, 12, 12, 6] is from the conversion script; one older Hub copy of the config shows [0, 0, 0, 0]",
    config={"image_size": 384, "patch_size": 4, "embed_dim": 128, "depths": [2, 2, 18, 2], "num_heads": [4, 8, 16, 32], "window_size": 24, "pretrained_window_sizes": [12, 12, 12, 6], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)
_entry(
    "microsoft/swinv2-large-patch4-window12-192-22k", "swinv2", "large", params_m=197, imagenet_head='ImageNet-21k', head_usable=True,
    pretraining='ImageNet-22k at 192x192, window 12',
    self_supervised_only=False, preprocessing=_imagenet(192, 192), in_study=True, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes="values not seen on a page, set from the family's defaults: pretrained_window_sizes, mlp_ratio, qkv_bias, use_absolute_embeddings",
    config={"image_size": 192, "patch_size": 4, "embed_dim": 192, "depths": [2, 2, 18, 2], "num_heads": [6, 12, 24, 48], "window_size": 12, "pretrained_window_sizes": [0, 0, 0, 0], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)
_entry(
    "microsoft/swinv2-large-patch4-window12to16-192to256-22kto1k-ft", "swinv2", "large", params_m=197, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-22k at 192 (window 12), then ImageNet-1k fine-tuning at 256 (window 16)',
    self_supervised_only=False, preprocessing=_imagenet(256, 256), in_study=False, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes='pretrained_window_sizes [12, 12, 12, 6] is from the conversion script; one older Hub copy of the config shows [0, 0, 0, 0]',
    config={"image_size": 256, "patch_size": 4, "embed_dim": 192, "depths": [2, 2, 18, 2], "num_heads": [6, 12, 24, 48], "window_size": 16, "pretrained_window_sizes": [12, 12, 12, 6], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)
_entry(
    "microsoft/swinv2-large-patch4-window12to24-192to384-22kto1k-ft", "swinv2", "large", params_m=197, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='ImageNet-22k at 192 (window 12), then ImageNet-1k fine-tuning at 384 (window 24)',
    self_supervised_only=False, preprocessing=_imagenet(384, 384), in_study=False, confirmed=True,
    source='https://huggingface.co/models?other=swinv2',
    notes="values not seen on a page, set from the family's defaults: mlp_ratio, qkv_bias, use_absolute_embeddings; pretrained_window_sizes [12, 12, 12, 6] is from the conversion script; one older Hub copy of the config shows [0, 0, 0, 0]",
    config={"image_size": 384, "patch_size": 4, "embed_dim": 192, "depths": [2, 2, 18, 2], "num_heads": [6, 12, 24, 48], "window_size": 24, "pretrained_window_sizes": [12, 12, 12, 6], "mlp_ratio": 4.0, "qkv_bias": True, "use_absolute_embeddings": False},
)

# dinov2

_entry(
    "facebook/dinov2-small", "dinov2", "small", params_m=21, imagenet_head=None, head_usable=False,
    pretraining='DINOv2 self-distillation on LVD-142M (142M images, no labels); distilled from ViT-g/14',
    self_supervised_only=True, preprocessing=_imagenet(256, 224), in_study=True, confirmed=True,
    source='https://huggingface.co/facebook/dinov2-small/blob/108a17696a6b8485b05228f970680d16535c05ea/config.json',
    notes='ships Dinov2Model without a head',
    config={"image_size": 518, "patch_size": 14, "hidden_size": 384, "num_hidden_layers": 12, "num_attention_heads": 6, "mlp_ratio": 4, "use_swiglu_ffn": False, "layerscale_value": 1.0, "qkv_bias": True},
)
_entry(
    "facebook/dinov2-small-imagenet1k-1-layer", "dinov2", "small", params_m=21, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='DINOv2 self-distillation on LVD-142M (142M images, no labels); linear head trained on ImageNet-1k',
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=True, confirmed=True,
    source='https://huggingface.co/facebook/dinov2-small-imagenet1k-1-layer/commits/fc260359ffa1eac48f6d71ea0aa979e4c4ef0955',
    notes='the head reads the CLS token concatenated with the mean patch token (2 x hidden size inputs)',
    config={"image_size": 518, "patch_size": 14, "hidden_size": 384, "num_hidden_layers": 12, "num_attention_heads": 6, "mlp_ratio": 4, "use_swiglu_ffn": False, "layerscale_value": 1.0, "qkv_bias": True},
)
_entry(
    "facebook/dinov2-base", "dinov2", "base", params_m=86, imagenet_head=None, head_usable=False,
    pretraining='DINOv2 self-distillation on LVD-142M (142M images, no labels); distilled from ViT-g/14',
    self_supervised_only=True, preprocessing=_imagenet(256, 224), in_study=True, confirmed=True,
    source='https://huggingface.co/facebook/dinov2-base/blame/main/config.json',
    notes='ships Dinov2Model without a head',
    config={"image_size": 518, "patch_size": 14, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "mlp_ratio": 4, "use_swiglu_ffn": False, "layerscale_value": 1.0, "qkv_bias": True},
)
_entry(
    "facebook/dinov2-base-imagenet1k-1-layer", "dinov2", "base", params_m=86, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='DINOv2 self-distillation on LVD-142M (142M images, no labels); linear head trained on ImageNet-1k',
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=True, confirmed=True,
    source='https://huggingface.co/facebook/dinov2-base-imagenet1k-1-layer/tree/65594bd6ea0be58878d13e1a5305f3db441b1da6',
    notes='the head reads the CLS token concatenated with the mean patch token (2 x hidden size inputs)',
    config={"image_size": 518, "patch_size": 14, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "mlp_ratio": 4, "use_swiglu_ffn": False, "layerscale_value": 1.0, "qkv_bias": True},
)
_entry(
    "facebook/dinov2-large", "dinov2", "large", params_m=300, imagenet_head=None, head_usable=False,
    pretraining='DINOv2 self-distillation on LVD-142M (142M images, no labels); distilled from ViT-g/14',
    self_supervised_only=True, preprocessing=_imagenet(256, 224), in_study=True, confirmed=False,
    source='https://huggingface.co/Xenova/dinov2-large/blame/main/config.json',
    notes='ships Dinov2Model without a head',
    config={"image_size": 518, "patch_size": 14, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "mlp_ratio": 4, "use_swiglu_ffn": False, "layerscale_value": 1.0, "qkv_bias": True},
)
_entry(
    "facebook/dinov2-large-imagenet1k-1-layer", "dinov2", "large", params_m=300, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='DINOv2 self-distillation on LVD-142M (142M images, no labels); linear head trained on ImageNet-1k',
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=False, confirmed=True,
    source='https://huggingface.co/facebook/dinov2-large-imagenet1k-1-layer/commits/de8ede3ebf2cbec8d8b85d9d8a5031049024b562',
    notes='the head reads the CLS token concatenated with the mean patch token (2 x hidden size inputs)',
    config={"image_size": 518, "patch_size": 14, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "mlp_ratio": 4, "use_swiglu_ffn": False, "layerscale_value": 1.0, "qkv_bias": True},
)
_entry(
    "facebook/dinov2-giant", "dinov2", "giant", params_m=1100, imagenet_head=None, head_usable=False,
    pretraining='DINOv2 self-distillation on LVD-142M (142M images, no labels)',
    self_supervised_only=True, preprocessing=_imagenet(256, 224), in_study=False, confirmed=True,
    source='https://huggingface.co/facebook/dinov2-giant/blob/main/config.json',
    notes='ships Dinov2Model without a head',
    config={"image_size": 518, "patch_size": 14, "hidden_size": 1536, "num_hidden_layers": 40, "num_attention_heads": 24, "mlp_ratio": 4, "use_swiglu_ffn": True, "layerscale_value": 1.0, "qkv_bias": True},
)
_entry(
    "facebook/dinov2-giant-imagenet1k-1-layer", "dinov2", "giant", params_m=1100, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='DINOv2 self-distillation on LVD-142M (142M images, no labels); linear head trained on ImageNet-1k',
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=False, confirmed=True,
    source='https://huggingface.co/facebook/dinov2-giant-imagenet1k-1-layer/commits/1475a377e8e64a68086b89e7e5ce0c26a6f8fdee',
    notes='the head reads the CLS token concatenated with the mean patch token (2 x hidden size inputs)',
    config={"image_size": 518, "patch_size": 14, "hidden_size": 1536, "num_hidden_layers": 40, "num_attention_heads": 24, "mlp_ratio": 4, "use_swiglu_ffn": True, "layerscale_value": 1.0, "qkv_bias": True},
)

# convnextv2

_entry(
    "facebook/convnextv2-atto-1k-224", "convnextv2", "atto", params_m=3.7, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='FCMAE on ImageNet-1k, fine-tuned on ImageNet-1k at 224',
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=False, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-atto-1k-224/commits/6cd18c1480044f6fbeaa2383914b729f7132bb91',
    notes='CNN baseline',
    config={"image_size": 224, "depths": [2, 2, 6, 2], "hidden_sizes": [40, 80, 160, 320]},
)
_entry(
    "facebook/convnextv2-femto-1k-224", "convnextv2", "femto", params_m=5.2, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='FCMAE on ImageNet-1k, fine-tuned on ImageNet-1k at 224',
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=True, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-femto-1k-224/discussions',
    notes='CNN baseline',
    config={"image_size": 224, "depths": [2, 2, 6, 2], "hidden_sizes": [48, 96, 192, 384]},
)
_entry(
    "facebook/convnextv2-pico-1k-224", "convnextv2", "pico", params_m=9.1, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='FCMAE on ImageNet-1k, fine-tuned on ImageNet-1k at 224',
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=True, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-pico-1k-224/commits/main',
    notes='CNN baseline',
    config={"image_size": 224, "depths": [2, 2, 6, 2], "hidden_sizes": [64, 128, 256, 512]},
)
_entry(
    "facebook/convnextv2-nano-1k-224", "convnextv2", "nano", params_m=15.6, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='FCMAE on ImageNet-1k, fine-tuned on ImageNet-1k at 224',
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=True, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-nano-1k-224/commits/main',
    notes='CNN baseline',
    config={"image_size": 224, "depths": [2, 2, 8, 2], "hidden_sizes": [80, 160, 320, 640]},
)
_entry(
    "facebook/convnextv2-tiny-1k-224", "convnextv2", "tiny", params_m=28.6, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='FCMAE on ImageNet-1k, fine-tuned on ImageNet-1k at 224',
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=True, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-tiny-1k-224/commits/f1e3c2b67baac62241e55095c41b5df13820c0a6',
    notes='CNN baseline',
    config={"image_size": 224, "depths": [3, 3, 9, 3], "hidden_sizes": [96, 192, 384, 768]},
)
_entry(
    "facebook/convnextv2-base-1k-224", "convnextv2", "base", params_m=89, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='FCMAE on ImageNet-1k, fine-tuned on ImageNet-1k at 224',
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=False, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-base-1k-224/commits/refs%2Fpr%2F1',
    notes='CNN baseline',
    config={"image_size": 224, "depths": [3, 3, 27, 3], "hidden_sizes": [128, 256, 512, 1024]},
)
_entry(
    "facebook/convnextv2-large-1k-224", "convnextv2", "large", params_m=198, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining='FCMAE on ImageNet-1k, fine-tuned on ImageNet-1k at 224',
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=True, confirmed=False,
    source='https://huggingface.co/matthieulel/convnextv2-large-1k-224-finetuned-galaxy10-decals/commit/d8fa9b7756c031dca0542f00f3b4a5bfedf425dc',
    notes='CNN baseline',
    config={"image_size": 224, "depths": [3, 3, 27, 3], "hidden_sizes": [192, 384, 768, 1536]},
)
_entry(
    "facebook/convnextv2-nano-22k-224", "convnextv2", "nano", params_m=15.6, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining="FCMAE pretraining (dataset for the 22k line not confirmed), ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 224 (ConvNeXt-V2 README 'ImageNet-22K fine-tuned models' report ImageNet-1k acc@1)",
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=True, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-nano-22k-224/commits/refs%2Fpr%2F1',
    notes='CNN baseline',
    config={"image_size": 224, "depths": [2, 2, 8, 2], "hidden_sizes": [80, 160, 320, 640]},
)
_entry(
    "facebook/convnextv2-nano-22k-384", "convnextv2", "nano", params_m=15.6, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining="FCMAE pretraining (dataset for the 22k line not confirmed), ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 384 (ConvNeXt-V2 README 'ImageNet-22K fine-tuned models' report ImageNet-1k acc@1)",
    self_supervised_only=False, preprocessing=_imagenet(384, 384), in_study=False, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-nano-22k-384/commits/36219320287a4534e5e3b81af55a6e8018cdaf3a',
    notes='CNN baseline',
    config={"image_size": 384, "depths": [2, 2, 8, 2], "hidden_sizes": [80, 160, 320, 640]},
)
_entry(
    "facebook/convnextv2-tiny-22k-224", "convnextv2", "tiny", params_m=28.6, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining="FCMAE pretraining (dataset for the 22k line not confirmed), ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 224 (ConvNeXt-V2 README 'ImageNet-22K fine-tuned models' report ImageNet-1k acc@1)",
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=True, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-tiny-22k-224/commits/main',
    notes='CNN baseline',
    config={"image_size": 224, "depths": [3, 3, 9, 3], "hidden_sizes": [96, 192, 384, 768]},
)
_entry(
    "facebook/convnextv2-tiny-22k-384", "convnextv2", "tiny", params_m=28.6, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining="FCMAE pretraining (dataset for the 22k line not confirmed), ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 384 (ConvNeXt-V2 README 'ImageNet-22K fine-tuned models' report ImageNet-1k acc@1)",
    self_supervised_only=False, preprocessing=_imagenet(384, 384), in_study=True, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-tiny-22k-384/commits/refs%2Fpr%2F1',
    notes='CNN baseline',
    config={"image_size": 384, "depths": [3, 3, 9, 3], "hidden_sizes": [96, 192, 384, 768]},
)
_entry(
    "facebook/convnextv2-base-22k-224", "convnextv2", "base", params_m=89, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining="FCMAE pretraining (dataset for the 22k line not confirmed), ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 224 (ConvNeXt-V2 README 'ImageNet-22K fine-tuned models' report ImageNet-1k acc@1)",
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=False, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-base-22k-224/blob/5630c4783b8b981e299ed7e0ab365037a0ed6d18/preprocessor_config.json',
    notes='CNN baseline',
    config={"image_size": 224, "depths": [3, 3, 27, 3], "hidden_sizes": [128, 256, 512, 1024]},
)
_entry(
    "facebook/convnextv2-large-22k-224", "convnextv2", "large", params_m=198, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining="FCMAE pretraining (dataset for the 22k line not confirmed), ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 224 (ConvNeXt-V2 README 'ImageNet-22K fine-tuned models' report ImageNet-1k acc@1)",
    self_supervised_only=False, preprocessing=_imagenet(256, 224), in_study=False, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-large-22k-224/commits/main',
    notes='CNN baseline',
    config={"image_size": 224, "depths": [3, 3, 27, 3], "hidden_sizes": [192, 384, 768, 1536]},
)
_entry(
    "facebook/convnextv2-large-22k-384", "convnextv2", "large", params_m=198, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining="FCMAE pretraining (dataset for the 22k line not confirmed), ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 384 (ConvNeXt-V2 README 'ImageNet-22K fine-tuned models' report ImageNet-1k acc@1)",
    self_supervised_only=False, preprocessing=_imagenet(384, 384), in_study=False, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-large-22k-384/commits/9633ad9c15f2eb6aedc8d9fa6a73e0c684736158',
    notes='CNN baseline',
    config={"image_size": 384, "depths": [3, 3, 27, 3], "hidden_sizes": [192, 384, 768, 1536]},
)
_entry(
    "facebook/convnextv2-huge-22k-384", "convnextv2", "huge", params_m=660, imagenet_head='ImageNet-1k', head_usable=True,
    pretraining="FCMAE pretraining (dataset for the 22k line not confirmed), ImageNet-22k intermediate fine-tuning, then ImageNet-1k fine-tuning at 384 (ConvNeXt-V2 README 'ImageNet-22K fine-tuned models' report ImageNet-1k acc@1)",
    self_supervised_only=False, preprocessing=_imagenet(384, 384), in_study=False, confirmed=True,
    source='https://huggingface.co/facebook/convnextv2-huge-22k-384/tree/refs%2Fpr%2F1',
    notes='CNN baseline',
    config={"image_size": 384, "depths": [3, 3, 27, 3], "hidden_sizes": [352, 704, 1408, 2816]},
)
