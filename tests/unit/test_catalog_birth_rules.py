"""The shipped birth procedures follow Luật Hộ tịch 2014: the date of birth in words comes
from the date, and the health-insurance card for children under 6 is refused from the 6th
birthday on (the day of filing is the validator's today)."""

from __future__ import annotations

import datetime

import pytest

from server.catalog.loader import LoadedProcedure, load_catalog
from sync.forms import Context, FormSchema, parse_schema, validate
from sync.forms.schema import TextField, UnderAge

CATALOG = {p.definition.code: p for p in load_catalog()}
CTX = Context(today=datetime.date(2026, 3, 15), provinces=frozenset(), communes={})


def _schema(procedure: LoadedProcedure) -> FormSchema:
    return parse_schema(procedure.definition.form)


def _words_fields(schema: FormSchema) -> dict[str, TextField]:
    return {
        path: f
        for path, (_, f) in schema.fields_by_path().items()
        if isinstance(f, TextField) and "bằng chữ" in f.label.vi
    }


def test_every_date_in_words_field_follows_its_date() -> None:
    found = 0
    for code, procedure in CATALOG.items():
        for path, f in _words_fields(_schema(procedure)).items():
            found += 1
            assert f.words_of_date == path.replace("_words", ""), (code, path)
    assert found >= 8  # the `child` fragment's users and the foundling's own child section


@pytest.mark.parametrize("code", ["khai-sinh", "khai-sinh-tre-bi-bo-roi", "lien-thong-khai-sinh"])
def test_date_of_birth_in_words_is_filled_in(code: str) -> None:
    schema = _schema(CATALOG[code])
    result = validate(schema, {"child.birth_date": "2026-03-01"}, CTX)
    assert result.values["child.birth_date_words"] == (
        "Ngày một tháng ba năm hai nghìn không trăm hai mươi sáu"
    )
    assert not [i for i in result.issues if i.path == "child.birth_date_words"]


def test_a_typed_date_in_words_that_differs_is_refused() -> None:
    schema = _schema(CATALOG["khai-sinh"])
    answers = {"child.birth_date": "2026-03-01", "child.birth_date_words": "Ngày hai tháng ba"}
    issues = [i for i in validate(schema, answers, CTX).issues if i.path.endswith("_words")]
    assert [(i.code, i.params) for i in issues] == [
        (
            "date_words_mismatch",
            {"expected": "Ngày một tháng ba năm hai nghìn không trăm hai mươi sáu"},
        )
    ]


def _bhyt_procedures() -> list[str]:
    return sorted(
        code for code, p in CATALOG.items() if "extras.bhyt" in _schema(p).fields_by_path()
    )


def test_every_bhyt_option_is_checked_against_the_age_of_6() -> None:
    codes = _bhyt_procedures()
    assert len(codes) >= 5
    for code in codes:
        checks = [c for c in _schema(CATALOG[code]).checks if isinstance(c, UnderAge)]
        assert [(c.field, c.birth_field, c.years, c.code) for c in checks] == [
            ("extras.bhyt", "child.birth_date", 6, "bhyt_child_too_old")
        ], code


def _bhyt_issues(code: str, birth: str, ticked: bool = True) -> list[str]:
    answers = {"child.birth_date": birth, "extras.bhyt": ticked, "extras.kcb_facility": "Trạm y tế"}
    result = validate(_schema(CATALOG[code]), answers, CTX)
    return [i.code for i in result.issues if i.path == "extras.bhyt"]


@pytest.mark.parametrize("code", _bhyt_procedures())
def test_bhyt_option_is_refused_from_the_6th_birthday(code: str) -> None:
    assert _bhyt_issues(code, "2020-03-16") == []  # the day before the 6th birthday
    assert _bhyt_issues(code, "2020-03-15") == ["bhyt_child_too_old"]
    assert _bhyt_issues(code, "2020-03-15", ticked=False) == []


def test_interlinked_bundle_is_only_for_children_under_6() -> None:
    schema = _schema(CATALOG["lien-thong-khai-sinh"])

    def issues(birth: str) -> list[str]:
        result = validate(schema, {"child.birth_date": birth}, CTX)
        return [i.code for i in result.issues if i.path == "child.birth_date"]

    assert "bundle_child_too_old" not in issues("2020-03-16")
    assert "bundle_child_too_old" in issues("2020-03-15")
