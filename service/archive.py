"""Score a headline archive (Parquet or JSON Lines) into Parquet shards, on one machine or on Ray Data.

Both engines run the same ``ArchiveScorer`` on Arrow batches: ``local`` streams batches
with pyarrow datasets in this process, ``ray`` hands the batches to an actor pool through
Ray Data (``read_parquet``/``read_json`` -> ``map_batches`` -> ``write_parquet``). Scores come
from ``model.Scorer`` (every text its own row through the graph), so they are the same,
row for row, whichever engine ran and however the rows were batched.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.labels import HEAD_NAMES

if TYPE_CHECKING:
    import pyarrow as pa

#: Rows per Arrow batch handed to the scorer: large enough that one tokenizer call and one
#: thread-pool fan-out serve many rows, small enough that progress moves every second or so.
BATCH_SIZE = 512
#: Rows per output shard of the local engine.
ROWS_PER_SHARD = 100_000
FORMATS = {".parquet": "parquet", ".jsonl": "json", ".ndjson": "json", ".json": "json"}


class ArchiveError(ValueError):
    """The archive cannot be scored as asked (format, column, output directory); the message says why."""


def label_column(head: str) -> str:
    """The boolean output column holding ``head``'s label (score at or over its threshold)."""
    return f"{head}_label"


#: Columns the scorer adds, in order; an input holding one of them is refused rather than overwritten.
SCORE_COLUMNS: tuple[str, ...] = (*HEAD_NAMES, *map(label_column, HEAD_NAMES), "model_version", "error")


def score_fields() -> list[pa.Field]:
    """The Arrow fields the scorer appends to every batch."""
    import pyarrow as pa

    return [
        *(pa.field(name, pa.float64()) for name in HEAD_NAMES),
        *(pa.field(label_column(name), pa.bool_()) for name in HEAD_NAMES),
        pa.field("model_version", pa.string()),
        pa.field("error", pa.string()),
    ]


def _filesystem(path: str) -> tuple[Any, str]:
    """The pyarrow filesystem and path for a local path or a URI (``s3://bucket/archive/``)."""
    import pyarrow as pa
    from pyarrow import fs

    if "://" in path:
        try:
            return fs.FileSystem.from_uri(path)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ArchiveError(f"cannot open {path}: {exc}") from exc
    return fs.LocalFileSystem(), str(Path(path).resolve())


def input_files(path: str) -> list[str]:
    """The data files of a file or directory input (hidden and ``_``-prefixed files skipped)."""
    from pyarrow import fs

    filesystem, where = _filesystem(path)
    info = filesystem.get_file_info(where)
    if info.type == fs.FileType.File:
        return [info.path]
    if info.type != fs.FileType.Directory:
        raise ArchiveError(f"input {path} does not exist")
    return [f.path for f in filesystem.get_file_info(fs.FileSelector(where, recursive=True))
            if f.type == fs.FileType.File and not f.base_name.startswith((".", "_"))]


def input_format(path: str, files: list[str] | None = None) -> str:
    """``"parquet"`` or ``"json"`` (JSON Lines) for a file, or for a directory of shards of one format."""
    suffixes = {Path(name).suffix.lower() for name in (input_files(path) if files is None else files)}
    formats = {FORMATS.get(suffix) for suffix in suffixes}
    if len(formats) != 1 or None in formats:
        raise ArchiveError(
            f"input {path} must be Parquet (.parquet) or JSON Lines (.jsonl, .ndjson, .json) files of one "
            f"format; found {sorted(suffixes) or 'no files'}"
        )
    return formats.pop()


def check_schema(schema: pa.Schema, column: str) -> None:
    """Refuse an input without the text column, or with a column the scorer would overwrite."""
    if column not in schema.names:
        raise ArchiveError(f"input has no column {column!r} (columns: {', '.join(schema.names)}); name it with --column")
    clashes = [name for name in SCORE_COLUMNS if name in schema.names]
    if clashes:
        raise ArchiveError(f"input already has output column(s) {clashes}; rename them before scoring")


def check_output(output: str) -> None:
    """Refuse a non-empty output directory: scoring never overwrites or mixes with earlier results."""
    from pyarrow import fs

    filesystem, where = _filesystem(output)
    kind = filesystem.get_file_info(where).type
    if kind == fs.FileType.File or (
        kind == fs.FileType.Directory and filesystem.get_file_info(fs.FileSelector(where))
    ):
        raise ArchiveError(f"output {output} exists and is not an empty directory")


def artifact_files(directory: str | Path) -> dict[str, bytes]:
    """An artifact directory's files by name, to ship to workers that have no model store."""
    return {file.name: file.read_bytes() for file in Path(directory).iterdir() if file.is_file()}


