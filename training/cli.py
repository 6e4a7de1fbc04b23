"""``headline-lens train`` and ``headline-lens evaluate``."""

from __future__ import annotations

import argparse
import sys

NO_DATA_HINT = (
    "Training needs the public datasets (Webis-17, Stop Clickbait, anno-lexical, BASIL): download them as the "
    "README's 'Data' section describes, then pass --data-dir DIR or set HEADLINE_LENS_DATA=DIR "
    "(`headline-lens data check` tells what is present). Or import a trained model with "
    "`headline-lens model import FILE.bentomodel`."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train`` and ``evaluate`` commands."""
    train = subparsers.add_parser("train", help="train, calibrate, export and register a model")
    train.add_argument("--preset", default="default", help="preset name (default, quick) or a YAML file")
    train.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a config value, e.g. --set epochs=3 --set weights.stop_clickbait=0.2")
    train.add_argument("--data-dir", help="the public datasets (default: $HEADLINE_LENS_DATA)")
    train.add_argument("--exclude", action="append", default=None, metavar="SOURCE", help="leave a source out")
    train.add_argument("--include-restricted", action="store_true", default=None,
                       help="also train on research-only sources (BABE, MBIC, SemEval)")
    train.add_argument("--base-model", help="encoder name or local path (default: all-MiniLM-L6-v2)")
    train.add_argument("--epochs", type=float)
    train.add_argument("--seed", type=int)
    train.add_argument("--output", help="directory for artifacts (default: artifacts/)")
    train.add_argument("--if-missing", action="store_true", help="do nothing when the store already has a model")
    train.add_argument("--no-register", action="store_true", help="write the artifact but keep it out of the store")
    train.add_argument("--cross-model", help="model trained without Stop Clickbait, for the cross-dataset row")
    train.add_argument("--reports", default="reports", help="where evaluation reports go")
    train.add_argument("--no-baseline", action="store_true",
                       help="skip the TF-IDF baseline comparison (the model check does not need it; "
                            "`headline-lens evaluate MODEL` adds it later)")
    train.add_argument("--quick-evaluation", action="store_true",
                       help="measure only what the model check reads (the Webis-17 and BABE test sets, whole); "
                            "`headline-lens evaluate MODEL` measures everything")
    train.add_argument("--from-checkpoint", metavar="DIR",
                       help="skip fitting: recalibrate, export and evaluate the torch checkpoint of an earlier run "
                            "(ARTIFACT/checkpoint; pass the same preset and options as that run)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(func=_train)

    embedder = subparsers.add_parser(
        "add-embedder", help="copy a model under a new version with the sentence embedder story features need")
    embedder.add_argument("model", help="artifact directory or store tag")
    embedder.add_argument("--output", default="artifacts", help="directory for the new artifact (default: artifacts/)")
    embedder.add_argument("--register", action="store_true", help="also register the new version in the model store")
    embedder.set_defaults(func=_add_embedder)

    evaluate = subparsers.add_parser("evaluate", help="evaluate a saved model and write its report")
    evaluate.add_argument("model", nargs="?", help="artifact directory or store tag (default: newest stored)")
    evaluate.add_argument("--data-dir", help="the public datasets (default: $HEADLINE_LENS_DATA)")
    evaluate.add_argument("--cross-model", help="model trained without Stop Clickbait, for the cross-dataset row")
    evaluate.add_argument("--reports", default="reports", help="where reports go (default: reports/)")
    evaluate.add_argument("--no-baseline", action="store_true", help="skip the TF-IDF baseline")
    evaluate.set_defaults(func=_evaluate)


def _data_dir(explicit: str | None):
    from model.paths import data_dir

    try:
        return data_dir(explicit)
    except FileNotFoundError as exc:
        print(f"headline-lens: {exc}\n{NO_DATA_HINT}", file=sys.stderr)
        return None


def _train(args: argparse.Namespace) -> int:
    import logging

    from model.store import list_models

    # Stage times, the export decision and the model check go to the terminal (or the log file).
    # Only this project's loggers speak at INFO: onnxruntime's quantizer logs dozens of lines per
    # export on the root logger, which buried the export decision.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    for name in ("training", "model"):
        logging.getLogger(name).setLevel(logging.INFO)
    if args.if_missing:
        models = list_models()
        if models:
            print(f"model store already has {models[0]['tag']}; not training (drop --if-missing to train anyway)")
            return 0
    data = _data_dir(args.data_dir)
    if data is None:
        return 2
    from training.evaluate import FULL, QUICK
    from training.run import run_training
    from training.train_config import build_config

    try:
        config = build_config(
            args.preset, args.overrides, exclude=args.exclude, include_restricted=args.include_restricted,
            base_model=args.base_model, epochs=args.epochs, seed=args.seed, output_dir=args.output,
        )
    except ValueError as exc:
        print(f"headline-lens train: {exc}", file=sys.stderr)
        return 2
    result = run_training(
        config, data, register=not args.no_register, cross_model=args.cross_model,
        reports_dir=args.reports, progress=not args.quiet, checkpoint=args.from_checkpoint,
        baseline=not args.no_baseline, scope=QUICK if args.quick_evaluation else FULL,
    )
    print(result.table)
    print(result.manifest.check_report())
    print(f"artifact: {result.artifact_dir}")
    if result.tag:
        print(f"registered: {result.tag}")
    skipped = [what for what, flag in (("the TF-IDF baseline column", args.no_baseline),
                                        ("the measures the model check does not read", args.quick_evaluation))
               if flag]
    if skipped:
        print(f"skipped {' and '.join(skipped)}; measure everything with: headline-lens evaluate {result.artifact_dir}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from model.artifact import ArtifactError

    data = _data_dir(args.data_dir)
    if data is None:
        return 2
    from training.run import run_evaluation

    try:
        report = run_evaluation(
            args.model, data, cross_model=args.cross_model, reports_dir=args.reports, baseline=not args.no_baseline
        )
    except ArtifactError as exc:
        print(f"headline-lens evaluate: {exc}", file=sys.stderr)
        return 2
    print(report.table)
    print(f"report: {report.directory}")
    return 0


def _add_embedder(args: argparse.Namespace) -> int:
    from model.artifact import ArtifactError
    from model.store import resolve
    from training.embedder import add_embedder

    try:
        directory = add_embedder(resolve(args.model), args.output)
    except (ArtifactError, ValueError) as exc:
        print(f"headline-lens add-embedder: {exc}", file=sys.stderr)
        return 2
    print(f"artifact: {directory}")
    if args.register:
        from model.store import register

        print(f"registered: {register(directory)}")
    return 0
