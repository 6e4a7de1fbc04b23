"""Archive scoring speed: the local engine and the Ray engine side by side, against in-process ``Scorer``.

All three run in one process on the same real headlines (Webis-17 posts and the
Article-Bias-Prediction titles from the data directory, cycled to the row count), written
once as a Parquet file:

- ``Scorer``: ``Scorer.score`` on the titles held in memory, in batches of the archive batch
  size (no file I/O): the baseline the local engine should reach ≥ 85 % of;
- ``local``: ``service.archive.score_local`` (Parquet in, Parquet shards out);
- ``ray``: ``service.archive.score_ray`` on a local Ray instance with as many CPUs as this
  process may use (started once; its start-up time is printed apart).

For each row count it prints medians over ``--repeats`` and the ratios, then fits
``seconds = fixed + rows / rate`` per engine over the sizes: the fixed part is Ray's start-up
overhead (actors, model load), the rate its per-core throughput. From those it projects how many
rows a cluster of k such machines needs before Ray beats one machine's local engine. The
outputs of local and Ray are compared row for row on every run.

    python benchmarks/bench_archive.py [--model PATH_OR_TAG] [--data-dir DIR] [--sizes 2000,10000,100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")

from machine import machine_record  # noqa: E402

REPORTS = Path(__file__).resolve().parent.parent / "reports" / "archive"


def real_titles(data_dir: Path, rows: int) -> list[str]:
    """``rows`` real headlines: Webis-17 post texts, then ABP titles, cycled when more are asked for."""
    pool: list[str] = []
    for path, field in ((data_dir / "webis_clickbait17" / "webis17_joined.jsonl", "postText"),
                        (data_dir / "article_bias_prediction" / "abp_titles.jsonl", "title")):
        with path.open(encoding="utf-8") as lines:
            pool.extend(text for line in lines if (text := json.loads(line).get(field)))
    if not pool:
        raise SystemExit(f"no headlines found under {data_dir}")
    return [pool[i % len(pool)] for i in range(rows)]


def write_archive(titles: list[str], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": list(range(len(titles))), "title": titles}), path)


def time_scorer(scorer, titles: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(titles), batch_size):
        scorer.score(titles[start : start + batch_size])
    return time.perf_counter() - started


def same_rows(left: Path, right: Path) -> bool:
    """Whether two output directories hold the same rows (order of shards aside)."""
    import pyarrow.dataset as ds

    def rows(directory: Path):
        return ds.dataset(directory, format="parquet").to_table().sort_by("id").to_pylist()

    return rows(left) == rows(right)


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares ``seconds = fixed + rows * per_row``; returns ``(fixed, rows_per_s)``."""
    if len(points) < 2:
        rows, seconds = points[0]
        return 0.0, rows / seconds
    slope, intercept = statistics.linear_regression([p[0] for p in points], [p[1] for p in points])
    return intercept, 1 / slope


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory or store tag (default: $HEADLINE_LENS_MODEL or newest)")
    parser.add_argument("--data-dir", default=os.environ.get("HEADLINE_LENS_DATA"), help="the public datasets")
    parser.add_argument("--sizes", default="2000,10000,100000", help="row counts, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--repeats-largest", type=int, help="repeats at the largest size (default: --repeats)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--out", type=Path, help="JSON report (default: reports/archive/<model version>.json)")
    args = parser.parse_args()
    if not args.data_dir:
        raise SystemExit("give --data-dir or set HEADLINE_LENS_DATA: the benchmark scores real headlines")

    import ray

    from model.scorer import Scorer, available_cores
    from model.store import resolve
    from service.archive import BATCH_SIZE, score_local, score_ray

    batch_size = args.batch_size or BATCH_SIZE
    artifact = str(resolve(args.model))
    cores = available_cores()
    scorer = Scorer(artifact, threads=cores)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    work = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    started = time.perf_counter()
    ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False)
    ray_start = time.perf_counter() - started
    print(f"model {scorer.version}; {cores} cores; batch {batch_size}; Ray started in {ray_start:.1f} s")
    results = []
    try:
        for size in sizes:
            titles = real_titles(Path(args.data_dir), size)
            source = work / f"archive-{size}.parquet"
            write_archive(titles, source)
            time_scorer(scorer, titles[:batch_size], batch_size)  # warm-up
            runs: dict[str, list[float]] = {"scorer": [], "local": [], "ray": []}
            identical = []
            repeats = args.repeats_largest if size == sizes[-1] and args.repeats_largest else args.repeats
            for _ in range(repeats):
                runs["scorer"].append(time_scorer(scorer, titles, batch_size))
                shutil.rmtree(work / "local", ignore_errors=True)
                shutil.rmtree(work / "ray", ignore_errors=True)
                runs["local"].append(score_local(str(source), str(work / "local"), artifact, batch_size=batch_size,
                                                 threads=cores, progress=False).seconds)
                runs["ray"].append(score_ray(str(source), str(work / "ray"), artifact, batch_size=batch_size).seconds)
                identical.append(same_rows(work / "local", work / "ray"))
            medians = {name: statistics.median(times) for name, times in runs.items()}
            row = {
                "rows": size,
                "repeats": repeats,
                "seconds": runs,
                "median_seconds": {k: round(v, 3) for k, v in medians.items()},
                "headlines_per_s": {k: round(size / v, 1) for k, v in medians.items()},
                "headlines_per_s_per_core": {k: round(size / v / cores, 1) for k, v in medians.items()},
                "local_vs_scorer": round(medians["scorer"] / medians["local"], 3),
                "ray_vs_local": round(medians["local"] / medians["ray"], 3),
                "ray_overhead_s": round(medians["ray"] - medians["local"], 2),
                "local_and_ray_identical": all(identical),
            }
            results.append(row)
            print(f"{size:>7} rows: Scorer {row['headlines_per_s']['scorer']:.0f}/s, local "
                  f"{row['headlines_per_s']['local']:.0f}/s ({row['local_vs_scorer']:.0%} of Scorer), Ray "
                  f"{row['headlines_per_s']['ray']:.0f}/s ({row['ray_vs_local']:.2f}x local, "
                  f"+{row['ray_overhead_s']:.1f} s); per core: local {row['headlines_per_s_per_core']['local']:.0f}/s, "
                  f"Ray {row['headlines_per_s_per_core']['ray']:.0f}/s; identical rows: {row['local_and_ray_identical']}",
                  flush=True)
    finally:
        ray.shutdown()
        shutil.rmtree(work, ignore_errors=True)

    fits = {name: fit([(r["rows"], r["median_seconds"][name]) for r in results]) for name in ("local", "ray")}
    local_rate = fits["local"][1]
    ray_fixed, ray_rate = fits["ray"]
    # k machines like this one, each running as many Ray actors as it has cores, against one
    # machine's local engine: Ray wins once its fixed overhead is paid back.
    payoff = {}
    for hosts in (1, 2, 4, 8):
        cluster_rate = hosts * ray_rate
        payoff[hosts] = (round(ray_fixed / (1 / local_rate - 1 / cluster_rate))
                         if cluster_rate > local_rate and ray_fixed > 0 else None if cluster_rate <= local_rate else 0)
    print(f"fit: local {local_rate:.0f} headlines/s (+{fits['local'][0]:.1f} s fixed); "
          f"Ray {ray_rate:.0f} headlines/s on {cores} cores (+{ray_fixed:.1f} s fixed, Ray start {ray_start:.1f} s apart)")
    for hosts, rows in payoff.items():
        verdict = "never (same cores, more overhead)" if rows is None else f"from about {rows:,} rows"
        print(f"  Ray on {hosts} machine(s) like this one beats the local engine on one: {verdict}")

    report = {
        "machine": machine_record(),
        "model_version": scorer.version,
        "quantized": scorer.manifest.quantized,
        "batch_size": batch_size,
        "cores": cores,
        "ray_start_seconds": round(ray_start, 2),
        "results": results,
        "fit": {name: {"fixed_seconds": round(f[0], 2), "headlines_per_s": round(f[1], 1)} for name, f in fits.items()},
        "ray_payoff_rows_by_hosts": {str(k): v for k, v in payoff.items()},
        "payoff_note": "projection from the fit: k machines like this one, each with one Ray actor per core, "
                       "against the local engine on one; None = Ray never wins",
    }
    out = args.out or REPORTS / f"{scorer.version}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as file:
        json.dump(report, file, indent=2)
        file.write("\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