class ArchiveScorer:
    """Score Arrow batches: the input columns plus scores, labels, ``model_version`` and ``error``.

    A Ray Data callable class: each actor loads the artifact once, in ``__init__``. ``artifact`` is
    an artifact directory, or its files (``artifact_files``), which are written to a private
    temporary directory so that workers need neither the driver's disk nor a model store.
    """

    def __init__(self, artifact: str | Path | dict[str, bytes] | Any, column: str, threads: int | None = None,
                 max_chars: int | None = None) -> None:
        from model.scorer import Scorer
        from service.settings import load_config

        if not isinstance(artifact, (str, Path, dict)):
            import ray  # a reference to ``artifact_files()`` in Ray's object store

            artifact = ray.get(artifact)
        if isinstance(artifact, dict):
            self._tmp = tempfile.TemporaryDirectory(prefix="headline-lens-model-")
            for name, data in artifact.items():
                Path(self._tmp.name, name).write_bytes(data)
            artifact = self._tmp.name
        self.scorer = Scorer(artifact, threads=threads)
        self.column = column
        # The service's own per-headline limit (ServiceConfig.max_chars, at most model.text.MAX_CHARS).
        self.max_chars = load_config().max_chars if max_chars is None else max_chars

    def __call__(self, batch: pa.Table | pa.RecordBatch) -> pa.Table:
        import pyarrow as pa

        from model.text import TextError, clean

        texts = batch.column(self.column).to_pylist()
        cleaned: list[str | None] = []
        errors: list[str | None] = []
        for index, text in enumerate(texts):
            error = None
            if not isinstance(text, str):
                error = "no text" if text is None else f"text is a {type(text).__name__}, not a string"
            else:
                try:
                    text = clean(text, index, self.max_chars)  # the one validation rule of every way in
                except TextError as exc:
                    error = f"text {exc.reason}"
            cleaned.append(None if error else text)
            errors.append(error)
        # Each distinct text runs once (Scorer.score's rule); scores do not depend on batchmates.
        unique = self.scorer.score_normalized(list(dict.fromkeys(text for text in cleaned if text is not None)))
        by_text = {score.text: score for score in unique}
        rows = [None if text is None else by_text[text] for text in cleaned]
        columns: dict[str, list[Any]] = {name: [] for name in SCORE_COLUMNS}
        for row, error in zip(rows, errors):
            for name in HEAD_NAMES:
                columns[name].append(None if row is None else getattr(row, name))
                columns[label_column(name)].append(None if row is None else row.labels[name])
            columns["error"].append(error)
        columns["model_version"] = [self.scorer.version] * len(rows)
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        for spec in score_fields():
            table = table.append_column(spec, pa.array(columns[spec.name], type=spec.type))
        return table


@dataclass
class RunSummary:
    """What one archive run did."""

    rows: int
    errors: int
    seconds: float
    engine: str


def _count_errors(output: str) -> tuple[int, int]:
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    errors = ds.dataset(output, format="parquet").to_table(columns=["error"]).column("error")
    return len(errors), len(errors) - pc.count(errors, mode="only_null").as_py()


def score_local(input_path: str, output: str, artifact: str, column: str = "title", batch_size: int = BATCH_SIZE,
                threads: int | None = None, progress: bool = True) -> RunSummary:
    """Score the archive in this process: pyarrow dataset batches -> ``ArchiveScorer`` -> Parquet shards."""
    import time

    import pyarrow.dataset as ds
    from tqdm import tqdm

    start = time.perf_counter()
    check_output(output)
    source = ds.dataset(input_path, format=input_format(input_path))
    check_schema(source.schema, column)
    scorer = ArchiveScorer(artifact, column, threads=threads)
    schema = source.schema
    for spec in score_fields():
        schema = schema.append(spec)

    def scored() -> Iterator[pa.RecordBatch]:
        with tqdm(total=source.count_rows(), unit="headline", disable=not progress, desc="scoring") as bar:
            for batch in source.to_batches(batch_size=batch_size):
                if batch.num_rows:
                    yield from scorer(batch).to_batches()
                    bar.update(batch.num_rows)

    ds.write_dataset(
        scored(), output, schema=schema, format="parquet", basename_template="part-{i}.parquet",
        max_rows_per_file=ROWS_PER_SHARD, max_rows_per_group=min(ROWS_PER_SHARD, 64 * 1024),
        existing_data_behavior="error",
    )
    rows, errors = _count_errors(output)
    return RunSummary(rows, errors, time.perf_counter() - start, "local")


def score_ray(input_path: str, output: str, artifact: str, column: str = "title", batch_size: int = BATCH_SIZE,
              address: str | None = None, actors: int | None = None, threads_per_actor: int = 1) -> RunSummary:
    """Score the archive on Ray Data: ``read_*`` -> ``map_batches(ArchiveScorer)`` on an actor pool -> ``write_parquet``.

    ``address`` is a running cluster (``auto``, ``ray://head:10001``); ``None`` joins the Ray
    instance this process already started, or starts a local one. The artifact travels through
    Ray's object store, so only this machine needs the model.
    """
    import time

    import ray

    start = time.perf_counter()
    check_output(output)
    files = input_files(input_path)
    fmt = input_format(input_path, files)
    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    # One core per actor by default (Scorer's own rows-in-parallel then runs one row at a time),
    # as many actors as the cluster has cores. The pool starts with one actor and grows with the
    # queue: actors that took every core at once would starve the read tasks of a small cluster.
    actors = actors or max(1, cpus // threads_per_actor)
    read = ray.data.read_parquet if fmt == "parquet" else ray.data.read_json
    data = read(input_path)
    check_schema(data.schema().base_schema, column)
    if len(files) < actors * 4:
        # Ray Data hands an actor whole blocks and reads one block per file (override_num_blocks
        # does not split a file): an archive of few files is split, or one actor would get it all.
        data = data.repartition(actors * 4)
    scored = data.map_batches(
        ArchiveScorer,
        fn_constructor_kwargs={"artifact": ray.put(artifact_files(artifact)), "column": column,
                               "threads": threads_per_actor},
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=actors),
        num_cpus=threads_per_actor,
    )
    scored.write_parquet(output)
    rows, errors = _count_errors(output)
    return RunSummary(rows, errors, time.perf_counter() - start, "ray")
