"""Time the ``sample`` profile end to end: ``galaxy-book all --profile sample`` (run and build) on the real samples.

The command runs in the project root with a fresh results directory, so no
stored result is reused, under ``/usr/bin/time -v`` when it exists. The
per-chapter wall time and peak memory come from ``_build/source/run_log.json``
(only the entries finished during this run), and the total wall time and peak
resident memory from ``/usr/bin/time``. The peak is that of the largest single
process (``galaxy-book`` or one chapter's kernel), not a sum. The per-chapter
peak is the largest kernel so far, because ``galaxy-book`` reads it from
``RUSAGE_CHILDREN``. The target is at most 10 minutes on 2 CPU cores.

Example::

    GALAXY_UTILS_DATA_DIR=/path/to/data python -m benchmarks.sample_profile
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import command_line, describe_machine, write_json

ROOT = Path(__file__).resolve().parent.parent
RUN_LOG = Path("_build") / "source" / "run_log.json"
TARGET_S = 600
TIME_FIELDS = {
    "wall_clock": "Elapsed (wall clock) time (h:mm:ss or m:ss)",
    "max_rss_kib": "Maximum resident set size (kbytes)",
    "user_s": "User time (seconds)",
    "system_s": "System time (seconds)",
}


def galaxy_book_command() -> list[str]:
    """Return the ``galaxy-book`` entry point of this interpreter's environment, or ``python -m galaxy_utils.cli``."""
    beside = Path(sys.executable).parent / "galaxy-book"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("galaxy-book")
    return [found] if found else [sys.executable, "-m", "galaxy_utils.cli"]


def parse_time_report(text: str) -> dict:
    """Read wall time, peak resident memory and CPU seconds from GNU time's ``-v`` report."""
    values = {}
    for key, label in TIME_FIELDS.items():
        match = re.search(re.escape(label) + r":\s*(\S+)", text)
        if match:
            values[key] = match.group(1)
    result = {}
    if "wall_clock" in values:
        parts = [float(part) for part in values["wall_clock"].split(":")]
        result["wall_s"] = sum(part * 60**index for index, part in enumerate(reversed(parts)))
    if "max_rss_kib" in values:
        result["peak_rss_mib"] = int(values["max_rss_kib"]) / 1024
    for key in ("user_s", "system_s"):
        if key in values:
            result[key] = float(values[key])
    return result


def chapters_since(log_path: Path, started_utc: datetime.datetime) -> dict:
    """Return the run log's chapter entries that finished at or after ``started_utc``."""
    if not log_path.is_file():
        return {}
    log = json.loads(log_path.read_text())
    since = started_utc.strftime("%Y-%m-%d %H:%M:%S")
    return {name: entry for name, entry in log.get("chapters", {}).items() if entry.get("finished", "") >= since}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="local copy of the samples (default: $GALAXY_UTILS_DATA_DIR)")
    parser.add_argument("--root", default=str(ROOT), help="project root holding _config.yml and notebooks/ (default: this repository)")
    parser.add_argument("--results-dir", help="results store to fill (default: a new temporary folder, removed afterwards)")
    parser.add_argument("--output", default="benchmarks/out/sample_profile.json", help="results JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status of ``galaxy-book``."""
    args = _parser().parse_args(argv)
    data_dir = args.data_dir or os.environ.get("GALAXY_UTILS_DATA_DIR")
    if not data_dir:
        print("error: no sample data directory; pass --data-dir or set GALAXY_UTILS_DATA_DIR", file=sys.stderr)
        return 2
    root = Path(args.root).resolve()
    results_dir = Path(args.results_dir) if args.results_dir else Path(tempfile.mkdtemp(prefix="sample-profile-results-"))
    if results_dir.exists() and any(results_dir.iterdir()):
        print(f"error: results directory {results_dir} is not empty; give a new one so that no stored result is reused", file=sys.stderr)
        return 2

    command = [*galaxy_book_command(), "all", "--profile", "sample", "--data", str(Path(data_dir).resolve()),
               "--results-dir", str(results_dir), "--root", str(root)]
    gnu_time = Path("/usr/bin/time")
    time_report = Path(tempfile.mkstemp(prefix="sample-profile-time-", suffix=".txt")[1])
    if gnu_time.is_file():
        command = [str(gnu_time), "-v", "-o", str(time_report), *command]
    environment = os.environ | {"GALAXY_UTILS_DATA_DIR": str(Path(data_dir).resolve()), "HF_HUB_OFFLINE": "1"}

    print("running: " + " ".join(command), flush=True)
    machine = describe_machine("cpu")
    started_utc = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=root, env=environment)
    wall_s = time.perf_counter() - started

    report = parse_time_report(time_report.read_text()) if gnu_time.is_file() else {}
    time_report.unlink(missing_ok=True)
    chapters = chapters_since(root / RUN_LOG, started_utc)
    if not args.results_dir:
        shutil.rmtree(results_dir, ignore_errors=True)

    results = {
        "kind": "sample_profile",
        "command": command_line(),
        "galaxy_book": " ".join(command),
        "machine": machine,
        "exit_status": completed.returncode,
        "wall_s": round(wall_s, 1),
        "time_v": report or "not available (/usr/bin/time missing)",
        "chapters": {name: {key: entry.get(key) for key in ("chapter", "status", "seconds", "peak_memory_mib")} for name, entry in chapters.items()},
        "target_s": TARGET_S,
    }
    write_json(args.output, results)

    print(f"\n{'chapter':28s} {'status':7s} {'seconds':>8s} {'peak MiB':>9s}")
    for name, entry in sorted(chapters.items(), key=lambda item: item[1].get("chapter", 0)):
        memory = entry.get("peak_memory_mib")
        print(f"{entry.get('chapter', '?')}. {name:25s} {entry.get('status', '?'):7s} {entry.get('seconds', 0):8.1f} "
              f"{memory if memory is None else round(memory):>9}")
    peak = report.get("peak_rss_mib")
    print(f"total: {wall_s:.0f} s (target {TARGET_S} s: {'met' if wall_s <= TARGET_S else 'MISSED'})"
          + (f", peak RSS {peak:.0f} MiB" if peak else "") + f", galaxy-book exit status {completed.returncode}")
    print(f"results: {args.output}")
    return completed.returncode


if __name__ == "__main__":
    raise SystemExit(main())
