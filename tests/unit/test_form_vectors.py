"""Runs the shared vectors (tests/vectors/forms*.json) that the TypeScript validator also runs.

Each file is a world of its own (reference data, schemas, vectors), so a rule's vectors
can live in a file of their own; test ids are `<file stem>/<vector name>`."""

from __future__ import annotations

import datetime
import functools
import json
from pathlib import Path
from typing import Any

import pytest

from sync.forms import Context, FormSchema, parse_schema, validate
from sync.forms.conditions import json_equal

VECTOR_DIR = Path(__file__).resolve().parents[1] / "vectors"
FILES = {
    path.stem: json.loads(path.read_text("utf-8"))
    for path in sorted(VECTOR_DIR.glob("forms*.json"))
}
CASES = [(stem, vector) for stem, data in FILES.items() for vector in data["vectors"]]


@functools.cache
def _schema(stem: str, name: str) -> FormSchema:
    return parse_schema(FILES[stem]["schemas"][name])


def _pairs(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((i["path"], i["code"]) for i in items)


def test_vector_files_exist():
    assert "forms" in FILES, f"{VECTOR_DIR}/forms.json is missing"


@pytest.mark.parametrize("stem", sorted(FILES))
def test_vector_file_is_well_formed(stem: str):
    data = FILES[stem]
    names = [v["name"] for v in data["vectors"]]
    assert names, "a vector file holds at least one vector"
    assert len(names) == len(set(names)), "vector names must be unique (they are the test ids)"
    for name in data["schemas"]:
        _schema(stem, name)  # every shared schema must parse
    for vector in data["vectors"]:
        assert vector["schema"] in data["schemas"], vector["name"]


@pytest.mark.parametrize(
    ("stem", "vector"), CASES, ids=[f"{stem}/{vector['name']}" for stem, vector in CASES]
)
def test_vector(stem: str, vector: dict[str, Any]):
    reference = FILES[stem]["reference"]
    filed_on = vector.get("filed_on")  # absent: the validator's default, today
    context = Context(
        today=datetime.date.fromisoformat(vector["today"]),
        provinces=frozenset(reference["provinces"]),
        communes=dict(reference["communes"]),
        filed_on=datetime.date.fromisoformat(filed_on) if filed_on else None,
    )
    result = validate(_schema(stem, vector["schema"]), vector["answers"], context)

    errors = sorted((i.path, i.code) for i in result.issues if i.severity == "error")
    warnings = sorted((i.path, i.code) for i in result.issues if i.severity == "warning")
    assert errors == _pairs(vector["errors"])
    assert warnings == _pairs(vector.get("warnings", []))
    if "values" in vector:
        assert result.values == vector["values"]
        # == also takes true for 1; the values must be the same JSON
        assert json_equal(result.values, vector["values"]), (result.values, vector["values"])
