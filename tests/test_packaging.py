"""The Bento installs what the [serve] extra declares, so a built Bento runs what tests ran."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")

REPO = Path(__file__).resolve().parent.parent


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_bentofile_matches_the_serve_extra():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = _names(project["dependencies"]) | _names(project["optional-dependencies"]["serve"])
    bento = _names(yaml.safe_load((REPO / "bentofile.yaml").read_text())["python"]["packages"])
    # bentoml itself comes with the Bento's own image.
    assert bento == declared - {"bentoml"}, f"only in pyproject: {declared - bento - {'bentoml'}}, only in bentofile: {bento - declared}"
