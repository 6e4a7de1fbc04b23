"""Where headline-lens keeps user files and finds the public datasets."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "HEADLINE_LENS_DATA"
HOME_ENV = "HEADLINE_LENS_HOME"


def user_data_dir() -> Path:
    """Per-user directory for databases and reports (``$HEADLINE_LENS_HOME`` overrides)."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV])
    from platformdirs import user_data_path

    return user_data_path("headline-lens", appauthor=False)


def data_dir(explicit: str | Path | None = None) -> Path:
    """The public-datasets directory: an explicit flag, else ``$HEADLINE_LENS_DATA``.

    Raises ``FileNotFoundError`` with a hint when neither points at a directory.
    """
    chosen = explicit or os.environ.get(DATA_ENV)
    if not chosen:
        raise FileNotFoundError(
            f"no data directory: pass --data-dir or set {DATA_ENV} to the folder holding the datasets"
        )
    path = Path(chosen)
    if not path.is_dir():
        raise FileNotFoundError(f"data directory {path} does not exist")
    return path
