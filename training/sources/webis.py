"""Webis Clickbait Corpus 2017 (split 170630): tweet teasers with graded clickbait judgments.

Reads the joined file ``webis_clickbait17/webis17_joined.jsonl``. The target is
``truthMean``, the mean of five crowd judgments in [0, 1], used as a soft target; the
class (what the ``clickbait`` score is calibrated to) is ``truthMedian >= 0.5``: at least
three of the five readers rated the post as considerably or heavily clickbaiting.
The file's ``third_party_split`` was made by a third-party project, not by Webis,
so rows carry no official split. Duplicated teasers are left for assembly to merge.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from training.sources.base import Row
from training.sources.tables import SourceFormatError, clean_text, jsonl_records

NAME = "webis"
FILES = ("webis_clickbait17/webis17_joined.jsonl",)


def load(data_dir: Path, weight: float = 1.0) -> Iterator[Row]:
    """Yield one row per post with a non-empty ``postText``; ``clickbait`` = ``truthMean``."""
    for where, record in jsonl_records(Path(data_dir) / FILES[0]):
        try:
            post_id, target = str(record["id"]), float(record["truthMean"])
            verdict = float(float(record["truthMedian"]) >= 0.5)
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceFormatError(f"{where}: not a Webis record with id, truthMean and truthMedian: {exc!r}") from exc
        if not 0.0 <= target <= 1.0:
            raise SourceFormatError(f"{where}: truthMean {target} outside [0, 1]")
        # 79 posts of the original corpus have no teaser text; they carry no signal.
        text = clean_text(record.get("postText"))
        if text is not None:
            yield Row(text=text, source=NAME, clickbait=target, group=f"{NAME}:{post_id}", weight=weight,
                      clickbait_class=verdict)
