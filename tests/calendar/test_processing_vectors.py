"""The shared processing-time vectors (tests/vectors/processing.json), which vitest also
runs against the app's copy of the rule (pwa/src/processing.ts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from server.calendar.rules import processing_days
from server.catalog.definition import Processing
from server.catalog.loader import load_catalog

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "processing.json").read_text("utf-8")
)["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_processing_vector(vector: dict[str, Any]) -> None:
    processing = msgspec.convert(vector["processing"], Processing)
    assert processing_days(processing, extended=vector["extended"]) == vector["days"]


def test_the_vectors_cover_every_kind_of_processing_the_catalog_has() -> None:
    def shape(p: dict[str, Any]) -> tuple[str, bool]:
        return (p["kind"], bool(p.get("extended_days")))

    covered = {shape(v["processing"]) for v in VECTORS}
    shipped = {shape(msgspec.to_builtins(p.definition.processing)) for p in load_catalog()}
    assert shipped <= covered
