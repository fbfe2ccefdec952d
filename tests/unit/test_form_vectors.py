"""Runs the shared vectors (tests/vectors/forms.json) that the TypeScript validator also runs."""

from __future__ import annotations

import datetime
import functools
import json
from pathlib import Path
from typing import Any

import pytest

from sync.forms import Context, FormSchema, parse_schema, validate
from sync.forms.conditions import json_equal

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "forms.json"


def _load() -> dict[str, Any] | None:
    if not VECTORS.exists():
        return None
    return json.loads(VECTORS.read_text("utf-8"))


DATA = _load()
CASES = DATA["vectors"] if DATA else []


@functools.cache
def _schema(name: str) -> FormSchema:
    assert DATA is not None
    return parse_schema(DATA["schemas"][name])


def _pairs(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((i["path"], i["code"]) for i in items)


@pytest.mark.skipif(DATA is None, reason=f"{VECTORS} does not exist yet")
def test_vector_file_is_well_formed():
    assert DATA is not None
    names = [v["name"] for v in DATA["vectors"]]
    assert len(names) == len(set(names)), "vector names must be unique (they are the test ids)"
    for name in DATA["schemas"]:
        _schema(name)  # every shared schema must parse


@pytest.mark.skipif(DATA is None, reason=f"{VECTORS} does not exist yet")
@pytest.mark.parametrize("vector", CASES, ids=[v["name"] for v in CASES])
def test_vector(vector: dict[str, Any]):
    assert DATA is not None
    reference = DATA["reference"]
    filed_on = vector.get("filed_on")  # absent: the validator's default, today
    context = Context(
        today=datetime.date.fromisoformat(vector["today"]),
        provinces=frozenset(reference["provinces"]),
        communes=dict(reference["communes"]),
        filed_on=datetime.date.fromisoformat(filed_on) if filed_on else None,
    )
    result = validate(_schema(vector["schema"]), vector["answers"], context)

    errors = sorted((i.path, i.code) for i in result.issues if i.severity == "error")
    warnings = sorted((i.path, i.code) for i in result.issues if i.severity == "warning")
    assert errors == _pairs(vector["errors"])
    assert warnings == _pairs(vector.get("warnings", []))
    if "values" in vector:
        assert result.values == vector["values"]
        # == also takes true for 1; the values must be the same JSON
        assert json_equal(result.values, vector["values"]), (result.values, vector["values"])
