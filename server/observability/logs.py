"""Logging for `motcua serve`: one JSON object a line (or plain text), each line of a
request carrying that request's id, method and route (server/observability/requests.py
sets them in context variables for the request's task and everything it awaits)."""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.msgspec import MsgspecFormatter

# What the request being served is; "" outside a request (start-up, background loops).
request_id: ContextVar[str] = ContextVar("request_id", default="")
request_method: ContextVar[str] = ContextVar("request_method", default="")
request_route: ContextVar[str] = ContextVar("request_route", default="")

JSON_FIELDS = ["asctime", "levelname", "name", "message"]
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger", "exc_info": "exception"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestFields(logging.Filter):
    """Adds the current request's fields to every record (an access line sets its own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = request_id.get()
        if rid and not hasattr(record, "request_id"):
            record.request_id = rid
            record.method = request_method.get()
            record.route = request_route.get()
        return True


class _TextRequestFields(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = "-"
        return True


def json_formatter() -> logging.Formatter:
    # Times in UTC, ISO 8601 with milliseconds: what log shippers parse without help.
    formatter = MsgspecFormatter(
        JSON_FIELDS,
        rename_fields=RENAMED,
        # uvicorn adds a coloured copy of some messages; the plain one is enough.
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )
    formatter.converter = _utc
    formatter.default_time_format = "%Y-%m-%dT%H:%M:%S"
    formatter.default_msec_format = "%s.%03dZ"
    return formatter


def _utc(seconds: float | None) -> time.struct_time:
    return time.gmtime(seconds)


def use_json(log_format: str, stream=None) -> bool:
    if log_format == "auto":
        return not (stream or sys.stderr).isatty()
    return log_format == "json"


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """The root logger writes to stderr in the chosen format; every motcua, uvicorn
    and Litestar logger propagates to it. Written by the thread that logs, as
    uvicorn's own access log was: a writer thread costs more than it saves (each
    record handed over wakes it, and the event loop then waits for the GIL)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestFields())
    if use_json(log_format):
        handler.setFormatter(json_formatter())
    else:
        handler.addFilter(_TextRequestFields())
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Piccolo announces the database version at INFO each time it connects: noise.
    logging.getLogger("piccolo").setLevel(max(level, logging.WARNING))
