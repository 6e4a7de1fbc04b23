"""The rows a default training run trains on, as the benchmarks sample them."""

from __future__ import annotations

from typing import Any


def default_training_sample(data_dir: str | None, rows: int) -> tuple[Any, Any, Any]:
    """``(config, assembled, sample)``: the default preset, its assembled data, and a seeded sample
    of ``rows`` of its training rows with the composite headlines a run adds (``training.augment``)."""
    from model.paths import data_dir as resolve_data_dir
    from training.assemble import assemble
    from training.augment import with_configured_composites
    from training.train_config import build_config

    config = build_config("default")
    assembled = assemble(config, resolve_data_dir(data_dir))
    training = with_configured_composites(assembled.training_rows(), config)
    return config, assembled, training.sample(n=min(rows, len(training)), random_state=0)
