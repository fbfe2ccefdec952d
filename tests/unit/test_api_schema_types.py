"""pwa/src/api/schema.d.ts, the app's types for every request and answer, is what
openapi-typescript makes of the server's OpenAPI document today: a handler whose
body, parameters or answer changed fails here until the types are remade
(`npm run api-types` in pwa/)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from server.openapi_document import document

PWA = Path(__file__).resolve().parents[2] / "pwa"
SCHEMA_TYPES = PWA / "src/api/schema.d.ts"
GENERATOR = PWA / "tools/openapi-typescript/node_modules/.bin/openapi-typescript"


@pytest.fixture(scope="module")
def node() -> str:
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not installed"
    elif not GENERATOR.exists():
        problem = "openapi-typescript is not installed: run `npm ci` in pwa/tools/openapi-typescript (make test does)"
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    assert node is not None
    return node


def make_types(node: str, openapi: dict[str, object], tmp_path: Path) -> str:
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(openapi), encoding="utf-8")
    out = tmp_path / "schema.d.ts"
    done = subprocess.run(
        [node, str(PWA / "scripts/api-types.mjs"), str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"api-types failed:\n{done.stdout}{done.stderr}"
    return out.read_text("utf-8")


def test_schema_types_are_made_from_the_servers_openapi_document(node: str, tmp_path: Path):
    made = make_types(node, document(), tmp_path)
    assert made == SCHEMA_TYPES.read_text("utf-8"), (
        "pwa/src/api/schema.d.ts is stale: run `npm run api-types` in pwa/"
    )


def test_a_changed_answer_changes_the_types(node: str, tmp_path: Path):
    """The comparison can fail: one answer's field renamed gives other types."""
    openapi = document()
    schemas = openapi["components"]["schemas"]
    pull = schemas["PullResponse"]["properties"]
    pull["cursor_renamed"] = pull.pop("cursor")
    made = make_types(node, openapi, tmp_path)
    assert made != SCHEMA_TYPES.read_text("utf-8")
    assert "cursor_renamed" in made


def test_every_operation_has_its_own_id():
    """openapi-typescript keys operations by id: two with one id give types that name
    whichever it met last, which differ with the document's key order."""
    ids = [
        operation["operationId"]
        for path in document()["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
