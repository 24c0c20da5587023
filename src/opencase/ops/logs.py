"""Logs: one JSON object per line (or plain text), each carrying the request id it belongs to.

The request id comes from the client's `X-Request-Id` when it is a sane token, else opencase
makes one; it is echoed in the response's `X-Request-Id` header and in every log line written
while the request is served (access line, warnings, errors with their traceback).
"""

from __future__ import annotations

import contextvars
import datetime
import logging
import re
import uuid
from typing import Any

import msgspec

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_encode = msgspec.json.Encoder(enc_hook=repr).encode  # any odd `extra` value as its repr
# What a LogRecord holds of its own; anything else came in through `extra=`.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


def new_request_id(given: str | None) -> str:
    """The client's id when it is a token of at most 128 safe characters, else a fresh one."""
    if given and _SANE_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id", …extra fields, "exception"}`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            line["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _encode(line).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        rid = request_id.get()
        return f"{text} request_id={rid}" if rid else text


def log_config(fmt: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn and opencase: everything to standard error."""
    formatter = f"opencase.ops.logs.{'JsonFormatter' if fmt == 'json' else 'TextFormatter'}"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"level": "INFO", "handlers": [], "propagate": True},
            "uvicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            # opencase writes its own access lines (opencase.access), with the request id.
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
