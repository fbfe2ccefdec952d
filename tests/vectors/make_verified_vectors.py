"""Write tests/vectors/forms_verified.json: requester sections pre-filled from the facts
an e-ID verified, run by both validators.

Signing in with VNeID pre-fills a new draft's requester section (full name, the identity
card, its personal ID number, residence; date of birth and sex where the section asks
them). Those facts must pass the validators' own checks, or a person would be shown an
error that is not theirs. The identities are the local test provider's demo ones
(harness/oidc_provider/identities.json); the schemas are the catalog's requester
sections as shipped, and one that also asks the date of birth and sex, so the personal
ID's checks against them run. Every expected result is derived by hand from
sync/forms/README.md: a pre-filled section is accepted; a verified number beside the
other sex or another year of birth is not. tests/unit/test_verified_vectors.py fails
when the identities or the sections change and this file was not run again:

    .venv/bin/python tests/vectors/make_verified_vectors.py
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ROOT / "server" / "catalog" / "data" / "sections"
IDENTITIES = ROOT / "harness" / "oidc_provider" / "identities.json"
OUT = Path(__file__).resolve().parent / "forms_verified.json"
TODAY = "2026-12-06"
# A relationship each shipped requester section accepts (the birth's: by sex below).
RELATIONSHIP = {"requester_self": "ban_than", "requester_death": "con"}


def section(name: str) -> dict[str, Any]:
    return json.loads((SECTIONS / f"{name}.json").read_text("utf-8"))


def with_birth_and_sex() -> dict[str, Any]:
    """The shipped requester section, also asking the date of birth and sex, with the
    personal ID checked against both (as a person's section in the catalog is)."""
    s = copy.deepcopy(section("requester"))
    for field in s["fields"]:
        if field["id"] == "id_number":
            field["sex_field"] = "requester.sex"
            field["birth_field"] = "requester.birth_date"
    at = next(i for i, f in enumerate(s["fields"]) if f["id"] == "residence")
    s["fields"][at:at] = [
        {
            "id": "birth_date",
            "type": "date",
            "label": {"vi": "Ngày sinh", "en": "Date of birth"},
            "required": True,
            "not_future": True,
        },
        {"id": "sex", "type": "sex", "label": {"vi": "Giới tính", "en": "Sex"}, "required": True},
    ]
    return s


SCHEMAS = {
    name: {"sections": [section(name)]}
    for name in ("requester", "requester_self", "requester_birth", "requester_death")
} | {"requester_with_birth_and_sex": {"sections": [with_birth_and_sex()]}}
VECTORS: list[dict[str, Any]] = []


def V(name, schema, answers, errors=(), values=None):
    v: dict[str, Any] = {
        "name": name,
        "schema": schema,
        "today": TODAY,
        "answers": answers,
        "errors": [{"path": p, "code": c} for p, c in errors],
    }
    if values is not None:
        v["values"] = values
    VECTORS.append(v)


def prefilled(claims: dict[str, Any]) -> dict[str, Any]:
    """What the app writes into a new draft from the verified facts."""
    return {
        "requester.full_name": claims["name"],
        "requester.id_type": "cccd",
        "requester.id_number": claims["personal_id_number"],
        "requester.residence": claims["address"]["formatted"],
    }


def identities() -> list[dict[str, Any]]:
    return json.loads(IDENTITIES.read_text("utf-8"))


def other_sex(sex: str) -> str:
    return "female" if sex == "male" else "male"


def build() -> dict[str, Any]:
    VECTORS.clear()
    for identity in identities():
        who, claims = identity["login"], identity["claims"]
        base = prefilled(claims)
        for schema in SCHEMAS:
            if schema == "requester_with_birth_and_sex":
                continue
            answers = dict(base)
            if schema == "requester_birth":
                answers["requester.relationship"] = "cha" if claims["gender"] == "male" else "me"
            elif schema in RELATIONSHIP:
                answers["requester.relationship"] = RELATIONSHIP[schema]
            V(f"{who}: {schema} pre-filled from the e-ID is accepted", schema, answers, (), answers)
        full = base | {
            "requester.birth_date": claims["birthdate"],
            "requester.sex": claims["gender"],
        }
        schema = "requester_with_birth_and_sex"
        V(
            f"{who}: the verified number agrees with the verified sex and birth date",
            schema,
            full,
            (),
            full,
        )
        V(
            f"{who}: the verified number beside the other sex is refused",
            schema,
            full | {"requester.sex": other_sex(claims["gender"])},
            [("requester.id_number", "id_sex_mismatch")],
        )
        born = dt.date.fromisoformat(claims["birthdate"])
        V(
            f"{who}: the verified number beside another year of birth is refused",
            schema,
            full | {"requester.birth_date": born.replace(year=born.year - 1).isoformat()},
            [("requester.id_number", "id_birth_year_mismatch")],
        )
    names = [v["name"] for v in VECTORS]
    assert len(names) == len(set(names))
    # The provinces and communes of this world: none (no field of those types).
    return {"reference": {"provinces": [], "communes": {}}, "schemas": SCHEMAS, "vectors": VECTORS}


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    OUT.write_text(render(), "utf-8")
    print(f"{len(VECTORS)} vectors written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
