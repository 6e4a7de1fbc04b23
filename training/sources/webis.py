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
#: The inputs of the joined file, as published: the original Webis truth file of split
#: 170630, and a third-party extract of the post texts (its own train/test split).
TRUTH_FILE = "webis_clickbait17/original_truth/truth.jsonl"
TEXT_FILES = {"train": "webis_clickbait17/third_party_text/train.json",
              "test": "webis_clickbait17/third_party_text/test.json"}


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


def join(data_dir: Path) -> Path:
    """Write ``FILES[0]`` from the truth file and the text extract; return its path.

    One record per text, train then test in the extract's order, with ``id`` and
    ``postText`` from the extract and the truth fields from the original file: byte for
    byte the documented copy of the joined file when the inputs are the documented ones.
    """
    import json

    data_dir = Path(data_dir)
    truth = {str(record["id"]): record for _, record in jsonl_records(data_dir / TRUTH_FILE)}
    target = data_dir / FILES[0]
    partial = target.with_name(target.name + ".part")
    with partial.open("w", encoding="utf-8", newline="\n") as out:
        for split, relpath in TEXT_FILES.items():
            for text in json.loads((data_dir / relpath).read_text(encoding="utf-8")):
                post_id = str(text["text_id"])
                if post_id not in truth:
                    raise SourceFormatError(f"{relpath}: text_id {post_id} is not in {TRUTH_FILE}")
                record = truth[post_id]
                joined = {"id": post_id, "postText": text["post_text"],
                          **{key: record[key] for key in ("truthJudgments", "truthMean", "truthMedian", "truthMode",
                                                          "truthClass")},
                          "third_party_split": split}
                out.write(json.dumps(joined, ensure_ascii=False) + "\n")
    partial.replace(target)
    return target
