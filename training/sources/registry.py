"""Every dataset headline-lens knows: where it comes from, its licence, what it labels.

``SOURCES`` maps a name to its ``SourceInfo``. ``DEFAULT_PRESET`` is the licence-clean
set the default model trains on; sources marked ``restricted`` (AGPL or unstated,
research-only terms) are only used when asked for by name. Expected row counts are
what each adapter yields on the documented copies of the files, whose SHA-256 are
recorded so ``headline-lens data check`` can tell a different copy apart.

``downloads`` say where ``headline-lens data fetch`` gets each file: the dataset's public
repository, pinned to the commit the documented copy came from, so the SHA-256 can be
verified. Where the source ships a file gzip-compressed, the documented hash is of the
decompressed file; where the documented file is derived (the Webis join), the inputs
are hashed as published and the derived file against its documented hash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from model.download import sha256_file
from training.sources import anno_lexical, babe, basil, feedback, mbic, semeval, stop_clickbait, webis
from training.sources.base import Row

__all__ = ["DEFAULT_PRESET", "SOURCES", "Download", "SourceInfo", "file_hashes", "sha256_file", "source"]


@dataclass(frozen=True)
class Download:
    """One file of a dataset at its canonical public source."""

    url: str
    #: Where the file goes, relative to the data directory.
    target: str
    #: SHA-256 of the file as stored; ``None`` = the dataset's documented hash of ``target``.
    sha256: str | None = None
    #: "gzip" when the source ships the file compressed; it is stored decompressed.
    compression: str | None = None


def _github(repository: str, commit: str, path: str, target: str, **options: str) -> Download:
    """A file of a public GitHub repository at a pinned commit (so its bytes cannot change)."""
    return Download(f"https://raw.githubusercontent.com/{repository}/{commit}/{path}", target, **options)


_BABE_REPO = "Media-Bias-Group/Neural-Media-Bias-Detection-Using-Distant-Supervision-With-BABE"
_BABE_COMMIT = "fb79f646dcabf1746f5ebedc06ed8dd61ba78188"
_ANNOMATIC_REPO = "Media-Bias-Group/llm-annotations-annomatic"
_ANNOMATIC_COMMIT = "d6298d3d4e706005a56ab313dff401a9fd9f4aa1"
_MAGPIE_REPO = "Media-Bias-Group/magpie-multi-task"
_MAGPIE_COMMIT = "d9d216480164d5c1f878a83723b7e03ff7487371"
_BABE_LICENCE_SHA = "8486a10c4393cee1c25392769ddd3b2d6c242d6ec7928e1414efff7dfb2f07ef"
_ANNOMATIC_LICENCE_SHA = "e2e454e7ef22c14d25c9502fa63c23fdee9a1e7615f4bc94253961afff863dbf"
_MAGPIE_LICENCE_SHA = "c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4"


@dataclass(frozen=True)
class SourceInfo:
    """What the pipeline and ``data check`` need to know about one dataset."""

    name: str
    #: ``loader(data_dir, weight=...)`` yields the dataset's rows.
    loader: Callable[..., Iterator[Row]]
    #: Files the adapter reads, relative to the data directory (hashed into the manifest).
    files: tuple[str, ...]
    #: Rows the adapter yields on the documented copy; ``None`` when it varies (seeds, feedback).
    expected_rows: int | None
    licence: str
    canonical_source: str
    citation: str
    #: Heads the dataset labels (``model.labels.HEAD_NAMES`` entries).
    heads: tuple[str, ...]
    #: AGPL or unclear terms: never in the default preset.
    restricted: bool
    default_weight: float = 1.0
    #: False when the texts overlap another dataset's (MBIC = BABE SG1): never an independent test set.
    independent_evaluation: bool = True
    #: SHA-256 of the documented copies of ``files``.
    sha256: dict[str, str] = field(default_factory=dict)
    #: True when the rows come from the user, not from the public data directory.
    user_supplied: bool = False
    note: str = ""
    #: Where ``data fetch`` downloads the files (and the licence) from; empty = not downloadable.
    downloads: tuple[Download, ...] = ()
    #: Builds ``files`` that are derived from the downloads (called with the data directory).
    derive: Callable[[Path], None] | None = None

    def expected_sha256(self, download: Download) -> str | None:
        """The SHA-256 a downloaded file must have once stored."""
        return download.sha256 or self.sha256.get(download.target)


def _load_seeds(data_dir: Path | None = None, weight: float = 1.0) -> Iterator[Row]:
    """Seed examples live in the repository (``seeds/``), not in the data directory."""
    # Imported on call so that importing the registry never depends on the seeds module.
    from training.sources import seeds

    return seeds.load(weight=weight)


_SOURCES: tuple[SourceInfo, ...] = (
    SourceInfo(
        name=webis.NAME,
        loader=webis.load,
        files=webis.FILES,
        expected_rows=19_459,
        licence="none in the source repos; Webis publishes the corpus on Zenodo (record 5530410), reportedly CC BY 4.0",
        canonical_source="Webis Clickbait Corpus 2017, split clickbait17-train-170630 (webis.de / Zenodo 5530410)",
        citation="Potthast et al., Crowdsourcing a Large Corpus of Clickbait on Twitter, COLING 2018",
        heads=("clickbait",),
        restricted=False,
        sha256={webis.FILES[0]: "fad3b79eae3316c567a8cc3adccc0172a245cf95c4b71558416499c5fbc73917"},
        note="soft target truthMean; third-party text extract joined to the original truth file",
        downloads=(
            _github("jwbambacht/Clickbait-Detection", "d2afdf53d44f9f14f8460416969bc2aefd178b13",
                    "datasets/big_training/truth.jsonl", webis.TRUTH_FILE,
                    sha256="9ba97792ff81f604a9c3b1abbe8471d2e619be2acd6742d48e5a588f611c14b0"),
            _github("legendaryBowen/ClickbaitDetection", "91f2bd53e80dd1ebebcf618944520b1568d8619b",
                    "data/train.json", webis.TEXT_FILES["train"],
                    sha256="9aaf182a644aac976fb10577ee319636d0b49346b50ff76c97c717438eba3964"),
            _github("legendaryBowen/ClickbaitDetection", "91f2bd53e80dd1ebebcf618944520b1568d8619b",
                    "data/test.json", webis.TEXT_FILES["test"],
                    sha256="4726aeb642db1e3797c6719ff68ef56c273c174388ebc873b4994e2c344225fb"),
        ),
        derive=webis.join,
    ),
    SourceInfo(
        name=stop_clickbait.NAME,
        loader=stop_clickbait.load,
        files=stop_clickbait.FILES,
        expected_rows=32_000,
        licence="MIT (cite the paper)",
        canonical_source="github.com/bhargaviparanjape/clickbait",
        citation="Chakraborty et al., Stop Clickbait: Detecting and Preventing Clickbaits in Online News Media, ASONAM 2016",
        heads=("clickbait",),
        restricted=False,
        default_weight=stop_clickbait.DEFAULT_WEIGHT,
        sha256={
            "stop_clickbait/clickbait_data": "c8fb2d381766711383f2d47575f4073fddf127827b918678b15900dfdd5cce40",
            "stop_clickbait/non_clickbait_data": "a4ed96f85b1b7fa9f86023ab2d6a6883f802536ffb6885fbfe9a81069b644644",
        },
        note="labels follow the publishing outlet, hence the low weight",
        downloads=(
            *(
                _github("bhargaviparanjape/clickbait", "203d979a81545ae6160ff45ffdac83e74469c97a",
                        f"dataset/{Path(relpath).name}.gz", relpath, compression="gzip")
                for relpath in stop_clickbait.FILES
            ),
            _github("bhargaviparanjape/clickbait", "203d979a81545ae6160ff45ffdac83e74469c97a", "dataset/README.txt",
                    "stop_clickbait/README.txt",
                    sha256="b97618c7c7eb1bb3cc03dcd1b7e71902da060a17b1227df76cc731fa348e5991"),
            _github("bhargaviparanjape/clickbait", "203d979a81545ae6160ff45ffdac83e74469c97a", "LICENSE",
                    "stop_clickbait/LICENSE",
                    sha256="0e6d6fd821bff63647449632fc26d11525d866bbf95e67f2aa7784118a1cc823"),
        ),
    ),
    SourceInfo(
        name=anno_lexical.NAME,
        loader=anno_lexical.load,
        files=anno_lexical.FILES,
        expected_rows=48_330,
        licence="MIT",
        canonical_source="github.com/Media-Bias-Group/llm-annotations-annomatic",
        citation="Horych et al., The Promises and Pitfalls of LLM Annotations in Dataset Labeling, Findings of NAACL 2025",
        heads=("bias",),
        restricted=False,
        sha256={
            "anno_lexical/anno-lexical-train.parquet": "6999ea8696d440068b358320f5510a99d54b805e86a3ee6141bfae685ca490c2",
            "anno_lexical/anno-lexical-dev.parquet": "f202e946d872962fa8cac113be3c78ac345970f404cdfcd0ff82bf2c47c9e585",
            "anno_lexical/anno-lexical-test.parquet": "528995f454024afef46d60beebe7aaa58674d598a18039dba85a4bc4bff46d70",
        },
        note="synthetic (LLM-vote) labels; official train/dev/test files",
        downloads=(
            *(
                _github(_ANNOMATIC_REPO, _ANNOMATIC_COMMIT, f"annomatic-dataset/data/training/{Path(relpath).name}",
                        relpath)
                for relpath in anno_lexical.FILES
            ),
            _github(_ANNOMATIC_REPO, _ANNOMATIC_COMMIT, "LICENSE", "anno_lexical/LICENSE", sha256=_ANNOMATIC_LICENCE_SHA),
        ),
    ),
    SourceInfo(
        name=basil.NAME,
        loader=basil.load,
        files=basil.FILES,
        expected_rows=470 + 6_281,
        licence="Apache-2.0 (MAGPIE preprocessing); original BASIL release terms not checked",
        canonical_source="github.com/launchnlp/BASIL via github.com/Media-Bias-Group/magpie-multi-task",
        citation="Fan et al., In Plain Sight: Media Bias Through the Lens of Factual Reporting, EMNLP 2019",
        heads=("bias",),
        restricted=False,
        sha256={basil.FILES[0]: "8fe2a87806c7d84a8212cbb6e307682168c7b2fc4dabb4703d26c2fca41ecef9"},
        note="lexical bias vs. none; informational-bias sentences dropped",
        downloads=(
            _github(_MAGPIE_REPO, _MAGPIE_COMMIT, "datasets/9_BASIL/preprocessed.csv", basil.FILES[0]),
            _github(_MAGPIE_REPO, _MAGPIE_COMMIT, "LICENSE", "basil/LICENSE_magpie_repo", sha256=_MAGPIE_LICENCE_SHA),
        ),
    ),
    SourceInfo(
        name=babe.NAME,
        loader=babe.load,
        files=babe.FILES,
        # 3,021 train+dev + 1,000 test + 87 labelled SG2 sentences outside the published split.
        expected_rows=4_108,
        licence="AGPL-3.0",
        canonical_source="github.com/Media-Bias-Group/Neural-Media-Bias-Detection-Using-Distant-Supervision-With-BABE",
        citation="Spinde et al., Neural Media Bias Detection Using Distant Supervision With BABE, Findings of EMNLP 2021",
        heads=("bias",),
        restricted=True,
        sha256={
            babe.SG2_FILE: "c02ebe82a8411f15e9dc63afed27826d61b84df56b5e1511f0f40bf8a688aeaf",
            babe.TRAIN_FILE: "12c37705514f595cdd207afacfda5bdec5b395692ae925246432bb55273d3744",
            babe.TEST_FILE: "f081ee968064af846d862a954931c264a59d05bce31559872426995be0bb9b5c",
        },
        note="expert labels; its published test split (babe.load_test) is the human-labelled bias benchmark",
        downloads=(
            _github(_BABE_REPO, _BABE_COMMIT, "data/final_labels_SG2.csv", babe.SG2_FILE),
            _github(_ANNOMATIC_REPO, _ANNOMATIC_COMMIT, "evaluation/babe_train_dev_annomatic.csv", babe.TRAIN_FILE),
            _github(_ANNOMATIC_REPO, _ANNOMATIC_COMMIT, "evaluation/babe_test_annomatic.csv", babe.TEST_FILE),
            _github(_BABE_REPO, _BABE_COMMIT, "LICENSE", "babe/LICENSE", sha256=_BABE_LICENCE_SHA),
            _github(_ANNOMATIC_REPO, _ANNOMATIC_COMMIT, "LICENSE", "babe/splits_annomatic/LICENSE_annomatic_repo",
                    sha256=_ANNOMATIC_LICENCE_SHA),
        ),
    ),
    SourceInfo(
        name=semeval.NAME,
        loader=semeval.load,
        files=semeval.FILES,
        expected_rows=7_938,
        licence="Apache-2.0 (MAGPIE preprocessing); SemEval organisers' terms unstated: research only",
        canonical_source="SemEval-2023 Task 3 via github.com/Media-Bias-Group/magpie-multi-task",
        citation="Piskorski et al., SemEval-2023 Task 3: Detecting the Category, the Framing, and the Persuasion Techniques, SemEval 2023",
        heads=("bias",),
        restricted=True,
        sha256={semeval.FILES[0]: "e6cfd7fba98821ffc3c0441f9a8da056d1215bec4355aad84ed6da27a7d0c894"},
        note="Loaded_Language flag of news paragraphs",
        downloads=(
            _github(_MAGPIE_REPO, _MAGPIE_COMMIT, "datasets/120_SemEval2023Task3/preprocessed.csv", semeval.FILES[0]),
            _github(_MAGPIE_REPO, _MAGPIE_COMMIT, "LICENSE", "semeval23_task3_persuasion/LICENSE_magpie_repo",
                    sha256=_MAGPIE_LICENCE_SHA),
        ),
    ),
    SourceInfo(
        name=mbic.NAME,
        loader=mbic.load,
        files=mbic.FILES,
        expected_rows=1_018 + 533,
        licence="AGPL-3.0",
        canonical_source="github.com/Media-Bias-Group/Neural-Media-Bias-Detection-Using-Distant-Supervision-With-BABE",
        citation="Spinde et al., MBIC - A Media Bias Annotation Dataset Including Annotator Characteristics, iConference 2021",
        heads=("bias",),
        restricted=True,
        independent_evaluation=False,
        sha256={mbic.FILES[0]: "c7524f9674c7fbc3e4c542a6370c4bb0719be160faf315bdc0852fe4e3c291ce"},
        note="crowd labels on BABE SG1's sentences: a noisy view of BABE, never an independent test set",
        downloads=(
            _github(_BABE_REPO, _BABE_COMMIT, "data/final_labels_MBIC.xlsx", mbic.FILES[0]),
            _github(_BABE_REPO, _BABE_COMMIT, "LICENSE", "mbic/LICENSE", sha256=_BABE_LICENCE_SHA),
        ),
    ),
    SourceInfo(
        name="seeds",
        loader=_load_seeds,
        files=(),
        expected_rows=None,
        licence="the project's own licence",
        canonical_source="seeds/ in this repository",
        citation="headline-lens seed examples",
        heads=("clickbait", "bias"),
        restricted=False,
        note="hand-labelled examples that teach the heads apart; read from the repository",
    ),
    SourceInfo(
        name=feedback.NAME,
        loader=feedback.load,
        files=(),
        expected_rows=None,
        licence="the user's own data",
        canonical_source="headline-lens feedback export",
        citation="-",
        heads=("clickbait", "bias"),
        restricted=False,
        user_supplied=True,
        note="a JSONL file passed explicitly; loader takes the file path, not the data directory",
    ),
)

SOURCES: dict[str, SourceInfo] = {source.name: source for source in _SOURCES}

#: The licence-clean training set of the default model.
DEFAULT_PRESET: tuple[str, ...] = ("webis", "stop_clickbait", "anno_lexical", "basil", "seeds")


def source(name: str) -> SourceInfo:
    """The ``SourceInfo`` called ``name``; ``KeyError`` lists the known names."""
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(SOURCES)}") from None


def file_hashes(data_dir: Path, names: Iterable[str]) -> dict[str, str]:
    """SHA-256 of every data file the named sources read, keyed by path relative to ``data_dir``.

    Raises ``FileNotFoundError`` naming the first missing file.
    """
    hashes: dict[str, str] = {}
    for name in names:
        for relpath in source(name).files:
            hashes[relpath] = sha256_file(Path(data_dir) / relpath)
    return hashes
