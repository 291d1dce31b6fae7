"""The results store: one JSON file per run, keyed by a hash of everything that defines it.

A run whose valid result exists is not recomputed unless forced. Each file is
written atomically, so a crash during a write leaves the previous file intact.
A file that is corrupt, truncated, of another schema, or whose content does not
hash to its key is moved aside and recomputed, never trusted. Results of other
library versions or another data revision have other keys, so they are never
reused; the store logs that they exist.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path

from galaxy_utils.finetune.result import SCHEMA_VERSION, FineTuneResult
from galaxy_utils.io import atomic_write_json, hash_object

logger = logging.getLogger(__name__)


def run_key(run: dict) -> str:
    """Return the SHA-256 of a run definition's canonical JSON."""
    return hash_object(run)


def run_family_key(run: dict) -> str:
    """Return the hash of a run definition without its library versions.

    Two results with the same family key differ only by library versions.
    """
    return hash_object({key: value for key, value in run.items() if key != "versions"})


class ResultStore:
    """A directory of fine-tune results.

    Parameters
    ----------
    root : path-like
        The results directory. Results go in ``root/*.json``, model checkpoints
        in ``root/runs/<key>/``.
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path_for(self, run: dict) -> Path:
        """Return the JSON path of a run: a readable slug and the key's first 16 characters."""
        slug = re.sub(r"[^A-Za-z0-9.]+", "-", f"{run['model']}-{run['strategy']}-{run['head']}-{run['data']['name']}").strip("-")
        return self.root / f"{slug}-{run_key(run)[:16]}.json"

    def run_dir(self, run: dict) -> Path:
        """Return the directory of a run's checkpoints and model."""
        return self.root / "runs" / run_key(run)[:16]

    def load(self, run: dict) -> FineTuneResult | None:
        """Return the stored result of ``run``, or None when absent or invalid."""
        path = self.path_for(run)
        if not path.is_file():
            self._log_other_versions(run)
            return None

        problem = None
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            problem = f"unreadable JSON ({error})"
        else:
            problem = _validate(data, run)
        if problem is not None:
            self._quarantine(path, problem)
            return None

        result = FineTuneResult.from_dict(data)
        result.result_path = str(path)
        result.reused = True
        return result

    def save(self, result: FineTuneResult) -> Path:
        """Write a result atomically and return its path."""
        path = self.path_for(result.run)
        result.created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        result.result_path = str(path)
        atomic_write_json(path, result.to_dict())
        logger.info("wrote %s", path)
        return path

    def results(self) -> list[FineTuneResult]:
        """Return every valid result in the store."""
        found = []
        for path in sorted(self.root.glob("*.json")):
            try:
                data = json.loads(path.read_text())
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                continue
            if _validate(data, data.get("run", {})) is None:
                result = FineTuneResult.from_dict(data)
                result.result_path = str(path)
                found.append(result)
        return found

    def _quarantine(self, path: Path, problem: str) -> None:
        aside = path.with_name(f"{path.name}.invalid-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(path, aside)
        logger.warning("result %s is invalid (%s); moved it to %s and recomputing", path, problem, aside.name)

    def _log_other_versions(self, run: dict) -> None:
        family = run_family_key(run)
        for path in self.root.glob("*.json"):
            try:
                other = json.loads(path.read_text()).get("run", {})
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                continue
            if other and other != run and run_family_key(other) == family:
                logger.info(
                    "a result of the same run with other library versions exists (%s: %s); not reusing it",
                    path.name, other.get("versions"),
                )
                return


def _validate(data, run: dict) -> str | None:
    if not isinstance(data, dict):
        return "not a JSON object"
    if data.get("schema") != SCHEMA_VERSION:
        return f"schema {data.get('schema')!r}, expected {SCHEMA_VERSION}"
    missing = [key for key in ("key", "run", "metrics", "predictions", "checkpoint") if key not in data]
    if missing:
        return f"missing fields {missing}"
    if data["run"] != run:
        return "its run definition differs from the requested one"
    if data["key"] != run_key(data["run"]):
        return "its key does not match its content"
    for name in ("accuracy", "macro_f1", "weighted_f1"):
        value = data["metrics"].get(name)
        if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            return f"metric {name} is {value!r}"
    return None
