"""t-SNE wall time: openTSNE (the library's ``embed``) against scikit-learn's TSNE, with UMAP beside them.

Real Galaxy10 DECaLS features need the Hugging Face Hub, so the input is a
seeded synthetic stand-in of the same shape: 17,736 vectors of 768 float32
values (the pooled feature size of a base ViT), drawn from a mixture of 10
isotropic Gaussian clusters with Galaxy10 DECaLS's class counts.

Both t-SNE runs use perplexity 30, PCA initialisation, 250 early-exaggeration
iterations at exaggeration 12, and 750 iterations in all: openTSNE's
defaults, with scikit-learn's ``max_iter`` set to match. The quality column is
the share of points whose 10 nearest neighbours in the 2-D map mostly carry
their own cluster label.

Example (full size for openTSNE and UMAP, scikit-learn on a subset)::

    python -m benchmarks.tsne --sklearn-n 4000
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time

import numpy as np

from benchmarks.common import command_line, describe_machine, write_json

logger = logging.getLogger("benchmarks.tsne")

# Images per class of Galaxy10 DECaLS, in label order (henrysky/Galaxy10 README).
GALAXY10_COUNTS = (1081, 1853, 2645, 2027, 334, 2043, 1829, 2628, 1423, 1873)
FEATURES = 768
CLUSTER_SPREAD = 0.25  # standard deviation of the cluster centres per dimension; the noise has 1
METHODS = ("opentsne", "sklearn", "umap")
TSNE_ITERATIONS = 750
EXAGGERATION_ITERATIONS = 250


def synthetic_features(n: int, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Return ``n`` float32 vectors of 768 values from a 10-cluster Gaussian mixture, and their cluster labels.

    The full 17,736-vector set is drawn first, and a seeded random subset of
    ``n`` is returned, so smaller sets are samples of the same mixture.
    """
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(GALAXY10_COUNTS)), GALAXY10_COUNTS)
    centres = rng.normal(0.0, CLUSTER_SPREAD, size=(len(GALAXY10_COUNTS), FEATURES))
    features = (centres[labels] + rng.normal(0.0, 1.0, size=(len(labels), FEATURES))).astype(np.float32)
    if n > len(labels):
        raise SystemExit(f"--n {n} is larger than the {len(labels)} vectors of the mixture")
    index = np.sort(rng.choice(len(labels), n, replace=False))
    return features[index], labels[index]


def neighbour_agreement(embedding: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Return the share of points whose ``k`` nearest neighbours in the map mostly share their label."""
    from sklearn.neighbors import NearestNeighbors

    _, index = NearestNeighbors(n_neighbors=k + 1).fit(embedding).kneighbors(embedding)
    neighbour_labels = labels[index[:, 1:]]
    votes = np.apply_along_axis(np.bincount, 1, neighbour_labels, minlength=labels.max() + 1)
    return float((votes.argmax(axis=1) == labels).mean())


def run_method(method: str, features: np.ndarray, seed: int) -> tuple[np.ndarray, dict]:
    """Embed ``features`` with one method; return the map and details of the run."""
    if method == "opentsne":
        from galaxy_utils.embeddings import embed

        return embed(features, "tsne", seed=seed), {"iterations": TSNE_ITERATIONS}
    if method == "umap":
        from galaxy_utils.embeddings import embed

        return embed(features, "umap", seed=seed), {}
    from sklearn.manifold import TSNE

    tsne = TSNE(
        n_components=2, perplexity=30.0, early_exaggeration=12.0, learning_rate="auto", max_iter=TSNE_ITERATIONS,
        init="pca", random_state=seed, n_jobs=-1, method="barnes_hut",
    )
    embedding = tsne.fit_transform(features)
    return embedding.astype(np.float32), {"iterations": int(tsne.n_iter_)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=sum(GALAXY10_COUNTS), help="vectors for openTSNE and UMAP (default: 17,736)")
    parser.add_argument("--sklearn-n", type=int, help="vectors for scikit-learn (default: --n); openTSNE also runs at this size for an equal-size ratio")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset of opentsne, sklearn, umap")
    parser.add_argument("--seed", type=int, default=42, help="seed of the data and of every method (default: 42)")
    parser.add_argument("--repeats", type=int, default=1, help="rounds of all runs; the median time is reported (default: 1)")
    parser.add_argument("--output", default="benchmarks/out/tsne.json", help="results JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    methods = [name.strip() for name in args.methods.split(",") if name.strip()]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise SystemExit(f"unknown method(s) {unknown}; use some of {', '.join(METHODS)}")
    sklearn_n = args.sklearn_n or args.n

    jobs = [(method, sklearn_n if method == "sklearn" else args.n) for method in methods]
    if "sklearn" in methods and "opentsne" in methods and sklearn_n != args.n:
        jobs.insert(methods.index("sklearn"), ("opentsne", sklearn_n))

    results = {
        "kind": "tsne",
        "command": command_line(),
        "machine": describe_machine("cpu"),
        "data": f"synthetic: 10-cluster Gaussian mixture, {FEATURES} float32 features, Galaxy10 DECaLS class counts, "
        f"centre spread {CLUSTER_SPREAD}, unit noise, seed {args.seed}",
        "runs": [],
    }
    for repeat, (method, n) in ((repeat, job) for repeat in range(args.repeats) for job in jobs):
        features, labels = synthetic_features(n, args.seed)
        started = time.perf_counter()
        embedding, details = run_method(method, features, args.seed)
        wall_s = time.perf_counter() - started
        record = {"method": method, "n": n, "repeat": repeat, "features": FEATURES, "wall_s": round(wall_s, 2), **details,
                  "neighbour_agreement": round(neighbour_agreement(embedding, labels), 4),
                  "load_average_1m": round(os.getloadavg()[0], 2)}
        results["runs"].append(record)
        print(f"{method:9s} n={n:6d} round {repeat}  {wall_s:8.1f} s  10-NN label agreement {record['neighbour_agreement']:.3f}", flush=True)
        write_json(args.output, results)

    times: dict[tuple[str, int], list[float]] = {}
    for run in results["runs"]:
        times.setdefault((run["method"], run["n"]), []).append(run["wall_s"])
    results["median_wall_s"] = {f"{method}@{n}": statistics.median(values) for (method, n), values in times.items()}
    if ("sklearn", sklearn_n) in times and ("opentsne", sklearn_n) in times:
        ratio = statistics.median(times[("sklearn", sklearn_n)]) / statistics.median(times[("opentsne", sklearn_n)])
        results["sklearn_over_opentsne"] = round(ratio, 2)
        print(f"scikit-learn / openTSNE median wall time at n={sklearn_n}: {ratio:.1f}x")
    write_json(args.output, results)
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
