"""Keep headline text and page URLs out of the server's logs.

By default the service logs BentoML's access line (method, path without query string, status,
latency; never a body) and the traceback of a failed request. A traceback is where user text
leaks: an exception message may quote its input (pydantic's ``ValidationError`` prints
``input_value=...``, and so may any ``ValueError`` raised with the headline in it).

``RedactingFilter`` rewrites every log record's exception into its type names, its stack frames
and, for validation errors, the field locations and messages without the input. It also strips the
query string from uvicorn's access lines (shown only in debug mode). ``install_log_redaction``
attaches it to every handler, so it holds whatever logger a record comes from.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from types import TracebackType

#: Logged instead of an exception's message.
REDACTED = "<message redacted: it may quote request data>"


def _validation_summary(exc: BaseException) -> str | None:
    """``loc: msg`` of each pydantic validation error, never the offending input."""
    errors = getattr(exc, "errors", None)
    if not callable(errors) or type(exc).__name__ != "ValidationError":
        return None
    try:
        items = errors(include_input=False, include_context=False, include_url=False)
    except TypeError:
        return None
    return "; ".join(f"{'.'.join(str(part) for part in item.get('loc', ()))}: {item.get('msg', '')}" for item in items)


def redacted_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` and its causes with every exception message left out."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    blocks = []
    for item in reversed(chain):
        tb: TracebackType | None = item.__traceback__
        frames = "".join(traceback.format_tb(tb)) if tb is not None else ""
        summary = _validation_summary(item) or REDACTED
        blocks.append(f"Traceback (most recent call last):\n{frames}{type(item).__qualname__}: {summary}")
    return "\n\nThe above exception led to the following exception:\n\n".join(blocks)


def _without_query(target: object) -> object:
    return target.split("?", 1)[0] if isinstance(target, str) else target


class RedactingFilter(logging.Filter):
    """A handler filter that removes request data from records; it never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()}\n{redacted_traceback(record.exc_info[1])}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) >= 3:
            # uvicorn's access format: (client, method, full_path, http_version, status).
            args = list(record.args)
            args[2] = _without_query(args[2])
            record.args = tuple(args)
        return True


def _all_handlers() -> list[logging.Handler]:
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [item for item in logging.root.manager.loggerDict.values() if isinstance(item, logging.Logger)]
    handlers: dict[int, logging.Handler] = {}
    for logger in loggers:
        for handler in logger.handlers:
            handlers[id(handler)] = handler
    return list(handlers.values())


def install_log_redaction(handlers: Iterable[logging.Handler] | None = None) -> int:
    """Attach one ``RedactingFilter`` to each handler (default: every handler configured now).

    Returns how many handlers got one; idempotent. Call it after logging is configured: BentoML
    configures a worker's logging before it imports the service module, which calls this.
    """
    installed = 0
    for handler in _all_handlers() if handlers is None else handlers:
        if not any(isinstance(existing, RedactingFilter) for existing in handler.filters):
            handler.addFilter(RedactingFilter())
            installed += 1
    return installed
