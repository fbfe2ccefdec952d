"""From a provider's claims to the verified facts: the claim map's dotted paths, the
provider's words for the sexes, only a verified address, and the ID number checked like
the forms check it (and against the verified sex and birth year)."""

from __future__ import annotations

import pytest

from server.identity.oidc.config import ClaimMap, Label, ProviderConfig, SexValues
from server.identity.oidc.facts import ClaimRefused, claim_at, verified_facts

PROVIDER = ProviderConfig(
    name="vneid", label=Label(vi="VNeID", en="VNeID"), issuer="https://x.example", client_id="m"
)
CLAIMS = {
    "name": "Nguyễn\u202eVăn  An\n",
    "birthdate": "1990-03-14",
    "gender": "Nam",
    "email": "An@Example.com",
    "email_verified": True,
    "address": {"formatted": "Số 12, Hà Nội"},
    "personal_id_number": "001090004821",
}


def test_the_facts_as_the_forms_spell_them() -> None:
    facts = verified_facts(PROVIDER, "sub-1", CLAIMS)
    assert facts.subject == "sub-1"
    assert facts.full_name == "Nguyễn Văn An"  # format characters and spacing cleaned
    assert facts.sex == "male"  # "Nam" is one of the provider's words for male
    assert facts.birth_date == "1990-03-14"
    assert facts.residence == "Số 12, Hà Nội"
    assert facts.email == "an@example.com"
    assert facts.id_number == "001090004821"


def test_an_address_not_verified_is_not_kept() -> None:
    assert verified_facts(PROVIDER, "s", CLAIMS | {"email_verified": False}).email == ""
    assert verified_facts(PROVIDER, "s", CLAIMS | {"email_verified": "true"}).email == ""


def test_a_claim_map_and_sex_words_of_another_provider() -> None:
    provider = ProviderConfig(
        name="other",
        label=Label(vi="X", en="X"),
        issuer="https://x.example",
        client_id="m",
        claims=ClaimMap(id_number="citizen.pid", sex="sex", residence=""),
        sex_values=SexValues(male=("M",), female=("F",)),
    )
    claims = {"citizen": {"pid": "079301007356"}, "sex": "F", "birthdate": "2001-11-02"}
    facts = verified_facts(provider, "s", claims)
    assert (facts.id_number, facts.sex, facts.residence) == ("079301007356", "female", "")


def test_claim_paths() -> None:
    assert claim_at({"a": {"b": 1}}, "a.b") == 1
    assert claim_at({"a": {"b": 1}}, "a.c") is None
    assert claim_at({"a": "text"}, "a.b") is None
    assert claim_at({"a": 1}, "") is None


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"personal_id_number": None}, "claim_missing"),
        ({"personal_id_number": "00109000482"}, "claim_invalid"),  # 11 digits
        ({"personal_id_number": "999090004821"}, "claim_invalid"),  # no such province
        ({"gender": "female"}, "claim_invalid"),  # the number says a man
        ({"birthdate": "1991-03-14"}, "claim_invalid"),  # the number says born in 1990
    ],
)
def test_the_id_number_refused(changes: dict, code: str) -> None:
    claims = {k: v for k, v in (CLAIMS | changes).items() if v is not None}
    with pytest.raises(ClaimRefused) as caught:
        verified_facts(PROVIDER, "s", claims)
    assert caught.value.code == code


def test_no_id_number_is_fine_when_the_provider_is_not_required_to_give_one() -> None:
    provider = ProviderConfig(
        name="x",
        label=Label(vi="X", en="X"),
        issuer="https://x.example",
        client_id="m",
        require_id_number=False,
    )
    claims = {k: v for k, v in CLAIMS.items() if k != "personal_id_number"}
    assert verified_facts(provider, "s", claims).id_number == ""
