"""The overdue rule, one statement for the server and the phone: the vectors in
tests/vectors/overdue.json run here against the desk queue's rule and in vitest
(pwa/src/overdue.test.ts) against the app's, and the open states come from
sync/states.py to both (the app through sync/states.json)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from server.desk.queue import is_overdue
from sync.states import OPEN_STATES, State

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors/overdue.json").read_text("utf-8")
)["vectors"]


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_desk_rule_follows_the_vectors(vector: dict) -> None:
    row = {
        "state": State[vector["state"].upper()],
        "due_date": _day(vector["due_date"]),
        "appointment_date": _day(vector["appointment_date"]),
    }
    assert is_overdue(row, _day(vector["today"])) is vector["overdue"]


def test_every_state_has_a_vector_open_or_not() -> None:
    assert {State[v["state"].upper()] for v in VECTORS} == set(State)
    assert {State[v["state"].upper()] for v in VECTORS if v["overdue"]} == set(OPEN_STATES)
