"""``headline-lens data check | stats | fetch``: is the data directory complete, what is in it, get it.

``fetch`` downloads the public datasets from their sources and verifies them (see
:mod:`training.fetch`).

``check`` looks at every dataset in the registry: are its files there, are they the
documented copies (SHA-256), and how many rows does its adapter yield against the
documented count. It exits non-zero only when a dataset of the default preset is
missing or unreadable; a different copy or row count is reported, not fatal, so a
newer release or a small test directory still passes.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from model.labels import HEAD_NAMES


@dataclass
class SourceCheck:
    """The outcome of checking one dataset in one data directory."""

    name: str
    preset: str
    #: "ok", "missing" or "invalid".
    state: str
    detail: str = ""
    rows: int | None = None
    expected: int | None = None
    #: relative path -> (sha256, matches the documented copy)
    files: dict[str, tuple[str, bool]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """One human-readable cell: e.g. ``present, 5 rows (expected 19,459)``."""
        if self.state != "ok":
            return f"{self.state}: {self.detail}"
        if self.rows is None:
            return "ok"
        if self.expected is not None and self.rows != self.expected:
            return f"present, {self.rows:,} rows (expected {self.expected:,})"
        return f"ok, {self.rows:,} rows"


def _preset_label(name: str) -> str:
    from training.sources.registry import DEFAULT_PRESET, SOURCES

    if name in DEFAULT_PRESET:
        return "default"
    return "restricted" if SOURCES[name].restricted else "optional"


def check_source(data_dir: Path, name: str) -> SourceCheck:
    """Check one registered dataset: files present, their hashes, the adapter's row count."""
    from training.sources.registry import SOURCES, sha256_file

    info = SOURCES[name]
    result = SourceCheck(name=name, preset=_preset_label(name), state="ok", expected=info.expected_rows)
    missing = [relpath for relpath in info.files if not (data_dir / relpath).is_file()]
    if missing:
        result.state, result.detail = "missing", ", ".join(missing)
        return result
    for relpath in info.files:
        digest = sha256_file(data_dir / relpath)
        result.files[relpath] = (digest, digest == info.sha256.get(relpath))
    try:
        result.rows = sum(1 for _ in info.loader(data_dir))
    except ModuleNotFoundError as exc:
        result.state, result.detail = "missing", f"module {exc.name} is not installed"
    except (ValueError, OSError, KeyError) as exc:
        # SourceFormatError is a ValueError; anything else is a bug and should surface.
        result.state, result.detail = "invalid", str(exc)
    else:
        if result.rows == 0:
            result.state, result.detail = "invalid", "the adapter yields no rows"
    return result


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in (header, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def _resolve_data_dir(args: argparse.Namespace) -> Path | None:
    from model.paths import data_dir

    try:
        return data_dir(args.data_dir)
    except FileNotFoundError as exc:
        print(f"headline-lens data: {exc}", file=sys.stderr)
        return None


def _check(args: argparse.Namespace) -> int:
    from training.sources.registry import DEFAULT_PRESET, SOURCES

    root = _resolve_data_dir(args)
    if root is None:
        return 2
    print(f"data directory: {root}")
    results = [check_source(root, name) for name, info in SOURCES.items() if not info.user_supplied]
    _print_table(
        ("dataset", "preset", "status", "files"),
        [
            (
                r.name,
                r.preset,
                r.status,
                "-"
                if not r.files
                else (
                    "documented copy" if all(same for _, same in r.files.values()) else "differs from documented copy"
                ),
            )
            for r in results
        ],
    )
    print()
    _print_table(
        ("file", "sha256", "documented"),
        [(path, digest, "yes" if same else "no") for r in results for path, (digest, same) in r.files.items()],
    )
    failing = [r for r in results if r.name in DEFAULT_PRESET and r.state != "ok"]
    if failing:
        print(
            "\nthe default training preset is incomplete: "
            + "; ".join(f"{r.name} ({r.status})" for r in failing)
            + ". See the Data section of the README for where each dataset comes from.",
            file=sys.stderr,
        )
        return 1
    print("\nall datasets of the default preset are present and readable")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from training.sources.registry import SOURCES, source

    root = _resolve_data_dir(args)
    if root is None:
        return 2
    try:
        names = args.sources.split(",") if args.sources else [n for n, i in SOURCES.items() if not i.user_supplied]
        infos = [source(name.strip()) for name in names]
    except KeyError as exc:
        print(f"headline-lens data stats: {exc.args[0]}", file=sys.stderr)
        return 2
    table = []
    for info in infos:
        try:
            rows = list(info.loader(root))
        except (ModuleNotFoundError, FileNotFoundError) as exc:
            table.append((info.name, "missing", *["-"] * len(HEAD_NAMES), str(exc)))
            continue
        except ValueError as exc:
            table.append((info.name, "invalid", *["-"] * len(HEAD_NAMES), str(exc)))
            continue
        cells = []
        for head in HEAD_NAMES:
            targets = [getattr(row, head) for row in rows if getattr(row, head) is not None]
            cells.append(f"{len(targets):,} (mean {sum(targets) / len(targets):.2f})" if targets else "-")
        splits = Counter(row.split or "none" for row in rows)
        table.append((info.name, f"{len(rows):,}", *cells, ", ".join(f"{k} {v:,}" for k, v in sorted(splits.items()))))
    _print_table(("dataset", "rows", *HEAD_NAMES, "splits"), table)
    return 0


def _licence_notice(info) -> str:
    terms = "RESTRICTED: " if info.restricted else ""
    return f"{info.name}: {terms}{info.licence}\n  source: {info.canonical_source}\n  cite: {info.citation}"


def _confirm(args: argparse.Namespace):
    """Asks before each restricted dataset: yes with --yes, a prompt on a terminal, else no."""

    def confirm(info) -> bool:
        if args.yes:
            return True
        if not sys.stdin.isatty():
            print(f"  {info.name} is restricted; not fetched without --yes when no one can be asked", file=sys.stderr)
            return False
        answer = input(f"  {info.name} is under restricted terms ({info.licence}). Download it? [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    return confirm


def _fetch(args: argparse.Namespace) -> int:
    from training.fetch import fetch_source
    from training.sources.registry import SOURCES, source

    try:
        names = [source(name.strip()).name for name in args.only.split(",")] if args.only else [
            name for name, info in SOURCES.items() if info.downloads]
    except KeyError as exc:
        print(f"headline-lens data fetch: {exc.args[0]}", file=sys.stderr)
        return 2
    target = Path(args.directory)
    confirm = _confirm(args)
    reports = []
    for name in names:
        info = SOURCES[name]
        print(_licence_notice(info))
        report = fetch_source(info, target, confirm, mirror=args.mirror, progress=not args.no_progress)
        reports.append(report)
        detail = f" ({report.detail})" if report.detail else ""
        print(f"  {report.state}: {report.verified} files verified, {report.downloaded} downloaded{detail}")
    failed = [r.name for r in reports if r.state == "failed"]
    declined = [r.name for r in reports if r.state == "skipped" and args.only]
    if failed or declined:
        print(f"headline-lens data fetch: not fetched: {', '.join(failed + declined)}", file=sys.stderr)
        return 1
    print(f"datasets in {target}; check them with `headline-lens data check --data-dir {target}`")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``data`` command group."""
    parser = subparsers.add_parser("data", help="check, describe and fetch the public training datasets")
    commands = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    check = commands.add_parser("check", help="which datasets are present, valid and the documented copies")
    stats = commands.add_parser("stats", help="rows per dataset, head and split")
    stats.add_argument("--sources", help="comma-separated dataset names (default: all in the registry)")
    for command, handler in ((check, _check), (stats, _stats)):
        command.add_argument("--data-dir", help="folder holding the datasets (default: $HEADLINE_LENS_DATA)")
        command.set_defaults(func=handler)
    fetch = commands.add_parser(
        "fetch",
        help="download the public datasets from their sources, verified by SHA-256",
        description="Download each public dataset of the registry from its source into DIR, resuming partial "
        "files, verifying the documented SHA-256 of every file, and showing each licence. Restricted datasets "
        "(AGPL or unstated terms) are asked about first; without a terminal they need --yes.",
    )
    fetch.add_argument("directory", metavar="DIR", help="the data directory to fill")
    fetch.add_argument("--only", metavar="NAME[,NAME]", help="only these datasets")
    fetch.add_argument("--yes", action="store_true", help="accept restricted licences without asking")
    fetch.add_argument("--mirror", metavar="URL", help="fetch from this host instead, same paths (a local mirror)")
    fetch.add_argument("--no-progress", action="store_true", help="no progress bars")
    fetch.set_defaults(func=_fetch)
