"""Class names of the galaxy data sets, in the order of their integer labels."""

from __future__ import annotations

# Galaxy10 DECaLS (Leung & Bovy, astroNN): the order of the `ans` labels.
GALAXY10_CLASSES: tuple[str, ...] = (
    "Disturbed",
    "Merging",
    "Round Smooth",
    "In-between Round Smooth",
    "Cigar Shaped Smooth",
    "Barred Spiral",
    "Unbarred Tight Spiral",
    "Unbarred Loose Spiral",
    "Edge-on without Bulge",
    "Edge-on with Bulge",
)

# GalaxyMNIST (Walmsley): the order of its `labels`.
GALAXY_MNIST_CLASSES: tuple[str, ...] = (
    "smooth_round",
    "smooth_cigar",
    "edge_on_disk",
    "unbarred_spiral",
)

# The decals-rings sample: Galaxy Zoo DECaLS ring votes, thresholded by zoobot.
RING_CLASSES: tuple[str, ...] = ("no ring", "ring")
