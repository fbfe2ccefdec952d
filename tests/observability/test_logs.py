"""The log formats: one JSON object a line with the request's fields and, for an
error, its traceback; or plain text; chosen by MOTCUA_LOG_FORMAT."""

from __future__ import annotations

import io
import json
import logging

import pytest

from server.observability.logs import (
    RequestFields,
    json_formatter,
    request_id,
    request_route,
    use_json,
)
from server.settings import SettingsError, load_settings


def rendered(record: logging.LogRecord) -> dict:
    """The line a record makes, logged while the current request is being served."""
    RequestFields().filter(record)
    return json.loads(json_formatter().format(record))


def test_a_line_carries_the_request_it_was_logged_in() -> None:
    tokens = request_id.set("0f8b3c2d9e1a4b5c6d7e8f9a0b1c2d3e"), request_route.set("/api/sync/push")
    try:
        record = logging.LogRecord("motcua.x", logging.WARNING, __file__, 1, "%d left", (3,), None)
        line = rendered(record)
    finally:
        request_route.reset(tokens[1])
        request_id.reset(tokens[0])
    assert line["message"] == "3 left" and line["level"] == "WARNING"
    assert line["logger"] == "motcua.x"
    assert line["request_id"] == "0f8b3c2d9e1a4b5c6d7e8f9a0b1c2d3e"
    assert line["route"] == "/api/sync/push"
    assert line["time"].endswith("Z") and "T" in line["time"]


def test_an_error_line_carries_its_exception() -> None:
    try:
        raise ValueError("hỏng")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "motcua.problems", logging.ERROR, __file__, 1, "unhandled", (), sys.exc_info()
        )
    line = rendered(record)
    assert "ValueError: hỏng" in line["exception"]
    assert "Traceback" in line["exception"]
    assert "request_id" not in line  # outside a request


def test_the_format_setting() -> None:
    assert load_settings({}).log_format == "auto"
    assert load_settings({"MOTCUA_LOG_FORMAT": "TEXT"}).log_format == "text"
    with pytest.raises(SettingsError, match="MOTCUA_LOG_FORMAT"):
        load_settings({"MOTCUA_LOG_FORMAT": "xml"})
    assert use_json("auto", io.StringIO())  # not a terminal
    assert not use_json("text", io.StringIO())
