"""Stop Clickbait (Chakraborty et al. 2016): headlines labelled by their publishing outlet.

``stop_clickbait/clickbait_data`` holds clickbait headlines (1) and
``non_clickbait_data`` the others (0), one per line with blank separator lines.
The label follows the outlet (BuzzFeed vs. NYT, ...), not the headline, and outlet
style leaks into it, so the rows get a reduced default weight.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from training.sources.base import Row
from training.sources.tables import clean_text, require_file

NAME = "stop_clickbait"
#: Outlet-assigned labels cost Webis quality at full weight (see the modeling notes).
DEFAULT_WEIGHT = 0.3
LABEL_BY_FILE = {"stop_clickbait/clickbait_data": 1.0, "stop_clickbait/non_clickbait_data": 0.0}
FILES = tuple(LABEL_BY_FILE)


def load(data_dir: Path, weight: float = DEFAULT_WEIGHT) -> Iterator[Row]:
    """Yield one row per non-empty line; ``clickbait`` is 1 or 0 by file."""
    for relpath, label in LABEL_BY_FILE.items():
        path = require_file(Path(data_dir) / relpath)
        stem = path.name.removesuffix("_data")
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                text = clean_text(line)
                if text is not None:
                    yield Row(text=text, source=NAME, clickbait=label, group=f"{NAME}:{stem}:{number}", weight=weight)
