"""The local OpenID provider's demo identities carry numbers motcua's own checks accept.

A sign-in with one of them pre-fills a draft, and the validator checks the personal ID
number against the sex and date of birth beside it: a demo number that failed those
checks would make the demo show an error that is not the person's.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from sync.forms.personal_id import id_problem

IDENTITIES = Path(__file__).parents[2] / "harness" / "oidc_provider" / "identities.json"
TODAY = datetime.date(2026, 12, 6)


def _identities() -> list[dict[str, Any]]:
    return json.loads(IDENTITIES.read_text(encoding="utf-8"))


def _problem(claims: dict[str, Any]) -> object:
    born = datetime.date.fromisoformat(claims["birthdate"])
    return id_problem(
        claims["personal_id_number"], TODAY, sex=claims["gender"], birth_year=born.year
    )


def test_there_are_three_demo_identities_with_distinct_subjects_and_logins() -> None:
    identities = _identities()
    assert len(identities) == 3
    assert len({i["claims"]["sub"] for i in identities}) == 3
    assert len({i["login"] for i in identities}) == 3
    assert len({i["claims"]["personal_id_number"] for i in identities}) == 3


@pytest.mark.parametrize("identity", _identities(), ids=lambda i: i["login"])
def test_each_demo_number_passes_the_personal_id_checks(identity: dict[str, Any]) -> None:
    claims = identity["claims"]
    assert claims["gender"] in ("male", "female")
    assert datetime.date.fromisoformat(claims["birthdate"]) < TODAY
    assert claims["address"]["formatted"].strip()
    assert claims["name"] == identity["label"]
    assert _problem(claims) is None


def test_the_check_would_catch_a_number_of_the_other_sex() -> None:
    claims = dict(_identities()[0]["claims"])
    claims["gender"] = "female" if claims["gender"] == "male" else "male"
    assert _problem(claims) is not None
