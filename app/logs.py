"""One JSON object per log line, for the app, access and gunicorn logs alike.

Log shippers parse lines, not Python tracebacks spread over many lines, and every line written
while serving a request carries that request's id so a user's report can be traced end to end.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import g, has_request_context

_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_HANDLER_NAME = "kindlab-json"


class JsonFormatter(logging.Formatter):
    """Formats records as JSON; `extra=` fields become top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class StdoutHandler(logging.StreamHandler):
    """Writes to sys.stdout as it is at emit time, so redirections (e.g. test capture) apply."""

    @property
    def stream(self) -> TextIO:  # type: ignore[override]
        return sys.stdout

    @stream.setter
    def stream(self, _: TextIO) -> None:
        """StreamHandler.__init__ assigns a stream; the property above always wins."""


def configure_logging(logger_name: str, level: str) -> logging.Logger:
    """Give `logger_name` exactly one JSON stdout handler, however often the factory runs."""
    logger = logging.getLogger(logger_name)
    for handler in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
        logger.removeHandler(handler)
    handler = StdoutHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return logger


def gunicorn_logconfig(level: str) -> dict[str, Any]:
    """dictConfig for gunicorn's own loggers, so master and worker events are JSON too."""
    # Dotted names, not classes: Python before 3.11.4 accepts only strings for "class".
    handler = {"class": f"{__name__}.StdoutHandler", "formatter": "json"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"json_stdout": handler},
        "root": {"handlers": ["json_stdout"], "level": level},
        "loggers": {
            "gunicorn.error": {"handlers": ["json_stdout"], "level": level, "propagate": False},
            # The app logs each request itself, with its request id; this would be a duplicate.
            "gunicorn.access": {"handlers": [], "propagate": False},
        },
    }
