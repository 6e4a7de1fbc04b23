"""Every place that names the heads takes them from ``model.labels``: adding a head in one place only fails."""

from __future__ import annotations

from dataclasses import fields

from model.labels import HEAD_NAMES
from model.scorer import Score


def test_the_result_types_carry_exactly_the_schema_heads():
    from service.schemas import ScoreResult

    non_heads = {"text", "labels", "model_version", "spans"}
    assert [f.name for f in fields(Score) if f.name not in non_heads] == list(HEAD_NAMES)
    assert [name for name in ScoreResult.model_fields if name not in non_heads] == list(HEAD_NAMES)


def test_the_cli_table_has_one_column_per_head():
    from service.cli import _table_row

    result = {"text": "t", "labels": dict.fromkeys(HEAD_NAMES, False), "model_version": "v", **dict.fromkeys(HEAD_NAMES, 0.5)}
    assert _table_row(result).count("0.500") == len(HEAD_NAMES)
