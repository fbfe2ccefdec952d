"""Write tests/vectors/forms_identity.json: identity documents as the catalog ships them.

The schemas are the catalog's own sections (server/catalog/data/sections), written out
in full, so both validators run the rules people fill in: a document type, the 12-digit
personal ID only for the Vietnamese identity card, a passport's number and issuing
country, the requester's residence or document. Every expected result is derived by hand
from sync/forms/README.md, never from a validator. tests/unit/test_catalog_identity.py
checks that the sections here are still the shipped ones; regenerate when they change:

    .venv/bin/python tests/vectors/make_identity_vectors.py
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ROOT / "server" / "catalog" / "data" / "sections"
OUT = Path(__file__).resolve().parent / "forms_identity.json"
TODAY = "2026-03-01"
ID_PROVINCES = set(json.loads((ROOT / "sync/forms/reference/id_province_codes.json").read_text()))


def section(name: str) -> dict:
    return json.loads((SECTIONS / f"{name}.json").read_text("utf-8"))


def make_id(prov: str, sex: str, year: int, serial: int) -> str:
    """PPP G YY NNNNNN; G from century and sex (even = male)."""
    assert prov in ID_PROVINCES, prov
    g = (year // 100 - 19) * 2 + (0 if sex == "male" else 1)
    return f"{prov}{g}{year % 100:02d}{serial:06d}"


def khai_sinh_mother_rule() -> dict:
    form = json.loads((SECTIONS.parent / "procedures" / "khai-sinh.json").read_text("utf-8"))
    rule = form["form"]["fill_rules"][0]
    assert rule["when"] == {"field": "requester.relationship", "equals": "me"}
    return rule


SCHEMAS = {
    "birth": {
        "sections": [section("requester_birth"), section("mother")],
        "fill_rules": [khai_sinh_mother_rule()],
    },
    "marriage": {"sections": [section("groom"), section("bride")]},
    "death": {"sections": [section("requester_death"), section("deceased")]},
}
VECTORS: list[dict] = []


def V(name, schema, answers, errors=(), values=None):
    v = {
        "name": name,
        "schema": schema,
        "today": TODAY,
        "answers": answers,
        "errors": [{"path": p, "code": c} for p, c in errors],
    }
    if values is not None:
        v["values"] = values
    VECTORS.append(v)


HOME = "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội"
GRANDMOTHER = {
    "requester.full_name": "Trần Thị Mai",
    "requester.relationship": "ong_ba",
}
MOTHER = {
    "mother.full_name": "Lê Thị Hoa",
    "mother.birth_date": "1990-05-01",
    "mother.ethnicity": "01",
    "mother.nationality": "VN",
    "mother.residence": HOME,
    "mother.id_number": make_id("001", "female", 1990, 12345),
}
FOREIGN_MOTHER = {
    "mother.full_name": "Kim Ji-yeon",
    "mother.birth_date": "1995-04-02",
    "mother.ethnicity": "01",
    "mother.nationality": "KR",
    "mother.residence": HOME,
}
PASSPORT = {
    "requester.id_type": "passport",
    "requester.document_number": "M12345678",
    "requester.document_country": "KR",
}

# ------------------------------------------------ birth: the requester and the mother
V(
    "foreign mother files with her passport; her section is filled from the requester's",
    "birth",
    {
        "requester.full_name": "Kim Ji-yeon",
        "requester.id_type": "passport",
        "requester.document_number": " M12345678 ",
        "requester.document_country": "kr",
        "requester.residence": HOME,
        "requester.relationship": "me",
        "mother.birth_date": "1995-04-02",
        "mother.ethnicity": "01",
        "mother.nationality": "KR",
    },
    values={
        "requester.full_name": "Kim Ji-yeon",
        "requester.id_type": "passport",
        "requester.document_number": "M12345678",
        "requester.document_country": "KR",
        "requester.residence": HOME,
        "requester.relationship": "me",
        "mother.full_name": "Kim Ji-yeon",
        "mother.birth_date": "1995-04-02",
        "mother.ethnicity": "01",
        "mother.nationality": "KR",
        "mother.residence": HOME,
        "mother.id_type": "passport",
        "mother.document_number": "M12345678",
        "mother.document_country": "KR",
    },
)
V(
    "a passport number is not checked as a 12-digit personal ID",
    "birth",
    GRANDMOTHER | PASSPORT | {"requester.document_number": "B1234"} | MOTHER,
)
V(
    "a 12-digit passport number with no ID province is still a passport number",
    "birth",
    GRANDMOTHER | PASSPORT | {"requester.document_number": "999999999999"} | MOTHER,
)
V(
    "a passport number shorter than 5 characters is too_short",
    "birth",
    GRANDMOTHER | PASSPORT | {"requester.document_number": "B123"} | MOTHER,
    [("requester.document_number", "too_short")],
)
V(
    "a passport number longer than 20 characters is too_long",
    "birth",
    GRANDMOTHER | PASSPORT | {"requester.document_number": "B" * 21} | MOTHER,
    [("requester.document_number", "too_long")],
)
V(
    "a passport needs its issuing country",
    "birth",
    GRANDMOTHER | PASSPORT | {"requester.document_country": None} | MOTHER,
    [("requester.document_country", "required")],
)
V(
    "another document needs its issuing authority, not a country",
    "birth",
    GRANDMOTHER | {"requester.id_type": "other", "requester.document_number": "B7654321"} | MOTHER,
    [("requester.document_issuer", "required")],
)
V(
    "another document with its authority and no residence is accepted",
    "birth",
    GRANDMOTHER
    | {
        "requester.id_type": "other",
        "requester.document_number": "B7654321",
        "requester.document_issuer": "Bộ Ngoại giao Hoa Kỳ",
    }
    | MOTHER,
)
V(
    "requester with a residence and no document is accepted",
    "birth",
    GRANDMOTHER | {"requester.residence": HOME} | MOTHER,
)
V(
    "requester with a personal ID and no residence is accepted",
    "birth",
    GRANDMOTHER | {"requester.id_number": make_id("001", "female", 1960, 1)} | MOTHER,
)
V(
    "requester with neither a residence nor a document is refused",
    "birth",
    GRANDMOTHER | MOTHER,
    [("requester.id_number", "required"), ("requester.residence", "required")],
)
V(
    "requester who chose a passport gives its number and country, residence or not",
    "birth",
    GRANDMOTHER | {"requester.id_type": "passport", "requester.residence": HOME} | MOTHER,
    [("requester.document_number", "required"), ("requester.document_country", "required")],
)
V(
    "a personal ID hidden behind a passport is neither checked nor kept",
    "birth",
    GRANDMOTHER | PASSPORT | {"requester.id_number": "123"} | MOTHER,
    values=GRANDMOTHER | PASSPORT | MOTHER,
)
V(
    "a personal ID hidden behind a passport does not stand for the document",
    "birth",
    GRANDMOTHER
    | {"requester.id_type": "passport", "requester.id_number": make_id("001", "female", 1960, 1)}
    | MOTHER,
    [
        ("requester.document_number", "required"),
        ("requester.document_country", "required"),
        ("requester.residence", "required"),
    ],
)
V(
    "the personal ID chosen as such is still checked for its structure",
    "birth",
    GRANDMOTHER | {"requester.id_type": "cccd", "requester.id_number": "00119001234"} | MOTHER,
    [("requester.id_number", "invalid_format")],
)
V(
    "a Vietnamese mother without a document is refused",
    "birth",
    GRANDMOTHER | {"requester.residence": HOME} | MOTHER | {"mother.id_number": None},
    [("mother.id_number", "required")],
)
V(
    "a foreign mother without a document is accepted",
    "birth",
    GRANDMOTHER | {"requester.residence": HOME} | FOREIGN_MOTHER,
)
V(
    "a foreign mother gives no ethnicity: the 54 are Vietnam's peoples",
    "birth",
    GRANDMOTHER | {"requester.residence": HOME} | FOREIGN_MOTHER | {"mother.ethnicity": None},
)
V(
    "a Vietnamese mother without her ethnicity is refused",
    "birth",
    GRANDMOTHER | {"requester.residence": HOME} | MOTHER | {"mother.ethnicity": None},
    [("mother.ethnicity", "required")],
)
V(
    "a mother whose nationality is not given yet needs her ethnicity too",
    "birth",
    GRANDMOTHER
    | {"requester.residence": HOME}
    | MOTHER
    | {"mother.ethnicity": None, "mother.nationality": None},
    [("mother.ethnicity", "required"), ("mother.nationality", "required")],
)
V(
    "the mother's personal ID must agree with her year of birth",
    "birth",
    GRANDMOTHER
    | {"requester.residence": HOME}
    | MOTHER
    | {"mother.id_number": make_id("001", "female", 1991, 12345)},
    [("mother.id_number", "id_birth_year_mismatch")],
)
V(
    "the mother's passport number emptied after the fill stays empty and is required",
    "birth",
    {
        "requester.full_name": "Kim Ji-yeon",
        "requester.relationship": "me",
        "requester.residence": HOME,
        "mother.birth_date": "1995-04-02",
        "mother.ethnicity": "01",
        "mother.nationality": "KR",
        "mother.document_number": "",
    }
    | PASSPORT,
    [("mother.document_number", "required")],
)

# ------------------------------------------------ marriage: a party must have a document
GROOM_VN = {
    "groom.full_name": "Nguyễn Văn An",
    "groom.birth_date": "1990-06-01",
    "groom.ethnicity": "01",
    "groom.nationality": "VN",
    "groom.residence": HOME,
    "groom.id_number": make_id("001", "male", 1990, 4321),
    "groom.marital_status": "chua_ket_hon",
}
BRIDE_US = {
    "bride.full_name": "Mary Smith",
    "bride.birth_date": "1992-07-15",
    "bride.ethnicity": "01",
    "bride.nationality": "US",
    "bride.residence": "12 Main Street, Springfield, USA",
    "bride.id_type": "passport",
    "bride.document_number": "A01234567",
    "bride.document_country": "US",
    "bride.marital_status": "chua_ket_hon",
}
V("a foreign bride with her passport marries a Vietnamese groom", "marriage", GROOM_VN | BRIDE_US)
V(
    "a foreign marriage party with no document at all is refused",
    "marriage",
    GROOM_VN
    | {
        k: v
        for k, v in BRIDE_US.items()
        if k not in ("bride.id_type", "bride.document_number", "bride.document_country")
    },
    [("bride.id_number", "required")],
)
V(
    "a marriage party with another document gives its number and authority",
    "marriage",
    GROOM_VN
    | {"groom.id_type": "other", "groom.document_number": "N1234567", "groom.id_number": None}
    | BRIDE_US,
    [("groom.document_issuer", "required")],
)
V(
    "a marriage party's personal ID is still checked for its structure",
    "marriage",
    GROOM_VN | {"groom.id_number": "12345"} | BRIDE_US,
    [("groom.id_number", "invalid_format")],
)
V(
    "a marriage party's personal ID must agree with the year of birth",
    "marriage",
    GROOM_VN | {"groom.id_number": make_id("001", "male", 1991, 4321)} | BRIDE_US,
    [("groom.id_number", "id_birth_year_mismatch")],
)

# ------------------------------------------------ death: the deceased's ID only if any
REQUESTER_DEATH = {
    "requester.full_name": "Phạm Thị Lan",
    "requester.residence": HOME,
    "requester.relationship": "con",
}
DECEASED = {
    "deceased.full_name": "Phạm Văn Bình",
    "deceased.sex": "male",
    "deceased.birth_date": "1940",
    "deceased.ethnicity": "01",
    "deceased.nationality": "VN",
    "deceased.residence": HOME,
}
V("a deceased without any personal ID is accepted", "death", REQUESTER_DEATH | DECEASED)
V(
    "the deceased's personal ID must agree with the sex",
    "death",
    REQUESTER_DEATH | DECEASED | {"deceased.id_number": make_id("001", "female", 1940, 77)},
    [("deceased.id_number", "id_sex_mismatch")],
)
V(
    "the deceased's personal ID must agree with the year of birth",
    "death",
    REQUESTER_DEATH | DECEASED | {"deceased.id_number": make_id("001", "male", 1941, 77)},
    [("deceased.id_number", "id_birth_year_mismatch")],
)
V(
    "a deceased foreigner identified by a passport",
    "death",
    REQUESTER_DEATH
    | DECEASED
    | {
        "deceased.nationality": "FR",
        "deceased.id_type": "passport",
        "deceased.document_number": "18AB12345",
        "deceased.document_country": "FR",
    },
)
V(
    "a Vietnamese living abroad registers a death with a Vietnamese passport, no residence",
    "death",
    REQUESTER_DEATH
    | {
        "requester.residence": None,
        "requester.id_type": "passport",
        "requester.document_number": "C1234567",
        "requester.document_country": "VN",
    }
    | DECEASED,
)


def main() -> None:
    names = [v["name"] for v in VECTORS]
    assert len(names) == len(set(names))
    doc = {
        "reference": {"provinces": ["01"], "communes": {}},
        "schemas": SCHEMAS,
        "vectors": VECTORS,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"{len(VECTORS)} vectors written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
