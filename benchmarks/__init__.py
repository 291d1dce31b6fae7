"""Benchmarks of galaxy_utils: throughput, head training, t-SNE, the sample profile and the paper estimate.

Run each from the repository root as a module, for example
``python -m benchmarks.throughput --help``. BENCHMARKS.md records the figures.
"""
