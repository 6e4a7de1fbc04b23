"""A small, fake but format-faithful data directory for the dataset adapters.

Text formats live as files under ``fixtures/data/`` (same layout as the public data
directory). Parquet and Excel files are binary, so they are generated here with
pandas instead of being committed. Every row is invented for the tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURE_DATA = Path(__file__).parent / "fixtures" / "data"

ANNO_LEXICAL = {
    "train": [
        ("The reckless plan will bankrupt the city, opponents warned.", "Example Daily", 1, "s-1"),
        ("The plan was presented to the council on Monday.", "Example Daily", 0, "s-2"),
        ("Its backers have shamelessly twisted every figure.", "Sample Post", 1, "s-3"),
    ],
    "dev": [("The report runs to 40 pages.", "Sample Post", 0, "s-4")],
    "test": [("Bumbling officials once again botched the rollout.", "Other Wire", 1, "s-5")],
}

MBIC = [
    # (text, news_link, label_bias)
    ("The radical activists stormed the hearing, shouting down every witness.", "https://news.example/a/1", "Biased"),
    ("The agency published its annual report on Monday.", "https://news.example/a/1", "Biased"),
    ("Lawmakers debated the proposal for three hours.", "https://news.example/a/2", "Non-biased"),
    ("Residents gathered at the town hall for the vote.", "https://news.example/a/4", "No agreement"),
    ("A shameless stunt by the governor drew predictable applause.", "https://news.example/a/5", "Biased"),
    ("Turnout was lower than in the previous election.", "https://news.example/a/6", "Non-biased"),
]


def write_anno_lexical(root: Path) -> None:
    import pandas as pd

    (root / "anno_lexical").mkdir(parents=True, exist_ok=True)
    for split, rows in ANNO_LEXICAL.items():
        frame = pd.DataFrame(rows, columns=["text", "source_name", "label", "sentence_id"])
        frame.to_parquet(root / "anno_lexical" / f"anno-lexical-{split}.parquet", index=False)


def write_mbic(root: Path) -> None:
    import pandas as pd

    (root / "mbic").mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(
        [
            {
                "text": text,
                "news_link": link,
                "outlet": "Example Daily",
                "topic": "politics",
                "type": "center",
                "group_id": number // 2 + 1,
                "num_sent": 1,
                "label_bias": label,
                "label_opinion": "Entirely factual",
                "article": "Full article text.",
                "biased_words": "[]",
            }
            for number, (text, link, label) in enumerate(MBIC)
        ]
    )
    frame.to_excel(root / "mbic" / "final_labels_MBIC.xlsx", index=False)


def build_data_dir(destination: Path) -> Path:
    """Copy the text fixtures to ``destination`` and generate the binary ones there."""
    shutil.copytree(FIXTURE_DATA, destination)
    write_anno_lexical(destination)
    write_mbic(destination)
    return destination
