"""Reading a dataset file into a checked table, with errors that name the file.

Every adapter reads CSV, parquet, Excel or JSON Lines through here so that a missing
file, a missing column, a broken line or an unexpected label value fails the same
clear way (``SourceFormatError`` naming file and row) instead of as a bare
``KeyError`` deep inside pandas.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any


class SourceFormatError(ValueError):
    """A dataset file exists but does not have the documented format."""


def require_file(path: Path) -> Path:
    """Return ``path``, or raise ``FileNotFoundError`` saying which dataset file is missing."""
    if not path.is_file():
        raise FileNotFoundError(f"dataset file {path} is missing (see the Data section of the README)")
    return path


def read_table(path: Path, columns: Iterable[str], **read_options: Any):
    """Read ``path`` (``.csv``, ``.parquet`` or ``.xlsx``) and check it has ``columns``.

    ``read_options`` go to the pandas reader (e.g. ``sep``, ``encoding``).
    Returns a pandas ``DataFrame``.
    """
    import pandas as pd

    require_file(path)
    readers = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".xlsx": pd.read_excel}
    reader = readers.get(path.suffix)
    if reader is None:
        raise SourceFormatError(f"{path}: no reader for {path.suffix!r} files")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel extensions it ignores (MBIC's data validation); nothing is lost.
            warnings.filterwarnings("ignore", message="Unknown extension", module="openpyxl")
            frame = reader(path, **read_options)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise SourceFormatError(f"{path}: cannot be read: {exc}") from exc
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise SourceFormatError(f"{path}: missing column(s) {missing}; found {list(frame.columns)}")
    return frame


def clean_text(value: Any) -> str | None:
    """The stripped text of a cell, or ``None`` for empty / missing cells."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def map_label(value: Any, mapping: Mapping[Any, float | None], where: str) -> float | None:
    """Translate a source label through ``mapping`` (``None`` = documented drop).

    Raises ``SourceFormatError`` for a value the dataset's documentation does not list,
    so a changed file is reported instead of silently mislabelled.
    """
    # pandas turns an integer column with a gap into floats (0.0, 1.0): compare as integers.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if value not in mapping:
        raise SourceFormatError(f"{where}: unexpected label {value!r}; expected one of {sorted(map(str, mapping))}")
    return mapping[value]


def labelled_texts(
    path: Path,
    label_column: str,
    mapping: Mapping[Any, float | None],
    extra_columns: Iterable[str] = (),
    text_column: str = "text",
    **read_options: Any,
) -> Iterator[tuple[int, str, float, tuple[Any, ...]]]:
    """Yield ``(row index, text, target, extra values)`` for each row of a labelled table.

    Every label is checked against ``mapping``; rows whose label maps to ``None``
    (a documented drop) or whose text is empty are skipped.
    """
    extra_columns = tuple(extra_columns)
    frame = read_table(path, [text_column, label_column, *extra_columns], **read_options)
    for index, (text, label, *extra) in enumerate(
        frame[[text_column, label_column, *extra_columns]].itertuples(index=False)
    ):
        target = map_label(label, mapping, f"{path} row {index}")
        text = clean_text(text)
        if target is not None and text is not None:
            yield index, text, target, tuple(extra)


def jsonl_records(path: Path) -> Iterator[tuple[str, Any]]:
    """Yield ``("file:line", parsed value)`` for each non-blank line of a JSON Lines file."""
    with require_file(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                yield where, json.loads(line)
            except json.JSONDecodeError as exc:
                raise SourceFormatError(f"{where}: not valid JSON: {exc}") from exc
