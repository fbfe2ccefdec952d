"""Identity documents in the shipped catalog (Luật Hộ tịch 2014; Nghị định 123/2015 and
63/2024): foreigners and Vietnamese abroad identify themselves by passport or another
document, the 12-digit personal ID is checked only as such, the requester gives a
residence or a document, marriage parties a document, the deceased one only if any."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from server.catalog.loader import DATA_DIR, LoadedProcedure, load_catalog
from sync.forms import Context, FormSchema, parse_schema, validate
from sync.forms.language import for_level
from sync.forms.schema import NationalityField, PersonalIdField, SelectField, TextField

CATALOG = {p.definition.code: p for p in load_catalog()}
CTX = Context(today=datetime.date(2026, 3, 15), provinces=frozenset(), communes={})
VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "forms_identity.json"
ALT = ["passport", "other"]
DEATH = [
    "khai-tu",
    "khai-tu-qua-han",
    "dang-ky-lai-khai-tu",
    "lien-thong-khai-tu",
    "khai-tu-theo-quyet-dinh-toa-an",
]
# The person being born has no document of their own yet: only their personal ID, if issued.
NO_DOCUMENT_TYPE = {"child.id_number"}
# The funeral allowance is paid through Vietnamese social insurance (another task's fields).
NOT_A_PARTY = {("lien-thong-khai-tu", "funeral.recipient_id")}


def _schema(code: str) -> FormSchema:
    procedure: LoadedProcedure = CATALOG[code]
    return parse_schema(procedure.definition.form)


def _issues(code: str, answers: dict[str, Any], *prefixes: str) -> list[tuple[str, str]]:
    result = validate(_schema(code), answers, CTX)
    return sorted((i.path, i.code) for i in result.issues if i.path.startswith(prefixes))


KOREAN_MOTHER = {
    "requester.full_name": "Kim Ji-yeon",
    "requester.id_type": "passport",
    "requester.document_number": "M12345678",
    "requester.document_country": "kr",
    "requester.residence": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
    "requester.relationship": "me",
    "mother.birth_date": "1995-04-02",
    "mother.ethnicity": "01",
    "mother.nationality": "KR",
}


def test_a_foreign_mother_files_a_birth_with_her_passport() -> None:
    result = validate(_schema("khai-sinh"), KOREAN_MOTHER, CTX)
    mine = [i for i in result.issues if i.path.startswith(("requester.", "mother."))]
    assert mine == []
    # Her section is filled from the requester's, the document with it.
    assert {k: v for k, v in result.values.items() if k.startswith("mother.")} == {
        "mother.full_name": "Kim Ji-yeon",
        "mother.birth_date": "1995-04-02",
        "mother.ethnicity": "01",
        "mother.nationality": "KR",
        "mother.id_type": "passport",
        "mother.document_number": "M12345678",
        "mother.document_country": "KR",
        "mother.residence": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
    }


def test_a_passport_number_is_not_read_as_a_vietnamese_id() -> None:
    answers = KOREAN_MOTHER | {"requester.document_number": "E1234"}
    assert _issues("khai-sinh", answers, "requester.") == []
    answers = KOREAN_MOTHER | {"requester.document_number": "E12"}
    assert _issues("khai-sinh", answers, "requester.") == [
        ("requester.document_number", "too_short")
    ]


def test_a_passport_needs_its_issuing_country() -> None:
    answers = {k: v for k, v in KOREAN_MOTHER.items() if k != "requester.document_country"}
    assert ("requester.document_country", "required") in _issues("khai-sinh", answers, "requester.")


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_the_requester_gives_a_residence_or_a_document(code: str) -> None:
    if "requester.residence" not in _schema(code).fields_by_path():
        pytest.skip("no requester section")
    name = {"requester.full_name": "Trần Thị Mai"}
    neither = _issues(code, name, "requester.id_number", "requester.residence")
    assert neither == [("requester.id_number", "required"), ("requester.residence", "required")]
    residence = name | {"requester.residence": "Thôn Đông, xã Yên Sở"}
    assert _issues(code, residence, "requester.id_number", "requester.residence") == []
    document = name | {
        "requester.id_type": "other",
        "requester.document_number": "B7654321",
        "requester.document_issuer": "Bộ Ngoại giao Hoa Kỳ",
    }
    assert (
        _issues(code, document, "requester.id", "requester.document", "requester.residence") == []
    )


@pytest.mark.parametrize("party", ["groom", "bride"])
def test_a_foreign_marriage_party_files_with_a_passport(party: str) -> None:
    answers = {
        f"{party}.full_name": "John Smith",
        f"{party}.birth_date": "1990-06-01",
        f"{party}.ethnicity": "01",
        f"{party}.nationality": "US",
        f"{party}.residence": "12 Main Street, Springfield, USA",
        f"{party}.id_type": "passport",
        f"{party}.document_number": "A01234567",
        f"{party}.document_country": "US",
        f"{party}.marital_status": "chua_ket_hon",
    }
    assert _issues("ket-hon", answers, f"{party}.") == []


@pytest.mark.parametrize("code", ["ket-hon", "dang-ky-lai-ket-hon"])
@pytest.mark.parametrize("party", ["groom", "bride"])
def test_a_marriage_party_without_a_document_is_refused(code: str, party: str) -> None:
    foreigner = {f"{party}.full_name": "John Smith", f"{party}.nationality": "US"}
    issues = _issues(code, foreigner, f"{party}.id_number", f"{party}.document")
    assert issues == [(f"{party}.id_number", "required")]
    chosen = foreigner | {f"{party}.id_type": "passport"}
    issues = _issues(code, chosen, f"{party}.id_number", f"{party}.document")
    assert issues == [
        (f"{party}.document_country", "required"),
        (f"{party}.document_number", "required"),
    ]


@pytest.mark.parametrize("code", DEATH)
def test_the_deceased_needs_no_personal_id(code: str) -> None:
    answers = {"deceased.full_name": "Phạm Văn Bình", "deceased.nationality": "VN"}
    assert _issues(code, answers, "deceased.id_number", "deceased.document") == []


@pytest.mark.parametrize("code", DEATH)
def test_the_deceased_personal_id_is_still_checked_when_given(code: str) -> None:
    answers = {
        "deceased.full_name": "Phạm Văn Bình",
        "deceased.sex": "female",
        "deceased.birth_date": "1950-02-01",
        "deceased.nationality": "VN",
        "deceased.id_number": "001050012345",  # a man born in 1950
    }
    assert _issues(code, answers, "deceased.id_number") == [
        ("deceased.id_number", "id_sex_mismatch")
    ]
    answers["deceased.id_type"] = "cccd"
    assert _issues(code, answers, "deceased.id_number") == [
        ("deceased.id_number", "id_sex_mismatch")
    ]


def test_a_vietnamese_parent_still_needs_a_document() -> None:
    answers = {"mother.full_name": "Lê Thị Hoa", "mother.nationality": "VN"}
    assert _issues("khai-sinh", answers, "mother.id_number", "mother.document") == [
        ("mother.id_number", "required")
    ]


def _personal_ids(code: str) -> list[tuple[str, PersonalIdField]]:
    fields = _schema(code).fields_by_path()
    return [(p, f) for p, (_, f) in fields.items() if isinstance(f, PersonalIdField)]


def test_every_person_identified_may_use_a_passport_or_another_document() -> None:
    found = 0
    for code in CATALOG:
        fields = {p: f for p, (_, f) in _schema(code).fields_by_path().items()}
        for path, _ in _personal_ids(code):
            if path in NO_DOCUMENT_TYPE or (code, path) in NOT_A_PARTY:
                continue
            found += 1
            base = path.removesuffix("id_number")
            kind = fields[base + "id_type"]
            assert isinstance(kind, SelectField), (code, path)
            assert [o.value for o in kind.options] == ["cccd", "passport", "other"], (code, path)
            assert not kind.required and kind.required_when is None, (code, path)
            number = fields[base + "document_number"]
            assert isinstance(number, TextField) and number.min_length == 5, (code, path)
            assert isinstance(fields[base + "document_country"], NationalityField), (code, path)
            assert isinstance(fields[base + "document_issuer"], TextField), (code, path)
            # The 12-digit ID is shown unless another document is chosen.
            raw = _raw_field(code, path)
            assert _hidden_by(raw["visible_when"], base + "id_type"), (code, path)
            for doc in ("document_number", "document_country", "document_issuer"):
                assert "sex_field" not in _raw_field(code, base + doc), (code, doc)
    assert found >= 40


def _raw_field(code: str, path: str) -> dict[str, Any]:
    form = json.loads(json.dumps(CATALOG[code].definition.form))
    section, field = path.split(".")
    for s in form["sections"]:
        if s["id"] == section:
            return next(f for f in s["fields"] if f["id"] == field)
    raise KeyError(path)


def _hidden_by(condition: dict[str, Any], type_path: str) -> bool:
    hides = {"not": {"field": type_path, "in": ALT}}
    return condition == hides or hides in condition.get("all", [])


def test_fill_rules_copy_the_document_with_the_personal_id() -> None:
    found = 0
    for code in CATALOG:
        schema = _schema(code)
        paths = schema.fields_by_path()
        for rule in schema.fill_rules:
            copies = {(c.from_, c.to) for c in rule.copy}
            for source, target in copies:
                base = target.removesuffix("id_number")
                if not source.endswith(".id_number") or base + "id_type" not in paths:
                    continue
                found += 1
                src = source.removesuffix("id_number")
                for doc in ("id_type", "document_number", "document_country", "document_issuer"):
                    assert (src + doc, base + doc) in copies, (code, target, doc)
    assert found >= 16


def test_the_identity_vectors_use_the_shipped_sections() -> None:
    """tests/vectors/forms_identity.json runs the catalog's own sections through both
    validators: they must not drift apart."""
    data = json.loads(VECTORS.read_text("utf-8"))
    shipped = {
        p.stem: json.loads(p.read_text("utf-8")) for p in (DATA_DIR / "sections").glob("*.json")
    }
    for name, fragments in VECTOR_SECTIONS.items():
        sections = data["schemas"][name]["sections"]
        assert sections == [shipped[f] for f in fragments], name
    # the mother's rule of khai-sinh (the father's names a section the vectors leave out)
    mother_rule = json.loads(json.dumps(CATALOG["khai-sinh"].definition.form))["fill_rules"][0]
    assert mother_rule["when"] == {"field": "requester.relationship", "equals": "me"}
    assert data["schemas"]["birth"]["fill_rules"] == [mother_rule]


# The vectors' schemas, by the fragments they hold in order.
VECTOR_SECTIONS = {
    "birth": ["requester_birth", "mother"],
    "marriage": ["groom", "bride"],
    "death": ["requester_death", "deceased"],
}


IDENTITY_IDS = ("id_type", "id_number", "document_number", "document_country", "document_issuer")


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_apps_of_the_first_language_level_draft_identity_documents_whole(code: str) -> None:
    """Only the first level's words: an app already on a phone shows and checks these
    fields as the server does."""
    form = json.loads(json.dumps(CATALOG[code].definition.form))
    served = for_level(form, 1)

    def identity(f: dict[str, Any]) -> list[Any]:
        return [
            field
            for section in f["sections"]
            for field in section["fields"]
            if field["id"].endswith(IDENTITY_IDS) or section["id"] == "requester"
        ]

    assert identity(served) == identity(form)
    assert served.get("fill_rules") == form.get("fill_rules")


def _ethnicities(code: str) -> list[tuple[str, str]]:
    """(ethnicity path, the nationality path beside it) of every person in a form."""
    out = []
    for path, (_section, field) in _schema(code).fields_by_path().items():
        if field.type == "ethnicity":
            nationality = path.removesuffix("ethnicity") + "nationality"
            if nationality in _schema(code).fields_by_path():
                out.append((path, nationality))
    return out


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_a_foreigner_gives_no_ethnicity_and_a_vietnamese_does(code: str) -> None:
    """The 54 ethnicities are Vietnam's peoples: a foreign national has none of them to
    choose."""
    for ethnicity, nationality in _ethnicities(code):
        section = ethnicity.split(".")[0]
        visible = validate(_schema(code), {nationality: "VN"}, CTX).issues
        if not any(i.path.startswith(section + ".") for i in visible):
            continue  # a section shown only in some cases, not in this one
        assert (ethnicity, "required") in [(i.path, i.code) for i in visible], ethnicity
        foreign = validate(_schema(code), {nationality: "KR"}, CTX).issues
        assert (ethnicity, "required") not in [(i.path, i.code) for i in foreign], ethnicity


def test_re_determining_an_ethnicity_always_asks_the_one_requested() -> None:
    schema = _schema("xac-dinh-lai-dan-toc")
    paths = [p for p, (_s, f) in schema.fields_by_path().items() if f.type == "ethnicity"]
    issues = validate(schema, {"person.nationality": "KR"}, CTX).issues
    asked = [i.path for i in issues if i.code == "required" and i.path in paths]
    assert [p for p in asked if not p.startswith("person.")] != [], paths
