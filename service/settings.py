"""Service settings: environment variables, optionally a YAML file, and defaults.

Precedence: an environment variable beats the YAML file named by ``HEADLINE_LENS_CONFIG``,
which beats the default. Every setting, its variable and its default is listed in
``SETTINGS`` and in the README's "Configuration" table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from model.text import MAX_CHARS

CONFIG_ENV = "HEADLINE_LENS_CONFIG"

#: field name -> environment variable.
SETTINGS: dict[str, str] = {
    "model": "HEADLINE_LENS_MODEL",
    "feedback_db": "HEADLINE_LENS_FEEDBACK_DB",
    "cache_size": "HEADLINE_LENS_CACHE_SIZE",
    "max_headlines": "HEADLINE_LENS_MAX_HEADLINES",
    "max_chars": "HEADLINE_LENS_MAX_CHARS",
    "max_explain_headlines": "HEADLINE_LENS_MAX_EXPLAIN",
    "max_comment_chars": "HEADLINE_LENS_MAX_COMMENT_CHARS",
    "max_latency_ms": "HEADLINE_LENS_MAX_LATENCY_MS",
    "max_batch_size": "HEADLINE_LENS_MAX_BATCH_SIZE",
    "cors_origins": "HEADLINE_LENS_CORS_ORIGINS",
    "api_keys": "HEADLINE_LENS_API_KEYS",
    "rate_limit_per_minute": "HEADLINE_LENS_RATE_LIMIT",
    "feed_allow_hosts": "HEADLINE_LENS_FEED_ALLOW",
    "feed_timeout_s": "HEADLINE_LENS_FEED_TIMEOUT",
    "feed_max_bytes": "HEADLINE_LENS_FEED_MAX_BYTES",
    "feed_db": "HEADLINE_LENS_FEED_DB",
    "threads": "HEADLINE_LENS_THREADS",
    "max_body_chars": "HEADLINE_LENS_MAX_BODY_CHARS",
    "max_compare_articles": "HEADLINE_LENS_MAX_COMPARE_ARTICLES",
    "max_request_sentences": "HEADLINE_LENS_MAX_REQUEST_SENTENCES",
}


class ConfigError(ValueError):
    """A setting has a value of the wrong type or range; the message names the setting."""


@dataclass(frozen=True)
class ServiceConfig:
    """All service settings. Build one with ``load_config()``."""

    #: Artifact directory or store tag; ``None`` = newest ``headline-lens`` model in the store.
    model: str | None = None
    #: SQLite file for ``POST /feedback``; ``None`` = ``<user data dir>/feedback.sqlite3``.
    feedback_db: str | None = None
    #: Entries in the in-memory score cache (0 disables it).
    cache_size: int = 50_000
    #: Headlines per ``/score`` request.
    max_headlines: int = 256
    #: Characters per headline, as sent and after normalisation (at most ``model.text.MAX_CHARS``).
    max_chars: int = MAX_CHARS
    #: Headlines per ``/score`` request with ``explain``: explaining scores every word again.
    max_explain_headlines: int = 64
    #: Characters of a ``/feedback`` comment.
    max_comment_chars: int = 2_000
    #: Batching: a headline whose estimated or actual wait in the queue passes this gets a 503.
    max_latency_ms: int = 10_000
    #: Batching: most headlines in one model call.
    max_batch_size: int = 256
    #: Browser origins allowed by CORS; empty = no cross-origin access.
    cors_origins: tuple[str, ...] = ()
    #: Accepted API keys; empty = no key required.
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    #: Requests per minute per client; 0 disables rate limiting.
    rate_limit_per_minute: int = 600
    #: Hosts or CIDRs that feed fetching may reach despite the private-address (SSRF) guard.
    feed_allow_hosts: tuple[str, ...] = ()
    #: Timeout of one feed fetch, seconds.
    feed_timeout_s: float = 10.0
    #: Largest feed body read, bytes.
    feed_max_bytes: int = 5 * 1024 * 1024
    #: SQLite feed database of ``GET /feed``; ``None`` = ``<user data dir>/feeds.sqlite3``, the ``feeds`` command's.
    feed_db: str | None = None
    #: model runs in parallel, one core each; ``None`` = all cores this process may use.
    threads: int | None = None
    #: Characters per article body (``/score_article``, ``/compare``), before normalisation.
    max_body_chars: int = 20_000
    #: Articles per ``/compare`` request (at least 2 are always needed).
    max_compare_articles: int = 50
    #: Body sentences per ``/score_article`` or ``/compare`` request: each is scored and embedded.
    max_request_sentences: int = 2_000

    def __post_init__(self) -> None:
        # The model's own limit: a longer text is refused by the library and the feeds too.
        if not 1 <= self.max_chars <= MAX_CHARS:
            raise ConfigError(f"setting max_chars ({SETTINGS['max_chars']}) must be between 1 and {MAX_CHARS}")

    @property
    def feedback_path(self) -> Path:
        """The feedback database file, with the default applied."""
        if self.feedback_db:
            return Path(self.feedback_db).expanduser()
        from model.paths import user_data_dir

        return user_data_dir() / "feedback.sqlite3"

    @property
    def feed_db_path(self) -> Path:
        """The feed database file, with the default applied (shared with ``headline-lens feeds``)."""
        if self.feed_db:
            return Path(self.feed_db).expanduser()
        from model.paths import user_data_dir

        return user_data_dir() / "feeds.sqlite3"


def _convert(name: str, raw: Any, annotation: str) -> Any:
    """Turn a raw env/YAML value into the field's type; raise ``ConfigError`` naming the setting."""
    where = f"{name} ({SETTINGS[name]})"
    if raw is None or raw == "":
        return None if "None" in annotation else ServiceConfig.__dataclass_fields__[name].default
    try:
        if annotation.startswith("tuple"):
            items = raw.split(",") if isinstance(raw, str) else list(raw)
            return tuple(str(item).strip() for item in items if str(item).strip())
        if annotation.startswith("int"):
            value = int(raw)
            if value < 0:
                raise ValueError("must not be negative")
            return value
        if annotation.startswith("float"):
            value = float(raw)
            if value <= 0:
                raise ValueError("must be positive")
            return value
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {where} has invalid value {raw!r}: {exc}") from exc


def _read_yaml(path: str) -> dict[str, Any]:
    import yaml

    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read config file {path} ({CONFIG_ENV}): {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"config file {path} must hold a mapping of setting: value")
    unknown = sorted(set(loaded) - set(SETTINGS))
    if unknown:
        raise ConfigError(f"config file {path}: unknown settings {unknown}; known: {sorted(SETTINGS)}")
    return loaded


def load_config(environ: dict[str, str] | None = None) -> ServiceConfig:
    """Read settings from ``environ`` (default ``os.environ``) and the optional YAML file."""
    environ = os.environ if environ is None else environ
    file_values = _read_yaml(environ[CONFIG_ENV]) if environ.get(CONFIG_ENV) else {}
    values: dict[str, Any] = {}
    for spec in fields(ServiceConfig):
        env_name = SETTINGS[spec.name]
        if env_name in environ:
            raw = environ[env_name]
        elif spec.name in file_values:
            raw = file_values[spec.name]
        else:
            continue
        values[spec.name] = _convert(spec.name, raw, str(spec.type))
    return ServiceConfig(**values)
