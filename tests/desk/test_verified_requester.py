"""The desk sees which of the requester's answers are the facts the national e-ID
verified and which the person changed, computed by the server from the account's
ExternalIdentity (the phone cannot vouch for itself). Both databases; the dossiers go
through the real sync path, the identities are written straight into the table (the
flag needs no provider to be up)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness.sync_client import SyncDevice
from server.app import create_app
from server.desk.verified_requester import compare_requester
from server.identity.oidc.config import Label, ProviderConfig
from server.identity.tables import Account, ExternalIdentity
from server.settings import Settings
from tests.desk.conftest import official
from tests.desk.test_deadlines import submitted_marriage
from tests.desk.test_desk_flow import submitted_birth
from tests.sync.conftest import device_for, make_account

VERIFIED_AT = dt.datetime(2026, 12, 5, 8, 30, tzinfo=dt.UTC)
# The requester of harness.sync_client.birth_answers, as the e-ID spells her.
MAI = {
    "id_number": "001190012345",
    "full_name": "TRẦN  THỊ MAI",  # upper case, two spaces: still her name
    "birth_date": "1990-05-01",
    "sex": "female",
    "residence": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
}
VNEID = ProviderConfig(
    name="vneid",
    label=Label(vi="VNeID (Bộ Công an)", en="VNeID (Ministry of Public Security)"),
    issuer="https://vneid.example.vn",
    client_id="motcua",
    client_secret="s3cret",
)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[object]:
    app = create_app(msgspec.structs.replace(settings, demo_mode=True, oidc_providers=(VNEID,)))
    async with LifespanManager(app):
        yield app


async def account_id(email: str) -> uuid.UUID:
    row = await Account.select(Account.id).where(Account.email == email).first()
    assert row is not None
    return row["id"]


async def verify(
    account: uuid.UUID, provider: str = "vneid", at: dt.datetime = VERIFIED_AT, **facts: str
) -> None:
    await ExternalIdentity.insert(
        ExternalIdentity(
            id=uuid.uuid4(),
            account_id=account,
            provider=provider,
            subject=uuid.uuid4().hex,
            **{**MAI, **facts},
            linked_at=at,
            verified_at=at,
        )
    )


async def citizen(app, **facts: str) -> SyncDevice:
    """A citizen who signed in with the e-ID (the facts: MAI's, with `facts` over them)."""
    email = await make_account("citizen")
    await verify(await account_id(email), **facts)
    return await device_for(app, email)


def statuses(detail: dict[str, Any]) -> dict[str, str]:
    return {path: f["status"] for path, f in detail["verified_requester"]["fields"].items()}


async def test_prefilled_answers_left_as_they_were_are_verified(app) -> None:
    desk = await official(app)
    person = await citizen(app)
    async with aclosing(desk.http), aclosing(person.http):
        dossier = await submitted_birth(person)
        detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    # The birth's requester section asks no date of birth or sex: nothing said of them.
    assert detail["verified_requester"] == {
        "provider": "vneid",
        "provider_label": {"vi": "VNeID (Bộ Công an)", "en": "VNeID (Ministry of Public Security)"},
        "verified_at": "2026-12-05T08:30:00Z",
        "fields": {
            "requester.full_name": {"status": "verified", "verified_value": "TRẦN  THỊ MAI"},
            "requester.id_number": {"status": "verified", "verified_value": "001190012345"},
            "requester.residence": {"status": "verified", "verified_value": MAI["residence"]},
        },
        "any_changed": False,
    }


async def test_a_changed_value_is_flagged_with_the_verified_one_and_an_emptied_one_is_missing(
    app,
) -> None:
    desk = await official(app)
    person = await citizen(app)
    async with aclosing(desk.http), aclosing(person.http):
        dossier = await submitted_birth(
            person,
            **{
                "requester.full_name": "Trần Thị Mây",
                "requester.residence": "",
                "mother.residence": MAI["residence"],  # no longer filled from hers
                "requester.id_number": "001190012346",
            },
        )
        detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
        queue = (await desk.get("/api/desk/queue")).json()["items"]
    verified = detail["verified_requester"]
    assert statuses(detail) == {
        "requester.full_name": "changed",
        "requester.id_number": "changed",
        "requester.residence": "missing",
    }
    assert verified["fields"]["requester.full_name"]["verified_value"] == "TRẦN  THỊ MAI"
    assert verified["fields"]["requester.id_number"]["verified_value"] == "001190012345"
    assert verified["fields"]["requester.residence"]["verified_value"] == MAI["residence"]
    assert verified["any_changed"] is True
    assert [(i["id"], i["requester_changed"]) for i in queue] == [(dossier, True)]


async def test_the_id_number_is_compared_exactly_and_a_passport_leaves_it_missing(app) -> None:
    desk = await official(app)
    person = await citizen(app, residence="")  # the e-ID gave no residence: nothing said
    async with aclosing(desk.http), aclosing(person.http):
        passport = await submitted_birth(
            person,
            **{
                "requester.id_type": "passport",
                "requester.document_number": "C1234567",
                "requester.document_country": "VN",
            },
        )
        detail = (await desk.get(f"/api/desk/dossiers/{passport}")).json()
        queue = (await desk.get("/api/desk/queue")).json()["items"]
    assert statuses(detail) == {
        "requester.full_name": "verified",
        "requester.id_number": "missing",
    }
    assert queue[0]["requester_changed"] is False


async def test_the_latest_identity_is_the_one_compared_and_an_unknown_provider_is_named(
    app,
) -> None:
    desk = await official(app)
    email = await make_account("citizen")
    owner = await account_id(email)
    await verify(owner, full_name="Trần Thị Mai Cũ", at=VERIFIED_AT - dt.timedelta(days=30))
    await verify(owner, provider="other-eid", at=VERIFIED_AT + dt.timedelta(hours=1))
    person = await device_for(app, email)
    async with aclosing(desk.http), aclosing(person.http):
        dossier = await submitted_birth(person)
        verified = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()["verified_requester"]
    assert verified["provider"] == "other-eid"
    assert verified["provider_label"] == {"vi": "other-eid", "en": "other-eid"}
    assert verified["verified_at"] == "2026-12-05T09:30:00Z"
    assert verified["fields"]["requester.full_name"]["status"] == "verified"


async def test_no_flags_without_an_identity_for_an_official_or_without_a_requester(
    app,
) -> None:
    desk = await official(app)
    stranger = await device_for(app, await make_account("citizen"))
    outreach_email = await make_account("outreach", "00070")
    # An official who linked an e-ID registers a family in a village: their facts are
    # not the requester's.
    await verify(await account_id(outreach_email))
    outreach = await device_for(app, outreach_email)
    couple = await citizen(app)
    async with (
        aclosing(desk.http),
        aclosing(stranger.http),
        aclosing(outreach.http),
        aclosing(couple.http),
    ):
        dossiers = [
            await submitted_birth(stranger),
            await submitted_birth(outreach),
            await submitted_marriage(couple),  # a marriage has no requester section
        ]
        for dossier in dossiers:
            detail = await desk.get(f"/api/desk/dossiers/{dossier}")
            assert detail.status_code == 200, detail.text
            assert detail.json()["verified_requester"] is None
        queue = (await desk.get("/api/desk/queue")).json()["items"]
    assert {i["id"]: i["requester_changed"] for i in queue} == dict.fromkeys(dossiers, False)


async def test_another_communes_desk_still_gets_404(app) -> None:
    desk = await official(app, commune="00004")
    person = await citizen(app)
    async with aclosing(desk.http), aclosing(person.http):
        dossier = await submitted_birth(person)
        assert (await desk.get(f"/api/desk/dossiers/{dossier}")).status_code == 404
        assert (await desk.get("/api/desk/queue")).json()["items"] == []


def test_the_comparison_follows_the_forms_normalisation() -> None:
    facts = {**MAI, "full_name": "Nguyễn Văn An"}
    nfd = "Nguye\u0302\u0303n  va\u0306n AN "
    result = compare_requester(
        {
            "requester.full_name": nfd,
            "requester.id_number": " 001190012345",
            "requester.birth_date": "1990-05-01",
            "requester.sex": "male",
        },
        facts,
        asked={"full_name", "id_number", "residence", "birth_date", "sex", "relationship"},
    )
    assert {p: (f.status, f.verified_value) for p, f in result.items()} == {
        "requester.full_name": ("verified", "Nguyễn Văn An"),
        "requester.id_number": ("verified", "001190012345"),
        "requester.residence": ("missing", MAI["residence"]),
        "requester.birth_date": ("verified", "1990-05-01"),
        "requester.sex": ("changed", "female"),
    }
    # An ID number is compared exactly: one digit is another person.
    assert compare_requester({"requester.id_number": "001190012344"}, facts, asked={"id_number"})[
        "requester.id_number"
    ].status == ("changed")
    # Facts the provider did not give say nothing; neither do fields the form lacks.
    assert compare_requester({}, {**MAI, "sex": ""}, asked={"sex", "full_name"}) == {
        "requester.full_name": compare_requester({}, MAI, asked={"full_name"})[
            "requester.full_name"
        ]
    }
