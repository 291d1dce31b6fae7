"""The chapter notebooks as committed: clean, parameterised, and listed in the book."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from galaxy_utils.book import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [ROOT / "notebooks" / f"{name}.ipynb" for name in CHAPTERS.values()]
PARAMETERS = {"profile", "data_dir", "results_dir", "models", "epochs", "device", "seed"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_has_no_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [], f"{path.name} cell {index} has outputs"
        assert cell.execution_count is None, f"{path.name} cell {index} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_parameters_cell(path):
    notebook = nbformat.read(path, as_version=4)
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    assigned = set(re.findall(r"^(\w+)\s*=", tagged[0].source, flags=re.MULTILINE))
    assert assigned == PARAMETERS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_has_no_hard_coded_paths(path):
    text = path.read_text()
    assert "/work/" not in text
    assert "/home/" not in text
    assert "shared/data" not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_glue_names_defined(path):
    notebook = nbformat.read(path, as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    defined = set(re.findall(r'glue\("(\w+)"', code))
    used = set(re.findall(r"\{glue:\w*\}`(\w+)", prose))
    assert used <= defined, f"glued in prose but never computed: {sorted(used - defined)}"


def test_toc_lists_every_chapter():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [entry["file"] for part in toc["parts"] for entry in part["chapters"]]
    for name in CHAPTERS.values():
        assert f"notebooks/{name}" in files


def test_config_does_not_execute():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"


def test_environment_matches_pyproject():
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    expected = {_name(spec) for spec in project["dependencies"] + project["optional-dependencies"]["book"]}
    expected |= {_name(spec) for spec in project["optional-dependencies"]["dev"] if not spec.startswith("galaxy-utils")}

    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = set()
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            listed |= {_name(spec) for spec in entry["pip"] if not spec.startswith("-e")}
        else:
            listed.add(_name(entry))
    listed.discard("python")
    listed.discard("pip")
    assert listed == expected


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")
