"""The book end to end: every chapter runs with papermill, the book builds, and a browser draws its figures.

The chapters run once, on the sample profile, in a copy of the book's files in
a temporary directory, so the test leaves the working tree alone.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from galaxy_utils.book import CHAPTERS, build_book, run_chapters

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.slow


def _copy_book(target: Path) -> Path:
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "book", target / "book", ignore=shutil.ignore_patterns("_static"))
    shutil.copytree(ROOT / "notebooks", target / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return target


@pytest.fixture(scope="module")
def built_book(tmp_path_factory, data_dir):
    root = _copy_book(tmp_path_factory.mktemp("book"))
    runs = run_chapters(root=root, profile="sample", data_dir=str(data_dir), results_dir=str(root / "results"), device="cpu")
    html = build_book(root)
    return root, runs, html


def test_every_chapter_runs(built_book):
    _root, runs, _html = built_book
    failures = {run.name: run.error for run in runs if run.status != "ok"}
    assert failures == {}
    assert [run.chapter for run in runs] == list(CHAPTERS)


def test_executed_chapters_have_outputs(built_book):
    root, _runs, _html = built_book
    for name in CHAPTERS.values():
        notebook = nbformat.read(root / "_build" / "source" / "notebooks" / f"{name}.ipynb", as_version=4)
        outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
        errors = [output for output in outputs if output.output_type == "error"]
        assert outputs, f"{name} has no outputs"
        assert errors == [], f"{name} has an error output"


def test_results_store_holds_runs(built_book):
    root, _runs, _html = built_book
    stored = list((root / "results").glob("*.json"))
    names = " ".join(path.name for path in stored)
    for family in ("tiny-vit", "tiny-swinv2", "tiny-beit", "tiny-dinov2"):
        assert f"{family}-full" in names
        assert f"{family}-head" in names


def test_pages_exist(built_book):
    _root, _runs, html = built_book
    for name in CHAPTERS.values():
        assert (html / "notebooks" / f"{name}.html").is_file()
    assert (html / "book" / "reproducibility.html").is_file()
    assert (html / "book" / "references.html").is_file()
    assert (html / "book" / "_static" / "plotly.min.js").is_file() or (html / "_static" / "plotly.min.js").is_file()


def test_sample_page_warns_not_scientific(built_book):
    _root, _runs, html = built_book
    text = _visible_text(html / "notebooks" / "02_model_comparison.html")
    assert "No scientific result on this page" in text
    assert "85.59" in text


def test_prose_numbers_are_glued(built_book):
    _root, _runs, html = built_book
    text = _visible_text(html / "notebooks" / "02_model_comparison.html")
    assert "{glue" not in text
    assert re.search(r"Here the best full fine-tune is tiny-\w+ with a weighted F1 of [\d.]+\s*%", text)


def test_reproducibility_page_has_run_times(built_book):
    _root, _runs, html = built_book
    text = _visible_text(html / "book" / "reproducibility.html")
    for number, name in CHAPTERS.items():
        assert re.search(rf"{number}\. {name} sample ok [\d.]+", text), name


def test_references_are_rendered(built_book):
    _root, _runs, html = built_book
    text = _visible_text(html / "book" / "references.html")
    for author in ("Dosovitskiy", "Oquab", "Lastufka", "Walmsley", "Bao", "Liu"):
        assert author in text


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed")
def test_browser_draws_plotly_points(built_book, tmp_path):
    _root, _runs, html = built_book
    page = html / "notebooks" / "02_model_comparison.html"
    dom = subprocess.run(
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180,
    ).stdout
    plots = dom.count('class="js-plotly-plot"') + dom.count("js-plotly-plot")
    points = len(re.findall(r'<path class="point"', dom))
    assert plots > 0, "no plotly figure was created in the page"
    assert points > 100, f"only {points} scatter points were drawn"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed")
def test_browser_screenshot_not_blank(built_book, tmp_path):
    from PIL import Image

    _root, _runs, html = built_book
    shot = tmp_path / "page.png"
    subprocess.run(
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000",
         "--window-size=1280,3000", f"--screenshot={shot}", (html / "notebooks" / "03_dinov2_deep_dive.html").as_uri()],
        capture_output=True, text=True, timeout=180,
    )
    import numpy as np

    pixels = np.asarray(Image.open(shot).convert("L"))
    assert len(np.unique(pixels)) > 50


def test_failed_chapter_does_not_stop_others(tmp_path, data_dir):
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    _copy_book_config(root)
    for number, name in CHAPTERS.items():
        body = 'raise RuntimeError("planted failure")' if number == 2 else 'value = 1'
        _write_notebook(root / "notebooks" / f"{name}.ipynb", body)

    runs = run_chapters(root=root, profile="sample", chapters=[1, 2, 3], data_dir=str(data_dir), results_dir=str(root / "results"))

    status = {run.chapter: run.status for run in runs}
    assert status == {1: "ok", 2: "failed", 3: "ok"}
    failed = runs[1]
    assert "planted failure" in failed.error
    assert failed.cell is not None
    assert (root / "_build" / "source" / "notebooks" / f"{CHAPTERS[1]}.ipynb").is_file()
    log = json.loads((root / "_build" / "source" / "run_log.json").read_text())
    assert log["chapters"][CHAPTERS[2]]["status"] == "failed"


def test_cli_run_reports_failed_chapter(tmp_path, data_dir):
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    _copy_book_config(root)
    for number, name in CHAPTERS.items():
        _write_notebook(root / "notebooks" / f"{name}.ipynb", 'raise ValueError("bad cell")' if number == 1 else "value = 1")

    completed = subprocess.run(
        ["galaxy-book", "run", "--root", str(root), "--chapters", "1,2", "--data", str(data_dir)],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode != 0
    assert "1 chapter(s) failed: 1" in completed.stderr
    assert "ValueError: bad cell" in completed.stdout
    assert "Traceback" not in completed.stderr


def _copy_book_config(root: Path) -> None:
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(ROOT / "book", root / "book", ignore=shutil.ignore_patterns("_static"))


def _write_notebook(path: Path, body: str) -> None:
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("profile = 'sample'\ndata_dir = None\nresults_dir = None")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, nbformat.v4.new_code_cell(body)]
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(notebook, str(path))


def _visible_text(page: Path) -> str:
    import html

    text = page.read_text()
    text = re.sub(r"<script.*?</script>", " ", text, flags=re.S)
    text = re.sub(r"<style.*?</style>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(re.sub(r"\s+", " ", text))


def test_build_refuses_unrun_chapters(tmp_path):
    from galaxy_utils.errors import ConfigError

    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    _copy_book_config(root)

    with pytest.raises(ConfigError) as caught:
        build_book(root)
    assert "never run" in caught.value.message
    assert "galaxy-book run --chapters 1,2,3,4,5" in caught.value.hint


def test_run_outside_project_root(tmp_path):
    from galaxy_utils.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        run_chapters(root=tmp_path)
    assert "is not the project root" in caught.value.message
    assert "--root" in caught.value.hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, [1, 2, 3, 4, 5]), ("1,3", [1, 3]), ("2-4", [2, 3, 4]), (" 5 ", [5])],
)
def test_parse_chapters_valid(text, expected):
    from galaxy_utils.book import parse_chapters

    assert parse_chapters(text) == expected


@pytest.mark.parametrize("text", ["3-1", "0", "6", "abc", "1-2-3"])
def test_parse_chapters_invalid(text):
    from galaxy_utils.book import parse_chapters
    from galaxy_utils.errors import ConfigError

    with pytest.raises(ConfigError):
        parse_chapters(text)


@pytest.mark.parametrize(
    ("models", "epochs", "seed"),
    [(["no-such-model"], None, 42), (None, 0, 42), (None, None, -1), (None, None, 2**32)],
)
def test_run_parameters_checked_first(models, epochs, seed):
    from galaxy_utils.book import check_run_parameters
    from galaxy_utils.errors import ConfigError

    with pytest.raises(ConfigError):
        check_run_parameters(models, epochs, seed, None)


def test_run_parameters_split_model_string():
    from galaxy_utils.book import check_run_parameters

    assert check_run_parameters("tiny-vit, tiny-beit", None, 42, None) == ["tiny-vit", "tiny-beit"]
