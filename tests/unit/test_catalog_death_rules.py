"""The shipped death procedures ask what Luật Hộ tịch 2014 (art. 34) and its forms ask:
the date and the hour and minute of death (unless no paper states the hour), the place,
the cause, and the death notice (or the paper replacing it) with its number, issuer and
date, which cannot come before the death. A court's decision declaring a person dead
replaces the notice: it sets a date of death, and its own number, court and dates."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from server.catalog.loader import load_catalog
from sync.forms import Context, FormSchema, parse_schema, validate
from sync.forms.language import for_level
from sync.forms.schema import NotBefore, TextField, TimeField

CATALOG = {p.definition.code: p for p in load_catalog()}
TODAY = datetime.date(2026, 3, 15)
CTX = Context(today=TODAY, provinces=frozenset({"01"}), communes={"00070": "01"})
DEATH_PROCEDURES = sorted(c for c, p in CATALOG.items() if p.definition.family == "death")
ON_A_NOTICE = ["khai-tu", "khai-tu-qua-han", "lien-thong-khai-tu"]


def _schema(code: str) -> FormSchema:
    return parse_schema(CATALOG[code].definition.form)


def _died(code: str) -> datetime.date:
    # within the 15 days, or past them for the late registration (its own check)
    return TODAY - datetime.timedelta(days=40 if code == "khai-tu-qua-han" else 3)


def _death_answers(code: str) -> dict[str, Any]:
    """What a person fills in about the death itself, for each death procedure."""
    died = _died(code).isoformat()
    if code == "khai-tu-theo-quyet-dinh-toa-an":
        return {
            "court.court_name": "Tòa án nhân dân khu vực 1 - Hà Nội",
            "court.decision_number": "12/2026/QĐST-DS",
            "court.decision_date": "2026-03-02",
            "court.effective_date": "2026-03-10",
            "court.death_date": "2021-06-01",
        }
    answers = {
        "death.date": died,
        "death.time": "14:30",
        "death.place": "Bệnh viện Bạch Mai, phường Kim Liên, Hà Nội",
        "death.cause": "Suy tim",
    }
    if code == "dang-ky-lai-khai-tu":
        return answers | {"previous.registration_date": "2010-05-04"}
    return answers | {
        "death.notice_number": "123/GBT",
        "death.notice_issuer": "Bệnh viện Bạch Mai",
        "death.notice_date": died,
    }


def _errors(code: str, answers: dict[str, Any]) -> list[tuple[str, str]]:
    """Errors on the death (or the court decision) and the checks on it; the parties'
    sections are another matter."""
    result = validate(_schema(code), answers, CTX)
    return [
        (i.path, i.code)
        for i in result.issues
        if i.severity == "error" and i.path.split(".")[0] in ("death", "court")
    ]


def test_the_death_procedures_are_the_five_known() -> None:
    assert DEATH_PROCEDURES == [
        "dang-ky-lai-khai-tu",
        "khai-tu",
        "khai-tu-qua-han",
        "khai-tu-theo-quyet-dinh-toa-an",
        "lien-thong-khai-tu",
    ]


@pytest.mark.parametrize("code", DEATH_PROCEDURES)
def test_real_death_answers_are_accepted(code: str) -> None:
    assert _errors(code, _death_answers(code)) == []


@pytest.mark.parametrize("code", ["dang-ky-lai-khai-tu", *ON_A_NOTICE])
def test_the_time_of_death_is_a_time_and_is_asked(code: str) -> None:
    field = _schema(code).fields_by_path()["death.time"][1]
    assert isinstance(field, TimeField)
    answers = _death_answers(code)
    del answers["death.time"]
    assert _errors(code, answers) == [("death.time", "required")]
    assert _errors(code, answers | {"death.time": "24:00"}) == [("death.time", "invalid_time")]
    assert _errors(code, answers | {"death.time": " 07:05 "}) == []


@pytest.mark.parametrize("code", ["dang-ky-lai-khai-tu", *ON_A_NOTICE])
def test_a_time_no_paper_states_may_be_left_out_when_so_ticked(code: str) -> None:
    answers = _death_answers(code)
    del answers["death.time"]
    ticked = answers | {"death.time_unknown": True}
    assert _errors(code, ticked) == []
    result = validate(_schema(code), ticked | {"death.time": "08:00"}, CTX)
    assert "death.time" not in result.values  # hidden once the box is ticked


@pytest.mark.parametrize("code", ["dang-ky-lai-khai-tu", *ON_A_NOTICE])
def test_the_cause_of_death_is_required(code: str) -> None:
    answers = _death_answers(code)
    del answers["death.cause"]
    assert _errors(code, answers) == [("death.cause", "required")]


@pytest.mark.parametrize("code", ON_A_NOTICE)
def test_the_notice_date_is_required_and_not_before_the_death(code: str) -> None:
    answers = _death_answers(code)
    del answers["death.notice_date"]
    assert _errors(code, answers) == [("death.notice_date", "required")]
    day_before = (_died(code) - datetime.timedelta(days=1)).isoformat()
    assert _errors(code, answers | {"death.notice_date": day_before}) == [
        ("death.notice_date", "date_before_reference")
    ]


def test_every_form_with_a_death_notice_asks_all_of_it() -> None:
    found = []
    for code in CATALOG:
        fields = _schema(code).fields_by_path()
        if "death.notice_number" not in fields:
            continue
        found.append(code)
        for path in ("death.date", "death.place", "death.cause", "death.notice_number"):
            assert fields[path][1].required, (code, path)
        for path in ("death.notice_issuer", "death.notice_date"):
            assert fields[path][1].required, (code, path)
        assert isinstance(fields["death.time"][1], TimeField), code
        checks = {(c.field, c.reference) for c in _schema(code).checks if isinstance(c, NotBefore)}
        assert ("death.notice_date", "death.date") in checks, code
    assert sorted(found) == ON_A_NOTICE


def test_the_court_decision_replaces_the_notice() -> None:
    # The court sets a date of death, not an hour, and states no cause: the form asks
    # for the decision (court, number, dates), each required, and for no notice.
    code = "khai-tu-theo-quyet-dinh-toa-an"
    fields = _schema(code).fields_by_path()
    assert not [p for p in fields if p.startswith("death.")]
    for path in (
        "court.court_name",
        "court.decision_number",
        "court.decision_date",
        "court.effective_date",
        "court.death_date",
    ):
        answers = _death_answers(code)
        del answers[path]
        assert _errors(code, answers) == [(path, "required")], path
    answers = _death_answers(code) | {"court.decision_date": "2021-05-31"}
    assert _errors(code, answers) == [("court.decision_date", "date_before_reference")]


@pytest.mark.parametrize("code", ON_A_NOTICE)
def test_an_app_without_the_time_type_drafts_the_time_as_text(code: str) -> None:
    # An app of level 2 knows no `time`: it is served a text field, still asked unless
    # the time is unknown; the server checks the real type at submit.
    served = parse_schema(for_level(CATALOG[code].definition.form, 2))
    field = served.fields_by_path()["death.time"][1]
    assert isinstance(field, TextField)
    assert field.required_when is not None and field.visible_when is not None
