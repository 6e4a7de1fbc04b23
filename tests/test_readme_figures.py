"""The README's measured tables are the committed JSON under reports/, rendered."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from readme_figures import README, TABLES, render  # noqa: E402


def test_readme_tables_match_the_committed_json():
    current = README.read_text(encoding="utf-8")
    assert render(current) == current, "README disagrees with reports/*.json: run python benchmarks/readme_figures.py"


def test_a_changed_figure_is_caught():
    current = README.read_text(encoding="utf-8")
    tampered = current.replace(TABLES["quality"]().splitlines()[2], "| tampered | row |", 1)
    assert tampered != current and render(tampered) != tampered
