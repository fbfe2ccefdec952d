"""Runs the shared code vectors (tests/vectors/codes.json) that pwa/src/codes.test.ts
also runs, and pins the server's keyed permutation (`issued`), which the phone lacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.code_permutation import CodeIssuer
from sync.codes import ALPHABET, InvalidCode, make_code, parse_code

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "codes.json").read_text("utf-8")
)


def test_alphabet() -> None:
    assert VECTORS["alphabet"] == ALPHABET


@pytest.mark.parametrize(
    "v", VECTORS["layout"], ids=lambda v: f"{v['commune']}/{v['year']}/{v['sequence']}"
)
def test_layout(v: dict) -> None:
    assert make_code(v["commune"], v["year"], v["sequence"]) == v["code"]
    assert parse_code(v["code"]) == v["code"]


@pytest.mark.parametrize("v", VECTORS["parse"], ids=lambda v: repr(v["input"]))
def test_parse(v: dict) -> None:
    if "code" in v:
        assert parse_code(v["input"]) == v["code"]
    else:
        with pytest.raises(InvalidCode) as caught:
            parse_code(v["input"])
        assert caught.value.reason == v["problem"]


@pytest.mark.parametrize(
    "v",
    VECTORS["issued"],
    ids=lambda v: f"{v['key'][:6]}/{v['commune']}/{v['year']}/{v['counter']}",
)
def test_issued_codes_are_pinned(v: dict) -> None:
    issuer = CodeIssuer(bytes.fromhex(v["key"]), v["commune"], v["year"])
    assert issuer.code(v["counter"]) == v["code"]
    assert issuer.counter(v["code"]) == v["counter"]
    assert parse_code(v["code"]) == v["code"]
