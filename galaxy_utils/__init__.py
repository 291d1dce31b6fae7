"""galaxy_utils: fine-tune vision foundation models on galaxy images, and measure what they learn.

The package contains the data loaders, the model registry, the fine-tuning loop,
the metrics, the feature embeddings and the plots behind the book's chapters.
"""

__version__ = "0.1.0"
