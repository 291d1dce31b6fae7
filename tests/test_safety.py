"""Source checks: no remote code, no pickle loading, and every download pinned by a hash."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "galaxy_utils"


def source_files() -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    assert files, f"no Python files under {PACKAGE}"
    return files


def calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def call_name(node: ast.Call) -> str:
    """Return a call's dotted name, such as ``torch.load`` or ``pooch.retrieve``."""
    parts = []
    target = node.func
    while isinstance(target, ast.Attribute):
        parts.append(target.attr)
        target = target.value
    if isinstance(target, ast.Name):
        parts.append(target.id)
    return ".".join(reversed(parts))


def keyword(node: ast.Call, name: str):
    return next((item.value for item in node.keywords if item.arg == name), None)


def parsed_sources():
    for path in source_files():
        yield path, ast.parse(path.read_text(), filename=str(path))


def test_no_trust_remote_code():
    offenders = []
    for path, tree in parsed_sources():
        for node in calls(tree):
            value = keyword(node, "trust_remote_code")
            if value is not None and not (isinstance(value, ast.Constant) and value.value is False):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")

    assert offenders == []


def test_no_trust_remote_code_text():
    # Catches the flag in kwargs dictionaries and strings, which the call check misses.
    offenders = [path.name for path in source_files() if "trust_remote_code=True" in path.read_text()]

    assert offenders == []


def test_torch_load_weights_only():
    offenders = []
    for path, tree in parsed_sources():
        for node in calls(tree):
            if call_name(node).endswith("torch.load") or call_name(node) == "load" and _imported_from_torch(tree):
                value = keyword(node, "weights_only")
                if not (isinstance(value, ast.Constant) and value.value is True):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")

    assert offenders == []


def _imported_from_torch(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and node.module == "torch" and any(alias.name == "load" for alias in node.names)
        for node in ast.walk(tree)
    )


def test_torch_load_text_scan():
    offenders = []
    for path in source_files():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if "torch.load(" in line and "weights_only=True" not in line:
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}")

    assert offenders == []


def test_downloads_pass_known_hash():
    retrieves, unpinned = [], []
    for path, tree in parsed_sources():
        for node in calls(tree):
            if call_name(node).endswith("retrieve") and "pooch" in call_name(node):
                retrieves.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
                value = keyword(node, "known_hash")
                positional = len(node.args) >= 2
                if (value is None and not positional) or (isinstance(value, ast.Constant) and value.value is None):
                    unpinned.append(retrieves[-1])

    assert retrieves, "expected pooch.retrieve calls in the data loaders"
    assert unpinned == []


def test_numpy_load_without_pickle():
    offenders = []
    for path, tree in parsed_sources():
        for node in calls(tree):
            if call_name(node) in ("np.load", "numpy.load"):
                value = keyword(node, "allow_pickle")
                if not (isinstance(value, ast.Constant) and value.value is False):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")

    assert offenders == []
