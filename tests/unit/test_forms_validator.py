"""Unit tests of the form schema language (sync/forms/README.md) beyond the shared vectors."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.forms import (
    Context,
    FormSchema,
    Issue,
    SchemaError,
    ValidationResult,
    parse_schema,
    render,
    validate,
)
from sync.forms.messages import codes_without_message, messages, placeholders
from sync.forms.normalize import normalize
from sync.forms.schema import FIELD_TYPES
from sync.text import search_key

L = {"vi": "Nhãn", "en": "Label"}
TODAY = datetime.date(2024, 6, 15)
CTX = Context(
    today=TODAY,
    provinces=frozenset({"01", "79"}),
    communes={"00070": "01", "26734": "79"},
)


def field(id: str, type: str, **options: Any) -> dict[str, Any]:
    return {"id": id, "type": type, "label": L, **options}


def section(id: str, *fields: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {"id": id, "title": L, "fields": list(fields), **options}


def one(type: str, **options: Any) -> FormSchema:
    """A schema with the single field `s.f`."""
    return parse_schema({"sections": [section("s", field("f", type, **options))]})


def codes(result: ValidationResult) -> list[tuple[str, str]]:
    return sorted((i.path, i.code) for i in result.issues)


def check_one(type: str, value: Any, **options: Any) -> list[str]:
    result = validate(one(type, **options), {"s.f": value}, CTX)
    return [i.code for i in result.issues]


def value_of(type: str, value: Any, **options: Any) -> Any:
    return validate(one(type, **options), {"s.f": value}, CTX).values.get("s.f")


# --- normalizing -------------------------------------------------------------------------


def test_nfd_vietnamese_name_is_composed_trimmed_and_collapsed():
    raw = "  Nguye\u0302\u0303n \t Va\u0306n   A \u00a0"
    assert value_of("person_name", raw) == "Nguyễn Văn A"
    assert check_one("person_name", raw) == []


def test_every_string_is_nfc_and_trimmed_but_only_names_collapse_spaces():
    assert value_of("text", "  Ho\u0300a  Bi\u0300nh ") == "Hòa  Bình"


def test_trim_uses_javascript_white_space_set():
    # U+FEFF is trimmed by JS String.trim (not by str.strip); U+001F is not white space in JS.
    assert value_of("text", "\ufeffabc\u3000") == "abc"
    assert value_of("text", "\x1fabc") == "\x1fabc"


def test_empty_values_are_dropped():
    schema = parse_schema(
        {
            "sections": [
                section(
                    "s",
                    field("a", "text"),
                    field("b", "text"),
                    field("c", "attachment"),
                    field("d", "text"),
                )
            ]
        }
    )
    result = validate(schema, {"s.a": "   ", "s.b": None, "s.c": [], "s.d": "x"}, CTX)
    assert result.values == {"s.d": "x"}
    assert result.issues == []


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0912 345 678", "0912345678"),
        ("(091) 234-5678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("8491234567", "8491234567"),  # 10 digits: "84" is not a country code here
        ("+840912345678", "00912345678"),  # "+84" always becomes "0"
    ],
)
def test_phone_normalizing(raw, expected):
    assert value_of("phone", raw) == expected


@pytest.mark.parametrize("raw", ["0912345678", "0321234567", "0862345678", "+84 86 234 5678"])
def test_valid_phones(raw):
    assert check_one("phone", raw) == []


@pytest.mark.parametrize(
    "raw", ["0112345678", "091234567", "09123456789", "912345678", "0912abc678", "0512345678"]
)
def test_invalid_phones(raw):
    assert check_one("phone", raw) == ["invalid_phone"]


def test_email_domain_is_lower_cased_local_part_kept():
    assert value_of("email", " An.Nguyen@Example.VN ") == "An.Nguyen@example.vn"
    assert check_one("email", "An.Nguyen@Example.VN") == []


@pytest.mark.parametrize(
    "raw", ["a@b", "a@@b.vn", "a b@c.vn", "a@-b.vn", "nguyễn@x.vn", "a@b.vn\n" + "x"]
)
def test_invalid_emails(raw):
    assert check_one("email", raw) == ["invalid_email"]


def test_email_length_limit():
    local = "a" * 64
    domain = ".".join(["b" * 60] * 4) + ".vn"
    assert len(f"{local}@{domain}") > 254
    assert check_one("email", f"{local}@{domain}") == ["invalid_email"]


def test_nationality_is_upper_cased():
    assert value_of("nationality", "vn") == "VN"
    assert check_one("nationality", " vn ") == []
    assert check_one("nationality", "XX") == ["not_an_option"]
    assert check_one("nationality", "VNM") == ["not_an_option"]


def test_normalize_is_idempotent_on_examples():
    for type_, raw in [
        ("phone", "+84 912 345 678"),
        ("email", "A@B.VN"),
        ("person_name", " a  b "),
        ("nationality", "vn"),
    ]:
        once = normalize(type_, raw)
        assert normalize(type_, once) == once


@pytest.mark.parametrize("type_", ["text", "person_name", "email", "nationality"])
@given(text=st.text())
def test_normalize_is_idempotent(type_, text):
    once = normalize(type_, text)
    assert normalize(type_, once) == once


@given(st.text(alphabet="0123456789+84 .-()\t\u00a0abc"))
def test_phone_normalize_is_idempotent(text):
    # Only without combining marks: removing a space between two marks can un-order them
    # (NFC comes first, as the spec says, so that case is left as is; it is never a phone).
    once = normalize("phone", text)
    assert normalize("phone", once) == once


# --- every field type --------------------------------------------------------------------


def test_text_lengths_count_characters_after_nfc():
    assert check_one("text", "e\u0302" * 3, max_length=3) == []  # 3 composed characters
    assert check_one("text", "abcd", max_length=3) == ["too_long"]
    assert check_one("text", "ab", min_length=3) == ["too_short"]
    assert check_one("text", "x" * 255) == []
    assert check_one("text", "x" * 256) == ["too_long"]


def test_text_too_long_params():
    result = validate(one("text", max_length=3), {"s.f": "abcd"}, CTX)
    assert result.issues == [
        Issue(path="s.f", code="too_long", severity="error", params={"max": 3})
    ]


@pytest.mark.parametrize(
    "name", ["Nguyễn Văn A", "H'Hen Niê", "Lê-Thị B", "Trần  Thị\u3000C", "王小明", "Ê Đê"]
)
def test_valid_person_names(name):
    assert check_one("person_name", name) == []


@pytest.mark.parametrize("name", ["Nguyen Van 2", "A.B", "Anh_Tu", "Tú’", "Lan 🌸"])
def test_invalid_person_names(name):
    assert check_one("person_name", name) == ["invalid_name"]


def test_person_name_length_and_independent_rules():
    assert check_one("person_name", "a" * 100) == []
    assert check_one("person_name", "a" * 101) == ["too_long"]
    assert sorted(check_one("person_name", "1" * 101)) == ["invalid_name", "too_long"]
    # 100 decomposed "ễ" are 100 characters after NFC
    assert check_one("person_name", "e\u0302\u0303" * 100) == []


@pytest.mark.parametrize(
    "value, options, expected",
    [
        ("2024-02-29", {}, []),  # leap year
        ("2023-02-29", {}, ["invalid_date"]),
        ("2100-02-29", {"not_future": False}, ["invalid_date"]),  # century, not leap
        ("2000-02-29", {}, []),  # 400-year leap
        ("2024-04-31", {}, ["invalid_date"]),
        ("2024-13-01", {}, ["invalid_date"]),
        ("2024-6-15", {}, ["invalid_date"]),
        ("20240615", {}, ["invalid_date"]),
        ("2024-W24-6", {}, ["invalid_date"]),
        ("１９９０-01-01", {}, ["invalid_date"]),  # full-width digits
        ("0000-01-01", {}, ["invalid_date"]),
        ("2024-06-15", {}, []),  # today
        ("2024-06-16", {}, ["date_in_future"]),
        ("2024-06-16", {"not_future": False}, []),
        ("1899-12-31", {}, ["date_too_early"]),
        ("1900-01-01", {}, []),
        ("1950-01-01", {"min": "1960-05-01"}, ["date_too_early"]),
        ("1990", {}, ["invalid_date"]),
        ("1990", {"allow_year": True}, []),
        ("2024", {"allow_year": True}, []),  # compared by year alone
        ("2025", {"allow_year": True}, ["date_in_future"]),
        ("1960", {"allow_year": True, "min": "1960-05-01"}, []),  # same year is not earlier
        ("1959", {"allow_year": True, "min": "1960-05-01"}, ["date_too_early"]),
        ("1959-12-31", {"min": "1960"}, ["date_too_early"]),
    ],
)
def test_date_rules(value, options, expected):
    assert check_one("date", value, **options) == expected


def test_date_future_and_too_early_are_independent():
    assert sorted(check_one("date", "2025-01-01", min="2030-01-01")) == [
        "date_in_future",
        "date_too_early",
    ]


@pytest.mark.parametrize(
    "value, options, expected",
    [
        (1990, {}, []),
        (1990.0, {}, []),  # one JSON number
        (2024, {}, []),
        (2025, {}, ["date_in_future"]),
        (2025, {"not_future": False}, []),
        (1899, {}, ["date_too_early"]),
        (1950, {"min": 1960}, ["date_too_early"]),
        (999, {}, ["invalid_year"]),
        (10000, {}, ["invalid_year"]),
        (1990.5, {}, ["invalid_year"]),
        ("1990", {}, ["wrong_type"]),
        (True, {}, ["wrong_type"]),
    ],
)
def test_year_rules(value, options, expected):
    assert check_one("year", value, **options) == expected


def test_select():
    options = [{"value": "cha", "label": L}, {"value": "me", "label": L}]
    assert check_one("select", "cha", options=options) == []
    assert check_one("select", " me ", options=options) == []
    assert check_one("select", "Cha", options=options) == ["not_an_option"]
    assert check_one("select", 1, options=options) == ["wrong_type"]


def test_sex_ethnicity():
    assert check_one("sex", "female") == []
    assert check_one("sex", "Nữ") == ["not_an_option"]
    assert check_one("ethnicity", "01") == []
    assert check_one("ethnicity", "54") == []
    assert check_one("ethnicity", "55") == ["not_an_option"]
    assert check_one("ethnicity", "1") == ["not_an_option"]
    assert check_one("ethnicity", 1) == ["wrong_type"]


def test_province_and_commune():
    assert check_one("province", "01") == []
    assert check_one("province", "02") == ["unknown_province"]
    assert check_one("commune", "00070") == []
    assert check_one("commune", "99999") == ["unknown_commune"]


def _commune_schema(province_visible: bool = True) -> FormSchema:
    province = field("province", "province")
    if not province_visible:
        province["visible_when"] = {"field": "a.flag", "filled": True}
    return parse_schema(
        {
            "sections": [
                section(
                    "a",
                    province,
                    field("commune", "commune", province_field="a.province"),
                    field("flag", "checkbox"),
                )
            ]
        }
    )


def test_commune_in_chosen_province():
    schema = _commune_schema()
    assert codes(validate(schema, {"a.province": "01", "a.commune": "00070"}, CTX)) == []
    assert codes(validate(schema, {"a.province": "79", "a.commune": "00070"}, CTX)) == [
        ("a.commune", "commune_not_in_province")
    ]
    # no province chosen, or an unknown one: nothing to compare with
    assert codes(validate(schema, {"a.commune": "00070"}, CTX)) == []
    assert codes(validate(schema, {"a.province": "02", "a.commune": "00070"}, CTX)) == [
        ("a.province", "unknown_province")
    ]
    # an unknown commune is only that
    assert codes(validate(schema, {"a.province": "79", "a.commune": "12345"}, CTX)) == [
        ("a.commune", "unknown_commune")
    ]


def test_commune_ignores_hidden_province():
    schema = _commune_schema(province_visible=False)
    result = validate(schema, {"a.province": "79", "a.commune": "00070"}, CTX)
    assert codes(result) == []
    assert result.values == {"a.commune": "00070"}


@pytest.mark.parametrize(
    "value, options, expected",
    [
        (3, {}, []),
        (3.0, {}, []),
        (3.5, {}, ["not_integer"]),
        (3.5, {"integer": False}, []),
        (0, {"min": 1}, ["too_small"]),
        (11, {"max": 10}, ["too_large"]),
        (10, {"min": 1, "max": 10}, []),
        (0.5, {"min": 1}, ["not_integer", "too_small"]),
        (True, {}, ["wrong_type"]),
        ("3", {}, ["wrong_type"]),
        (float("nan"), {}, ["wrong_type"]),
    ],
)
def test_number_rules(value, options, expected):
    assert sorted(check_one("number", value, **options)) == expected


def test_number_keeps_zero():
    assert value_of("number", 0) == 0


H = "ab" * 32


@pytest.mark.parametrize(
    "value, options, expected",
    [
        ([H], {}, []),
        ([f" {H} "], {}, []),  # strings in arrays are trimmed too
        ([H.upper()], {}, ["invalid_attachment"]),
        ([H[:-1]], {}, ["invalid_attachment"]),
        ([H, 5], {}, ["invalid_attachment"]),
        ([H] * 6, {}, ["too_many_files"]),
        ([H] * 2, {"max_files": 1}, ["too_many_files"]),
        (["x"] * 6, {}, ["invalid_attachment", "too_many_files"]),
        (H, {}, ["wrong_type"]),
        ({"sha": H}, {}, ["wrong_type"]),
    ],
)
def test_attachment_rules(value, options, expected):
    assert sorted(check_one("attachment", value, **options)) == expected


def test_wrong_type_is_the_only_error():
    assert check_one("text", 5, max_length=0 + 1) == ["wrong_type"]
    assert check_one("person_name", ["a"]) == ["wrong_type"]
    assert check_one("date", 20240101) == ["wrong_type"]
    assert check_one("checkbox", "true") == ["wrong_type"]
    assert check_one("checkbox", 1) == ["wrong_type"]
    assert check_one("personal_id", 1234567890) == ["wrong_type"]


def test_wrong_type_value_is_kept_normalized():
    assert value_of("number", " 3 ") == "3"


def test_checkbox():
    assert check_one("checkbox", True, required=True) == []
    assert check_one("checkbox", False, required=True) == ["required"]
    assert check_one("checkbox", None, required=True) == ["required"]
    assert check_one("checkbox", False) == []
    assert value_of("checkbox", False) is False  # false is a value, not empty


# --- personal ID -------------------------------------------------------------------------


def _id_schema() -> FormSchema:
    return parse_schema(
        {
            "sections": [
                section(
                    "p",
                    field("sex", "sex"),
                    field("birth", "date", allow_year=True),
                    field("id", "personal_id", sex_field="p.sex", birth_field="p.birth"),
                )
            ]
        }
    )


def id_codes(answers: dict[str, Any]) -> list[tuple[str, str]]:
    return codes(validate(_id_schema(), answers, CTX))


@pytest.mark.parametrize(
    "number, expected",
    [
        ("001090000001", []),  # Hà Nội, male, 1990
        ("079190000001", []),  # female, 1990
        ("001224000001", []),  # male, 2024 (this year)
        ("001225000001", ["invalid_id_birth_year"]),  # 2025
        ("001400000001", ["invalid_id_birth_year"]),  # 2100s
        ("003090000001", ["invalid_id_province"]),
        ("00109000000", ["invalid_format"]),
        ("0010900000011", ["invalid_format"]),
        ("00109000000a", ["invalid_format"]),
        ("００１０９００００００１", ["invalid_format"]),  # full-width digits
        ("003925000001", ["invalid_id_province"]),  # stops at the first failure
    ],
)
def test_personal_id_own_rules(number, expected):
    assert [c for _, c in id_codes({"p.id": number})] == expected


def test_personal_id_sex_and_birth_year():
    assert id_codes({"p.id": "001090000001", "p.sex": "male", "p.birth": "1990-05-01"}) == []
    assert id_codes({"p.id": "001090000001", "p.sex": "female"}) == [("p.id", "id_sex_mismatch")]
    assert id_codes({"p.id": "079190000001", "p.sex": "female", "p.birth": "1991-01-01"}) == [
        ("p.id", "id_birth_year_mismatch")
    ]
    assert id_codes({"p.id": "001090000001", "p.birth": "1990"}) == []  # year-only birth
    # sex mismatch is reported first, and alone
    assert id_codes({"p.id": "001090000001", "p.sex": "female", "p.birth": "1991-01-01"}) == [
        ("p.id", "id_sex_mismatch")
    ]


def test_personal_id_ignores_invalid_linked_values():
    assert id_codes({"p.id": "001090000001", "p.sex": "nam", "p.birth": "1991-02-30"}) == [
        ("p.birth", "invalid_date"),
        ("p.sex", "not_an_option"),
    ]


def test_personal_id_reads_a_real_birth_date_outside_its_limits():
    # 1899 is too early for the date field, but still the year the person was born.
    assert id_codes({"p.id": "001090000001", "p.birth": "1899-01-01"}) == [
        ("p.birth", "date_too_early"),
        ("p.id", "id_birth_year_mismatch"),
    ]


def test_personal_id_with_year_field():
    schema = parse_schema(
        {
            "sections": [
                section(
                    "p", field("born", "year"), field("id", "personal_id", birth_field="p.born")
                )
            ]
        }
    )
    assert codes(validate(schema, {"p.id": "001090000001", "p.born": 1990}, CTX)) == []
    assert codes(validate(schema, {"p.id": "001090000001", "p.born": 1989}, CTX)) == [
        ("p.id", "id_birth_year_mismatch")
    ]


# --- required, visibility, optional sections, conditions ---------------------------------


def test_required_and_required_when():
    schema = parse_schema(
        {
            "sections": [
                section(
                    "r",
                    field(
                        "relationship",
                        "select",
                        required=True,
                        options=[{"value": "cha", "label": L}, {"value": "khac", "label": L}],
                    ),
                    field(
                        "detail",
                        "text",
                        required_when={"field": "r.relationship", "equals": "khac"},
                    ),
                )
            ]
        }
    )
    assert codes(validate(schema, {}, CTX)) == [("r.relationship", "required")]
    assert codes(validate(schema, {"r.relationship": "cha"}, CTX)) == []
    assert codes(validate(schema, {"r.relationship": "khac"}, CTX)) == [("r.detail", "required")]
    assert codes(validate(schema, {"r.relationship": "khac", "r.detail": "  "}, CTX)) == [
        ("r.detail", "required")
    ]


def test_hidden_fields_are_neither_validated_nor_kept():
    schema = parse_schema(
        {
            "sections": [
                section(
                    "a",
                    field("foreign", "checkbox"),
                    field(
                        "passport",
                        "text",
                        required=True,
                        max_length=3,
                        visible_when={"field": "a.foreign", "equals": True},
                    ),
                ),
                section(
                    "b", field("x", "number"), visible_when={"field": "a.foreign", "equals": True}
                ),
            ]
        }
    )
    result = validate(schema, {"a.passport": "TOO LONG", "b.x": "bad"}, CTX)
    assert result.issues == []
    assert result.values == {}
    result = validate(schema, {"a.foreign": True, "a.passport": "TOO LONG", "b.x": "bad"}, CTX)
    assert codes(result) == [("a.passport", "too_long"), ("b.x", "wrong_type")]


def test_optional_section():
    schema = parse_schema(
        {
            "sections": [
                section(
                    "father",
                    field("full_name", "person_name", required=True),
                    field("birth_date", "date", required=True),
                    field(
                        "note",
                        "text",
                        visible_when={"field": "father.full_name", "equals": "never"},
                    ),
                    optional=True,
                )
            ]
        }
    )
    assert codes(validate(schema, {}, CTX)) == []
    assert codes(validate(schema, {"father.full_name": " ", "father.birth_date": None}, CTX)) == []
    assert codes(validate(schema, {"father.full_name": "Trần Văn B"}, CTX)) == [
        ("father.birth_date", "required")
    ]
    # a hidden field's value does not start the section
    assert codes(validate(schema, {"father.note": "x"}, CTX)) == []


def test_condition_reads_hidden_fields_and_normalized_values():
    schema = parse_schema(
        {
            "sections": [
                section(
                    "a",
                    field("n", "nationality", visible_when={"field": "a.never", "filled": True}),
                    field("never", "text", visible_when={"field": "a.never", "equals": "zzz"}),
                    field("t", "text", required_when={"field": "a.n", "in": ["VN"]}),
                )
            ]
        }
    )
    # a.n is hidden but still read, and read as normalized ("vn" -> "VN")
    assert codes(validate(schema, {"a.n": " vn "}, CTX)) == [("a.t", "required")]


def test_condition_operators():
    def sch(cond):
        return parse_schema(
            {
                "sections": [
                    section(
                        "a",
                        field("x", "number", integer=False),
                        field("b", "checkbox"),
                        field("s", "text"),
                        field("t", "text", required_when=cond),
                    )
                ]
            }
        )

    def req(cond, answers):
        return ("a.t", "required") in codes(validate(sch(cond), answers, CTX))

    assert req({"field": "a.x", "equals": 1}, {"a.x": 1.0})
    assert not req({"field": "a.x", "equals": 1}, {"a.b": True})
    assert not req({"field": "a.b", "equals": 1}, {"a.b": True})  # true is not 1
    assert not req({"field": "a.s", "equals": "1"}, {"a.s": 1})
    assert not req({"field": "a.s", "equals": None}, {})  # an empty field equals nothing
    assert not req({"field": "a.s", "equals": ""}, {"a.s": "  "})
    assert req({"field": "a.b", "equals": False}, {"a.b": False})
    assert req({"field": "a.s", "in": ["x", "y"]}, {"a.s": " y "})
    assert not req({"field": "a.s", "in": []}, {"a.s": "y"})
    assert req({"field": "a.s", "filled": True}, {"a.s": "y"})
    assert req({"field": "a.s", "filled": False}, {"a.s": " "})
    assert req({"field": "a.b", "filled": True}, {"a.b": False})  # false is filled
    both = {"all": [{"field": "a.s", "filled": True}, {"field": "a.b", "equals": True}]}
    assert req(both, {"a.s": "y", "a.b": True})
    assert not req(both, {"a.s": "y"})
    either = {"any": [{"field": "a.s", "filled": True}, {"field": "a.b", "equals": True}]}
    assert req(either, {"a.b": True})
    assert not req(either, {})
    assert req({"not": {"field": "a.s", "filled": True}}, {})


# --- fill rules --------------------------------------------------------------------------


def _fill_schema() -> FormSchema:
    return parse_schema(
        {
            "sections": [
                section(
                    "requester",
                    field(
                        "relationship",
                        "select",
                        options=[{"value": "me", "label": L}, {"value": "cha", "label": L}],
                    ),
                    field("full_name", "person_name"),
                    field("phone", "phone"),
                ),
                section(
                    "mother",
                    field("full_name", "person_name", required=True),
                    field("phone", "phone"),
                ),
            ],
            "fill_rules": [
                {
                    "when": {"field": "requester.relationship", "equals": "me"},
                    "copy": [
                        {"from": "requester.full_name", "to": "mother.full_name"},
                        {"from": "requester.phone", "to": "mother.phone"},
                    ],
                }
            ],
        }
    )


def test_fill_rule_copies_normalized_source_into_empty_target():
    result = validate(
        _fill_schema(),
        {
            "requester.relationship": "me",
            "requester.full_name": " Lê  Thị C ",
            "requester.phone": "+84 912 345 678",
        },
        CTX,
    )
    assert result.issues == []
    assert result.values["mother.full_name"] == "Lê Thị C"
    assert result.values["mother.phone"] == "0912345678"


def test_fill_rule_keeps_what_the_person_wrote():
    result = validate(
        _fill_schema(),
        {
            "requester.relationship": "me",
            "requester.full_name": "Lê Thị C",
            "mother.full_name": "Lê Thị D",
        },
        CTX,
    )
    assert result.values["mother.full_name"] == "Lê Thị D"
    assert "mother.phone" not in result.values  # empty source fills nothing


def test_fill_rule_leaves_a_target_the_person_emptied_empty():
    for emptied in ("", "   "):
        result = validate(
            _fill_schema(),
            {
                "requester.relationship": "me",
                "requester.full_name": "Lê Thị C",
                "mother.full_name": emptied,
            },
            CTX,
        )
        assert "mother.full_name" not in result.values
        assert codes(result) == [("mother.full_name", "required")]


def test_fill_rule_fills_a_null_target():
    # null is "no answer" (a sync change of null removes the field), not an emptied one.
    result = validate(
        _fill_schema(),
        {
            "requester.relationship": "me",
            "requester.full_name": "Lê Thị C",
            "mother.full_name": None,
        },
        CTX,
    )
    assert result.values["mother.full_name"] == "Lê Thị C"


def test_fill_rule_only_when_condition_holds():
    result = validate(
        _fill_schema(), {"requester.relationship": "cha", "requester.full_name": "Lê Văn C"}, CTX
    )
    assert codes(result) == [("mother.full_name", "required")]


def test_fill_rules_apply_in_order_and_chain():
    schema = parse_schema(
        {
            "sections": [section("a", field("x", "text"), field("y", "text"), field("z", "text"))],
            "fill_rules": [
                {"when": {"field": "a.x", "filled": True}, "copy": [{"from": "a.x", "to": "a.y"}]},
                {"when": {"field": "a.y", "filled": True}, "copy": [{"from": "a.y", "to": "a.z"}]},
            ],
        }
    )
    assert validate(schema, {"a.x": "v"}, CTX).values == {"a.x": "v", "a.y": "v", "a.z": "v"}


# --- checks ------------------------------------------------------------------------------


def _check_schema(
    *checks: dict[str, Any], birth_options: dict[str, Any] | None = None
) -> FormSchema:
    return parse_schema(
        {
            "sections": [
                section(
                    "c",
                    field("birth", "date", **(birth_options or {"allow_year": True})),
                    field("event", "date", allow_year=True),
                    field("year", "year"),
                    field("a", "text"),
                    field("b", "text"),
                    field("d", "text"),
                    field("hide", "checkbox"),
                    field("e", "text", visible_when={"field": "c.hide", "equals": False}),
                )
            ],
            "checks": list(checks),
        }
    )


def run(
    schema: FormSchema, answers: dict[str, Any], today: datetime.date = TODAY
) -> list[tuple[str, str, str]]:
    ctx = Context(today=today, provinces=CTX.provinces, communes=CTX.communes)
    return sorted((i.path, i.code, i.severity) for i in validate(schema, answers, ctx).issues)


def test_not_before():
    schema = _check_schema({"check": "not_before", "field": "c.event", "reference": "c.birth"})
    assert run(schema, {"c.birth": "2000-01-02", "c.event": "2000-01-01"}) == [
        ("c.event", "date_before_reference", "error")
    ]
    assert run(schema, {"c.birth": "2000-01-01", "c.event": "2000-01-01"}) == []
    # by year when either is year-only
    assert run(schema, {"c.birth": "2000-12-31", "c.event": "2000"}) == []
    assert run(schema, {"c.birth": "2001", "c.event": "2000-12-31"}) == [
        ("c.event", "date_before_reference", "error")
    ]
    # skipped when a field is empty or has its own error
    assert run(schema, {"c.event": "2000-01-01"}) == []
    assert run(schema, {"c.birth": "2000-02-30", "c.event": "1999-01-01"}) == [
        ("c.birth", "invalid_date", "error")
    ]


def test_not_before_custom_code_and_year_field():
    schema = _check_schema(
        {"check": "not_before", "field": "c.event", "reference": "c.year", "code": "early"}
    )
    assert run(schema, {"c.year": 2001, "c.event": "2000-06-01"}) == [("c.event", "early", "error")]
    assert run(schema, {"c.year": 2000, "c.event": "2000-06-01"}) == []


def test_days_since():
    schema = _check_schema(
        {
            "check": "days_since",
            "field": "c.event",
            "max": 60,
            "code": "late",
            "severity": "warning",
        },
        {"check": "days_since", "field": "c.event", "min": 1, "code": "too_recent"},
    )
    assert run(schema, {"c.event": "2024-04-16"}) == []  # 60 days
    assert run(schema, {"c.event": "2024-04-15"}) == [("c.event", "late", "warning")]  # 61
    assert run(schema, {"c.event": "2024-06-15"}) == [("c.event", "too_recent", "error")]  # 0
    assert run(schema, {"c.event": "2020"}) == []  # year-only skipped
    result = validate(schema, {"c.event": "2024-04-15"}, CTX)
    assert result.accepted and not result.has_errors and result.warnings
    assert result.issues[0].params == {"days": 61, "max": 60}


def test_min_age():
    schema = _check_schema(
        {"check": "min_age", "field": "c.birth", "years": 18, "code": "too_young"}
    )
    assert run(schema, {"c.birth": "2006-06-15"}) == []  # 18 today
    assert run(schema, {"c.birth": "2006-06-16"}) == [("c.birth", "too_young", "error")]
    assert run(schema, {"c.birth": "2006"}) == []  # 1 January 2006
    assert run(schema, {"c.birth": "2006"}, today=datetime.date(2023, 12, 31)) == [
        ("c.birth", "too_young", "error")
    ]


def test_min_age_born_on_29_february():
    schema = _check_schema(
        {"check": "min_age", "field": "c.birth", "years": 18, "code": "too_young"}
    )
    born = {"c.birth": "2004-02-29"}
    # 2022 is a common year: 18 on 1 March, not on 28 February
    assert run(schema, born, today=datetime.date(2022, 2, 28)) == [
        ("c.birth", "too_young", "error")
    ]
    assert run(schema, born, today=datetime.date(2022, 3, 1)) == []
    schema4 = _check_schema(
        {"check": "min_age", "field": "c.birth", "years": 4, "code": "too_young"}
    )
    # 2008 is a leap year: 4 on 29 February itself
    assert run(schema4, born, today=datetime.date(2008, 2, 28)) == [
        ("c.birth", "too_young", "error")
    ]
    assert run(schema4, born, today=datetime.date(2008, 2, 29)) == []


def test_distinct():
    schema = _check_schema(
        {"check": "distinct", "fields": ["c.a", "c.b", "c.d"], "code": "same_person"}
    )
    assert run(schema, {"c.a": "x", "c.b": "y", "c.d": "z"}) == []
    assert run(schema, {"c.a": "x", "c.b": "x", "c.d": "x"}) == [
        ("c.b", "same_person", "error"),
        ("c.d", "same_person", "error"),
    ]
    # an empty field does not switch the check off for the others
    assert run(schema, {"c.a": "x", "c.d": " x "}) == [("c.d", "same_person", "error")]
    result = validate(schema, {"c.a": "x", "c.d": "x"}, CTX)
    assert result.issues[0].params == {"other": "c.a"}


def test_checks_skip_hidden_fields():
    schema = _check_schema({"check": "distinct", "fields": ["c.a", "c.e"], "code": "same"})
    assert run(schema, {"c.a": "x", "c.e": "x"}) == []
    assert run(schema, {"c.a": "x", "c.e": "x", "c.hide": False}) == [("c.e", "same", "error")]


def test_check_skips_field_with_its_own_error():
    schema = _check_schema(
        {"check": "min_age", "field": "c.birth", "years": 18, "code": "too_young"},
        birth_options={},
    )
    assert run(schema, {"c.birth": "2030-01-01"}) == [("c.birth", "date_in_future", "error")]


# --- result, ordering, unknown fields ----------------------------------------------------


def test_unknown_paths_are_reported_and_dropped():
    schema = one("text")
    result = validate(schema, {"s.f": "x", "s.g": "y", "other": None}, CTX)
    assert codes(result) == [("other", "unknown_field"), ("s.g", "unknown_field")]
    assert result.values == {"s.f": "x"}
    assert not result.accepted


def test_issue_order_is_schema_order_then_checks():
    schema = parse_schema(
        {
            "sections": [
                section("b", field("z", "text", required=True)),
                section("a", field("y", "number"), field("x", "date")),
            ],
            "checks": [{"check": "min_age", "field": "a.x", "years": 1, "code": "baby"}],
        }
    )
    result = validate(schema, {"a.y": "bad", "a.x": "2024-06-01"}, CTX)
    assert [(i.path, i.code) for i in result.issues] == [
        ("b.z", "required"),
        ("a.y", "wrong_type"),
        ("a.x", "baby"),
    ]
    assert validate(schema, {"a.y": "bad", "a.x": "2024-06-01"}, CTX) == result


def test_validate_accepts_a_schema_dict():
    raw = {"sections": [section("s", field("f", "text", required=True))]}
    assert codes(validate(raw, {}, CTX)) == [("s.f", "required")]


# --- schema parsing ----------------------------------------------------------------------


def base(**extra: Any) -> dict[str, Any]:
    return {
        "sections": [
            section(
                "child", field("name", "person_name"), field("birth", "date"), field("sex", "sex")
            ),
            section("other", field("note", "text")),
        ],
        **extra,
    }


def schema_error(obj: Any) -> SchemaError:
    with pytest.raises(SchemaError) as info:
        parse_schema(obj)
    return info.value


def with_field(**f: Any) -> dict[str, Any]:
    schema = base()
    schema["sections"][1]["fields"].append(f)
    return schema


@pytest.mark.parametrize(
    "obj, path, words",
    [
        (
            with_field(id="x", type="texte", label=L),
            "sections[1].fields[1].type",
            "unknown field type",
        ),
        (with_field(id="x", label=L), "sections[1].fields[1].type", "missing"),
        (with_field(id="x", type="text"), "sections[1].fields[1].label", "missing"),
        (
            with_field(id="x", type="text", label={"vi": "a"}),
            "sections[1].fields[1].label.en",
            "missing",
        ),
        (
            with_field(id="x", type="text", label={"vi": "a", "en": " "}),
            "sections[1].fields[1].label.en",
            "empty",
        ),
        (
            with_field(id="x", type="text", label=L, requried=True),
            "sections[1].fields[1].requried",
            "unknown key",
        ),
        (
            with_field(id="x", type="date", label=L, max_length=3),
            "sections[1].fields[1].max_length",
            "unknown key",
        ),
        (
            with_field(id="x", type="text", label=L, max_length="3"),
            "sections[1].fields[1].max_length",
            "int",
        ),
        (
            with_field(id="x", type="text", label=L, required="yes"),
            "sections[1].fields[1].required",
            "bool",
        ),
        (with_field(id="X", type="text", label=L), "sections[1].fields[1].id", "[a-z]"),
        (with_field(id="note", type="text", label=L), "sections[1].fields[1].id", "duplicate"),
        (
            with_field(id="x", type="date", label=L, min="1900-02-30"),
            "sections[1].fields[1].min",
            "date",
        ),
        (
            with_field(id="x", type="select", label=L, options=[]),
            "sections[1].fields[1].options",
            "empty",
        ),
        (
            with_field(
                id="x",
                type="select",
                label=L,
                options=[{"value": "a", "label": L}, {"value": "a", "label": L}],
            ),
            "sections[1].fields[1].options[1].value",
            "duplicate",
        ),
        (
            with_field(id="x", type="text", label=L, min_length=5, max_length=3),
            "sections[1].fields[1].min_length",
            "max",
        ),
        (
            with_field(id="x", type="personal_id", label=L, sex_field="child.nope"),
            "sections[1].fields[1].sex_field",
            "unknown field",
        ),
        (
            with_field(id="x", type="personal_id", label=L, sex_field="child.name"),
            "sections[1].fields[1].sex_field",
            "sex",
        ),
        (
            with_field(id="x", type="personal_id", label=L, birth_field="child.sex"),
            "sections[1].fields[1].birth_field",
            "date",
        ),
        (
            with_field(id="x", type="commune", label=L, province_field="child.sex"),
            "sections[1].fields[1].province_field",
            "province",
        ),
        (
            with_field(
                id="x", type="text", label=L, visible_when={"field": "child.nme", "equals": "a"}
            ),
            "sections[1].fields[1].visible_when.field",
            "unknown field",
        ),
        (
            with_field(
                id="x",
                type="text",
                label=L,
                required_when={
                    "all": [
                        {"field": "child.name", "filled": True},
                        {"field": "nope", "filled": True},
                    ]
                },
            ),
            "sections[1].fields[1].required_when.all[1].field",
            "unknown field",
        ),
        (
            with_field(id="x", type="text", label=L, visible_when={"field": "child.name"}),
            "sections[1].fields[1].visible_when",
            "exactly one",
        ),
        (
            with_field(
                id="x",
                type="text",
                label=L,
                visible_when={"field": "child.name", "equals": 1, "filled": True},
            ),
            "sections[1].fields[1].visible_when",
            "exactly one",
        ),
        (
            with_field(
                id="x", type="text", label=L, visible_when={"not": {"field": "child.name", "is": 1}}
            ),
            "sections[1].fields[1].visible_when.not.is",
            "unknown key",
        ),
        (
            with_field(id="x", type="text", label=L, visible_when={"any": []}),
            "sections[1].fields[1].visible_when.any",
            "empty",
        ),
        (
            with_field(id="x", type="text", label=L, visible_when={"equals": 1}),
            "sections[1].fields[1].visible_when.field",
            "missing",
        ),
        ({"sections": [section("a"), section("a")]}, "sections[1].id", "duplicate"),
        ({"sections": [section("1a")]}, "sections[0].id", "[a-z]"),
        ({"sections": [{"id": "a", "fields": []}]}, "sections[0].title", "missing"),
        ({}, "sections", "missing"),
        ({"sections": [], "extra": 1}, "extra", "unknown key"),
        ([], "", "object"),
        (
            base(
                fill_rules=[
                    {
                        "when": {"field": "child.name", "filled": True},
                        "copy": [{"from": "child.name", "to": "mother.name"}],
                    }
                ]
            ),
            "fill_rules[0].copy[0].to",
            "unknown field",
        ),
        (
            base(
                fill_rules=[
                    {
                        "when": {"field": "child.x", "filled": True},
                        "copy": [{"from": "child.name", "to": "other.note"}],
                    }
                ]
            ),
            "fill_rules[0].when.field",
            "unknown field",
        ),
        (
            base(fill_rules=[{"when": {"field": "child.name", "filled": True}, "copy": []}]),
            "fill_rules[0].copy",
            "empty",
        ),
        (
            base(checks=[{"check": "days_since", "field": "child.birth", "max": 60}]),
            "checks[0].code",
            "missing",
        ),
        (
            base(checks=[{"check": "min_age", "field": "child.birth", "years": 18}]),
            "checks[0].code",
            "missing",
        ),
        (
            base(checks=[{"check": "distinct", "fields": ["child.name", "other.note"]}]),
            "checks[0].code",
            "missing",
        ),
        (
            base(checks=[{"check": "days_since", "field": "child.birth", "code": "c"}]),
            "checks[0]",
            "min, max",
        ),
        (
            base(
                checks=[{"check": "not_before", "field": "child.birth", "reference": "child.born"}]
            ),
            "checks[0].reference",
            "unknown field",
        ),
        (
            base(
                checks=[{"check": "not_before", "field": "child.name", "reference": "child.birth"}]
            ),
            "checks[0].field",
            "date",
        ),
        (
            base(checks=[{"check": "distinct", "fields": ["child.name", "x.y"], "code": "c"}]),
            "checks[0].fields[1]",
            "unknown field",
        ),
        (
            base(checks=[{"check": "distinct", "fields": ["child.name"], "code": "c"}]),
            "checks[0].fields",
            "two",
        ),
        (
            base(checks=[{"check": "older_than", "field": "child.birth"}]),
            "checks[0].check",
            "unknown check",
        ),
        (
            base(
                checks=[
                    {
                        "check": "min_age",
                        "field": "child.birth",
                        "years": 1,
                        "code": "c",
                        "severity": "info",
                    }
                ]
            ),
            "checks[0].severity",
            "enum",
        ),
    ],
)
def test_schema_errors_name_the_path(obj, path, words):
    error = schema_error(obj)
    assert error.path == path, str(error)
    assert words in error.message, str(error)
    assert str(error).startswith(path)


def test_parse_schema_from_json_text_and_defaults():
    schema = parse_schema(json.dumps(base()))
    assert schema.fill_rules == () and schema.checks == ()
    f = schema.sections[0].fields[1]
    assert (
        f.type == "date"
        and f.not_future is True
        and f.min == "1900-01-01"
        and f.allow_year is False
    )
    assert (
        parse_schema(
            base(
                checks=[{"check": "not_before", "field": "child.birth", "reference": "child.birth"}]
            )
        )
        .checks[0]
        .code
        == "date_before_reference"
    )
    assert schema_error(b"{not json").path == ""


def test_parse_schema_round_trips():
    schema = _fill_schema()
    assert parse_schema(schema) == schema


# --- messages ----------------------------------------------------------------------------

BUILT_IN_CODES = {
    "required", "wrong_type", "unknown_field", "too_long", "too_short", "invalid_name", "invalid_date",
    "date_in_future", "date_too_early", "invalid_year", "not_an_option", "invalid_format",
    "invalid_id_province", "invalid_id_birth_year", "id_sex_mismatch", "id_birth_year_mismatch",
    "invalid_phone", "invalid_email", "unknown_province", "unknown_commune", "commune_not_in_province",
    "not_integer", "too_small", "too_large", "invalid_attachment", "too_many_files", "date_before_reference",
    "date_words_mismatch", "invalid_time",
}  # fmt: skip


def test_every_code_has_both_messages_with_the_same_placeholders():
    table = messages()
    assert set(table) >= BUILT_IN_CODES
    for code, texts in table.items():
        assert set(texts) == {"vi", "en"}, code
        assert texts["vi"].strip() and texts["en"].strip(), code
        assert placeholders(texts["vi"]) == placeholders(texts["en"]), code


def test_readme_codes_all_have_messages():
    readme = (Path(__file__).resolve().parents[2] / "sync" / "forms" / "README.md").read_text(
        "utf-8"
    )
    words = set(re.findall(r"`([a-z_]+)`", readme))
    # everything quoted in the README that is not an error code
    language = {
        "all", "allow_year", "any", "birth_field", "context", "days_since", "distinct", "equals", "false", "filed_on", "in", "integer",
        "issues", "max", "max_files", "max_length", "min", "min_age", "min_length", "multiline", "not_before",
        "not", "not_future", "null", "optional", "params", "province_field", "required_when", "severity", "sex_field",
        "today", "true", "values", "visible_when", "words_of_date", "under_age", "when", "years",
    } | FIELD_TYPES  # fmt: skip
    assert words - language == BUILT_IN_CODES


def test_render_fills_placeholders():
    issue = Issue(path="s.f", code="too_long", params={"max": 100})
    assert render(issue, "vi") == "Tối đa 100 ký tự."
    assert render(issue, "en") == "At most 100 characters."
    assert "{max}" in render(
        Issue(path="s.f", code="too_long"), "en"
    )  # a missing param stays visible
    assert render(Issue(path="s.f", code="some_custom_check"), "en") == messages()["_default"]["en"]
    with pytest.raises(ValueError):
        render(issue, "fr")


def test_params_emitted_cover_message_placeholders():
    schema = parse_schema(
        {
            "sections": [
                section(
                    "s",
                    field("t", "text", max_length=1, min_length=1),
                    field("n", "number", min=1, max=2),
                    field("m", "number", max=2),
                    field("d", "date"),
                    field("y", "year"),
                    field("a", "attachment", max_files=1),
                    field("i", "personal_id"),
                    field("j", "personal_id"),
                    field("p", "province"),
                    field("c", "commune", province_field="s.p"),
                    field("e", "date", allow_year=True),
                )
            ],
            "checks": [{"check": "not_before", "field": "s.e", "reference": "s.d"}],
        }
    )
    answers = {
        "s.t": "ab", "s.n": 0, "s.m": 5, "s.d": "1800-01-01", "s.y": 1800, "s.a": ["x", "y"],
        "s.i": "003090000001", "s.j": "001990000001", "s.p": "79", "s.c": "00070",
    }  # fmt: skip
    result = validate(schema, answers, CTX)
    schema2 = _id_schema()
    result.issues.extend(
        validate(schema2, {"p.id": "001090000001", "p.birth": "1991-01-01"}, CTX).issues
    )
    seen = {i.code for i in result.issues}
    assert {"too_long", "too_small", "too_large", "date_too_early", "too_many_files", "invalid_id_province",
            "invalid_id_birth_year", "commune_not_in_province", "id_birth_year_mismatch"} <= seen  # fmt: skip
    for i in result.issues:
        for lang in ("vi", "en"):
            assert "{" not in render(i, lang), (i, lang)


def test_codes_without_message():
    schema = parse_schema(
        base(checks=[{"check": "min_age", "field": "child.birth", "years": 1, "code": "zz_custom"}])
    )
    assert codes_without_message(schema) == ["zz_custom"]


# --- search keys -------------------------------------------------------------------------


def test_search_key_drops_marks_case_and_spacing():
    assert search_key("  Nguye\u0302\u0303n   Va\u0306n  ĐỨC ") == "nguyen van duc"
    assert search_key("Đà Nẵng") == search_key("da nang") == "da nang"


def test_search_key_old_and_new_tone_placement_are_equal():
    # "hoà" (old style: mark on a) and "hòa" (new style: mark on o), composed or not
    assert (
        search_key("Hoà")
        == search_key("Hòa")
        == search_key("Ho\u0300a")
        == search_key("hoa\u0300")
        == "hoa"
    )
    assert search_key("Thuý") == search_key("Thúy")


@given(st.text())
def test_search_key_is_idempotent(text):
    assert search_key(search_key(text)) == search_key(text)


def test_catalog_check_codes_have_messages():
    """Every check code used by the procedure catalog has its own message, not the generic one."""
    data = Path(__file__).resolve().parents[2] / "server" / "catalog" / "data"
    if not data.is_dir():
        pytest.skip(f"{data} not present")

    def check_codes(node: Any) -> set[str]:
        if isinstance(node, list):
            return set().union(*map(check_codes, node)) if node else set()
        if isinstance(node, dict):
            found = {node["code"]} if "check" in node and "code" in node else set()
            return found.union(*map(check_codes, node.values()))
        return set()

    used = set().union(
        *(check_codes(json.loads(p.read_text("utf-8"))) for p in data.rglob("*.json"))
    )
    assert used, "no check codes found in the catalog"
    assert used - set(messages()) == set()
