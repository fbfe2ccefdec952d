"""Bad input to the sync endpoints gets a clear 4xx problem document naming what is
wrong, and nothing is stored; public lookup forgives how a code is typed but never
shows personal data; reserved codes bind once, only for the device that holds them."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from contextlib import aclosing

import httpx
import msgspec
import pytest

from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from server.clock import vn_today
from server.dossiers.reservations import LIFETIME, release_expired
from server.dossiers.tables import (
    AppliedMutation,
    ChangeFeed,
    CodeReservation,
    DeviceSequence,
    Dossier,
    DossierHistory,
)
from server.identity.captcha.tables import CaptchaChallenge
from sync.codes import ALPHABET, display, parse_code
from sync.messages import MAX_BODY_BYTES, MAX_MUTATIONS
from tests.sync.conftest import PASSWORD, device_for, make_account

MSGPACK = "application/x-msgpack"


async def stored() -> tuple[int, ...]:
    return (
        await AppliedMutation.count(),
        await Dossier.count(),
        await DeviceSequence.count(),
        await DossierHistory.count(),
        await ChangeFeed.count(),
    )


def problem(r: httpx.Response, status: int, kind: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["type"] == f"/problems/{kind}" and body["status"] == status, body
    return body


def paths(body: dict) -> list[str]:
    return [e["path"] for e in body.get("errors") or []]


def mutation(
    seq: int = 1, kind: str = "create_draft", payload: dict | None = None, **extra
) -> dict:
    return {
        "seq": seq,
        "id": str(uuid7()),
        "dossier_id": str(uuid7()),
        "kind": kind,
        "payload": {"procedure_code": "khai-tu"} if payload is None else payload,
        **extra,
    }


def envelope(device: SyncDevice, *mutations: dict, **extra) -> dict:
    return {"device_id": str(device.device_id), "mutations": list(mutations), **extra}


async def post(
    device: SyncDevice, content: bytes, content_type: str = "application/json", **headers: str
) -> httpx.Response:
    return await device.http.post(
        "/api/sync/push",
        content=content,
        headers={**device.auth, "Content-Type": content_type, **headers},
    )


def json_bytes(value) -> bytes:
    return msgspec.json.encode(value)


# -- malformed or mistyped envelopes: (body builder, content type, status, problem, path) --

CASES = {
    "malformed JSON": (
        lambda d: b'{"device_id": "' + str(d.device_id).encode() + b'", "mutations": [',
        "application/json",
        400,
        "invalid_request",
        "$",
    ),
    "malformed MessagePack": (
        lambda d: b"\xc1\x82\xa9device_id",
        MSGPACK,
        400,
        "invalid_request",
        "$",
    ),
    "truncated MessagePack": (
        lambda d: msgspec.msgpack.encode(envelope(d, mutation()))[:-7],
        MSGPACK,
        400,
        "invalid_request",
        "$",
    ),
    "invalid UTF-8 in JSON": (
        lambda d: json_bytes(
            envelope(d, mutation(kind="edit_draft", payload={"changes": {"child.hometown": "HUE"}}))
        ).replace(b"HUE", b"H\xff\xfeE"),
        "application/json",
        400,
        "invalid_request",
        "$",
    ),
    "invalid UTF-8 in MessagePack": (
        lambda d: msgspec.msgpack.encode(
            envelope(d, mutation(kind="edit_draft", payload={"changes": {"child.hometown": "HUE"}}))
        ).replace(b"HUE", b"H\xc3\x28"),
        MSGPACK,
        400,
        "invalid_request",
        "$",
    ),
    "seq as a string": (
        lambda d: json_bytes(envelope(d, mutation(seq="1"))),
        "application/json",
        422,
        "validation_failed",
        "$.mutations[0].seq",
    ),
    "seq as a string in MessagePack": (
        lambda d: msgspec.msgpack.encode(envelope(d, mutation(seq="1"))),
        MSGPACK,
        422,
        "validation_failed",
        "$.mutations[0].seq",
    ),
    "non-integer seq": (
        lambda d: json_bytes(envelope(d, mutation(seq=1.5))),
        "application/json",
        422,
        "validation_failed",
        "$.mutations[0].seq",
    ),
    "seq zero": (
        lambda d: json_bytes(envelope(d, mutation(seq=0))),
        "application/json",
        422,
        "validation_failed",
        "$.mutations[0].seq",
    ),
    # Found by tests/hostile: integers past 2^53 were taken (and 2^64 reached the seq check).
    "seq beyond 2^53": (
        lambda d: json_bytes(envelope(d, mutation(seq=2**53))),
        "application/json",
        422,
        "validation_failed",
        "$.mutations[0].seq",
    ),
    "seq beyond uint64 in MessagePack": (
        lambda d: msgspec.msgpack.encode(envelope(d, mutation(seq=2**64 - 1))),
        MSGPACK,
        422,
        "validation_failed",
        "$.mutations[0].seq",
    ),
    "base_version beyond 2^53": (
        lambda d: json_bytes(envelope(d, mutation(base_version=2**70))),
        "application/json",
        422,
        "validation_failed",
        "$.mutations[0].base_version",
    ),
    "mutations as an object": (
        lambda d: json_bytes({"device_id": str(d.device_id), "mutations": {}}),
        "application/json",
        422,
        "validation_failed",
        "$.mutations",
    ),
    "no device_id": (
        lambda d: json_bytes({"mutations": []}),
        "application/json",
        422,
        "validation_failed",
        "$",
    ),
    "unknown envelope field": (
        lambda d: json_bytes(envelope(d, mutation(), extra=1)),
        "application/json",
        422,
        "validation_failed",
        "$",
    ),
    "unknown kind": (
        lambda d: json_bytes(envelope(d, mutation(kind="delete_everything"))),
        "application/json",
        422,
        "validation_failed",
        "$.mutations[0].kind",
    ),
    "bad dossier id": (
        lambda d: json_bytes(envelope(d, {**mutation(), "dossier_id": "not-a-uuid"})),
        "application/json",
        422,
        "validation_failed",
        "$.mutations[0].dossier_id",
    ),
    "seq twice in one batch": (
        lambda d: json_bytes(envelope(d, mutation(1), mutation(2), mutation(2))),
        "application/json",
        422,
        "validation_failed",
        "$.mutations[2].seq",
    ),
    "more than 100 mutations": (
        lambda d: json_bytes(envelope(d, *[mutation(i) for i in range(1, MAX_MUTATIONS + 2)])),
        "application/json",
        413,
        "payload_too_large",
        "$.mutations",
    ),
}


async def test_bad_envelopes_are_refused_naming_the_problem_and_nothing_is_stored(
    citizen: SyncDevice,
) -> None:
    for case, (build, content_type, status, kind, path) in CASES.items():
        before = await stored()
        r = await post(citizen, build(citizen), content_type)
        body = problem(r, status, kind)
        assert path in paths(body), (case, body)
        assert await stored() == before, case

    before = await stored()
    # Oversized bodies: just over the limit is refused by the push handler, naming the
    # body; far over, before the body is even read in full.
    just_over = json_bytes(
        envelope(
            citizen,
            mutation(
                kind="edit_draft",
                payload={
                    "changes": {
                        "child.hometown": "x" * (MAX_BODY_BYTES - 200),
                        "child.birth_place": "y" * 400,
                    }
                },
            ),
        )
    )
    assert MAX_BODY_BYTES < len(just_over) <= MAX_BODY_BYTES + 1024
    assert paths(problem(await post(citizen, just_over), 413, "payload_too_large")) == ["$"]
    huge = json_bytes(
        envelope(
            citizen,
            mutation(
                kind="edit_draft",
                payload={"changes": {"child.hometown": "x" * (3 * MAX_BODY_BYTES)}},
            ),
        )
    )
    problem(await post(citizen, huge), 413, "payload_too_large")

    # Neither JSON nor MessagePack.
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        r = await post(citizen, json_bytes(envelope(citizen, mutation())), content_type)
        problem(r, 415, "unsupported_media_type")

    # The envelope is refused as a whole: a valid first mutation does not slip in.
    good = mutation(1, kind="create_draft", payload={"procedure_code": "khai-sinh"})
    body = problem(
        await post(citizen, json_bytes(envelope(citizen, good, mutation(2, seq_extra=1)))),
        422,
        "validation_failed",
    )
    assert paths(body) == ["$.mutations[1]"]
    assert await stored() == before

    # After all that, seq 1 is still free: nothing was consumed.
    [outcome] = (await citizen.push([good])).json()["outcomes"]
    assert outcome["status"] == "applied" and outcome["seq"] == 1

    # A used seq on another change is not a replay: refused, not answered with the
    # old outcome (the device would drop a change never applied).
    before = await stored()
    body = problem(
        await post(citizen, json_bytes(envelope(citizen, mutation(1)))), 409, "seq_reused"
    )
    assert paths(body) == ["$.mutations[0].seq"]
    assert await stored() == before
    assert (await citizen.push([good])).json()["outcomes"] == [outcome]  # the true replay


async def test_a_malformed_payload_is_that_items_rejection_only(citizen: SyncDevice) -> None:
    """Payloads are checked item by item (principle 4): the item is refused with the
    path of the bad field, nothing of it is stored, and the queue moves on."""
    dossier = uuid7()
    citizen.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    bad = [
        ("edit_draft", {"changes": ["child.hometown", "Huế"]}, "payload.changes"),
        ("edit_draft", {"changes": {"child.hometown": "Huế"}, "extra": 1}, "payload"),
        ("submit", {"reserved_code": 12}, "payload.reserved_code"),
        ("resolve_conflict", {"conflict_id": "một", "choice": "server"}, "payload.conflict_id"),
        ("resolve_conflict", {"conflict_id": 1, "choice": "both"}, "payload.choice"),
        ("attach", {"path": "attachments.birth_certificate"}, "payload"),
        (
            "edit_draft",
            {"changes": {"child.sex": 3, "child.nope": "x"}},
            "payload.changes.child.sex",
        ),
    ]
    for kind, payload, _ in bad:
        citizen.queue(kind, dossier, payload, 1)
    citizen.queue("edit_draft", dossier, {"changes": {"child.hometown": "Nam Định"}}, 1)
    before = await stored()
    outcomes = await citizen.sync()
    assert [o["status"] for o in outcomes] == ["applied", *["rejected"] * len(bad), "applied"]
    for (kind, payload, path), outcome in zip(bad, outcomes[1:-1], strict=True):
        assert path in [r["path"] for r in outcome["reasons"]], (kind, payload, outcome)
    row = await Dossier.select(Dossier.version, Dossier.fields).where(Dossier.id == dossier).first()
    assert row["version"] == 2 and "Huế" not in row["fields"]  # create and the last edit only
    # Each item is recorded once with its outcome; the dossier's history has two entries.
    applied, dossiers, _, _history, _ = await stored()
    assert applied == before[0] + len(bad) + 2 and dossiers == before[1] + 1
    assert await DossierHistory.count().where(DossierHistory.dossier_id == dossier) == 2


async def test_only_this_devices_credential_may_push(app, citizen: SyncDevice) -> None:
    content = json_bytes(envelope(citizen, mutation()))
    before = await stored()

    # A browser session (even with its CSRF token) is not a device credential.
    email = await make_account("citizen")
    transport = httpx.ASGITransport(app=app, client=("198.51.100.10", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as browser:
        r = await browser.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        csrf = r.json()["csrf_token"]
        r = await browser.post(
            "/api/sync/push",
            content=content,
            headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
        )
        problem(r, 401, "device_credential_required")
        problem(await browser.get("/api/sync/pull"), 401, "device_credential_required")

    # No credential, or a forged one.
    r = await citizen.http.post(
        "/api/sync/push", content=content, headers={"Content-Type": "application/json"}
    )
    problem(r, 401, "not_signed_in")
    forged = f"Device {citizen.device_id}.not-the-secret"
    r = await citizen.http.post(
        "/api/sync/push",
        content=content,
        headers={"Content-Type": "application/json", "Authorization": forged},
    )
    problem(r, 401, "invalid_device_credential")

    # Another device's id in the envelope, in either encoding.
    other = await device_for(app, await make_account("citizen"))
    async with aclosing(other.http):
        body = {"device_id": str(other.device_id), "mutations": [mutation()]}
        problem(await post(citizen, json_bytes(body)), 403, "device_mismatch")
        problem(await post(citizen, msgspec.msgpack.encode(body), MSGPACK), 403, "device_mismatch")
    assert await stored() == before


# -- public lookup ----------------------------------------------------------------------


async def captcha(http: httpx.AsyncClient) -> dict:
    r = await http.post("/api/captcha")
    assert r.status_code == 201, r.text
    challenge = r.json()["id"]
    row = (
        await CaptchaChallenge.select(CaptchaChallenge.answer)
        .where(CaptchaChallenge.id == uuid.UUID(challenge))
        .first()
    )
    return {"captcha_id": challenge, "captcha_answer": row["answer"]}


@pytest.fixture
async def visitor(app):
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as http:
        yield http


def submitted_birth(device: SyncDevice, **payload) -> uuid.UUID:
    dossier = uuid7()
    device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    device.queue(
        "attach",
        dossier,
        {"path": "attachments.birth_certificate", "sha256": fake_sha256(str(dossier))},
        1,
    )
    device.queue("submit", dossier, payload, 2)
    return dossier


def retype(code: str) -> list[str]:
    """How people type a code back: case, spaces, dashes, O for 0."""
    return [
        code.lower(),
        display(code),
        "-".join(code[i : i + 4] for i in range(0, 16, 4)),
        f"  {display(code).lower()}  ",
        code.replace("0", "O"),
        code.replace("0", "o").lower(),
    ]


async def test_lookup_forgives_typing_catches_typos_and_shows_no_personal_data(
    citizen: SyncDevice, visitor
) -> None:
    dossier = submitted_birth(citizen)
    draft = uuid7()
    citizen.queue(
        "create_draft", draft, {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())}
    )
    outcomes = await citizen.sync()
    code = outcomes[2]["code"]
    assert "0" in code  # so that the O/0 forms differ from the code itself

    for typed in retype(code):
        r = await visitor.post("/api/lookup", json={"code": typed, **await captcha(visitor)})
        assert r.status_code == 200, (typed, r.text)
        assert r.json()["code"] == code and r.json()["state"] == 1

    by_id = await visitor.post("/api/lookup", json={"id": str(dossier), **await captcha(visitor)})
    assert by_id.status_code == 200 and by_id.json()["code"] == code

    # Status, agency and dates only: nothing about the people in the dossier.
    body = by_id.json()
    assert set(body) <= {
        "state",
        "state_label",
        "procedure",
        "agency",
        "code",
        "submitted_at",
        "due_date",
        "appointment_date",
    }, body
    text = by_id.text
    answers = birth_answers(vn_today())
    for personal in (
        "child.full_name",
        "requester.full_name",
        "requester.id_number",
        "contact.phone",
        "contact.email",
        "requester.residence",
        "mother.birth_date",
    ):
        assert answers[personal] not in text, personal
    assert str(citizen.device_id) not in text

    # A draft is nobody's business: not found, by id.
    r = await visitor.post("/api/lookup", json={"id": str(draft), **await captcha(visitor)})
    problem(r, 404, "not_found")
    r = await visitor.post("/api/lookup", json={"id": str(uuid7()), **await captcha(visitor)})
    problem(r, 404, "not_found")

    # A mistyped check character is caught before anything is looked up, and the robot
    # check is not spent on the typo.
    wrong = code[:-1] + next(c for c in ALPHABET if c != code[-1])
    challenge = await captcha(visitor)
    r = await visitor.post("/api/lookup", json={"code": wrong, **challenge})
    body = problem(r, 422, "validation_failed")
    assert paths(body) == ["code"] and body["errors"][0]["code"] == "code_check"
    r = await visitor.post("/api/lookup", json={"code": code[:-2], **challenge})
    assert paths(problem(r, 422, "validation_failed")) == ["code"]
    row = (
        await CaptchaChallenge.select(CaptchaChallenge.used_at)
        .where(CaptchaChallenge.id == uuid.UUID(challenge["captcha_id"]))
        .first()
    )
    assert row["used_at"] is None  # the robot check was not spent on a typo
    r = await visitor.post("/api/lookup", json={"code": code, **challenge})
    assert r.status_code == 200 and r.json()["code"] == code
    # ...and is spent now.
    again = await visitor.post("/api/lookup", json={"code": code, **challenge})
    assert paths(problem(again, 400, "captcha_used")) == ["captcha"], again.text


# -- reserved codes ------------------------------------------------------------------------


async def reserve(device: SyncDevice, count: int) -> httpx.Response:
    return await device.http.post(
        "/api/sync/codes/reserve", json={"count": count}, headers=device.auth
    )


async def test_reserved_codes_bind_once_and_only_for_their_device(app, citizen: SyncDevice) -> None:
    official = await make_account("outreach", "00070")
    phone = await device_for(app, official)
    colleague = await device_for(app, await make_account("outreach", "00070"))
    async with aclosing(phone.http), aclosing(colleague.http):
        r = await reserve(phone, 5)
        assert r.status_code == 201, r.text
        assert r.json()["commune_code"] == "00070"
        codes = [c["code"] for c in r.json()["codes"]]
        assert len(set(codes)) == 5
        assert all(parse_code(c) == c and c.startswith("00070") for c in codes)
        theirs = [c["code"] for c in (await reserve(colleague, 1)).json()["codes"]]

        # Offline in the village: three families, three receipts with their final codes.
        offline = [submitted_birth(phone, reserved_code=code) for code in codes[:3]]
        outcomes = await phone.sync()
        submits = [o for o in outcomes if o["state"] == 1]
        assert [o["code"] for o in submits] == codes[:3]
        for code, dossier in zip(codes[:3], offline, strict=True):
            row = (
                await CodeReservation.select(CodeReservation.dossier_id)
                .where(CodeReservation.code == code)
                .first()
            )
            assert row["dossier_id"] == dossier

        # The same code twice, a colleague's code, a mistyped code, another commune's code.
        bad = {
            "used twice": codes[0],
            "a colleague's": theirs[0],
            "mistyped": codes[3][:-1] + next(c for c in ALPHABET if c != codes[3][-1]),
            "not a code": "xin chào",
        }
        tries = {why: submitted_birth(phone, reserved_code=code) for why, code in bad.items()}
        outcomes = await phone.sync()
        refused = outcomes[2::3]  # create, attach, submit each
        assert len(refused) == len(bad)
        for o in refused:
            assert o["status"] == "rejected", o
            assert [(x["code"], x["path"]) for x in o["reasons"]] == [
                ("reserved_code_invalid", "payload.reserved_code")
            ]
        for dossier in tries.values():
            row = (
                await Dossier.select(Dossier.state, Dossier.code)
                .where(Dossier.id == dossier)
                .first()
            )
            assert row == {"state": 0, "code": None}
        row = (
            await CodeReservation.select(CodeReservation.dossier_id)
            .where(CodeReservation.code == theirs[0])
            .first()
        )
        assert row["dossier_id"] is None  # the colleague's code is still theirs

        # Unused codes expire and are released; the device that holds one may still bind it.
        released = await release_expired(dt.datetime.now(dt.UTC) + LIFETIME + dt.timedelta(days=1))
        assert released >= 2
        rows = {
            r["code"]: r
            for r in await CodeReservation.select().where(CodeReservation.code.is_in(codes))
        }
        assert [c for c in codes if rows[c]["released_at"] is not None] == codes[3:]
        late = submitted_birth(phone, reserved_code=codes[3])
        outcome = (await phone.sync())[-1]
        assert outcome["status"] == "applied" and outcome["code"] == codes[3]
        row = (
            await CodeReservation.select(CodeReservation.dossier_id)
            .where(CodeReservation.code == codes[3])
            .first()
        )
        assert row["dossier_id"] == late

        # A citizen hands out no codes.
        before = await CodeReservation.count()
        problem(await reserve(citizen, 5), 403, "forbidden")
        assert await CodeReservation.count() == before
        # Counts are bounded.
        problem(await reserve(phone, 0), 422, "validation_failed")
        problem(await reserve(phone, 201), 422, "validation_failed")


async def test_half_a_surrogate_pair_refuses_its_item_by_path_not_the_whole_queue(
    citizen: SyncDevice,
) -> None:
    """JSON.stringify writes a lone surrogate (half an emoji, cut by a string slice) as
    "\\ud83c"; msgspec's decoder refuses it. Answered as a malformed body at `$`, no
    item is named: the app keeps sending the same batch, and nothing queued after it
    ever leaves the phone. Named by path, the app sets that item aside for the person
    (a 422 naming `$.mutations[i]`, as for any one bad item) and the rest goes."""
    good = mutation(1)
    half = mutation(
        2, payload={"procedure_code": "khai-tu", "fields": {"requester.residence": "Nhà 🏠\ud83c"}}
    )
    # ensure_ascii: escaped exactly as JSON.stringify escapes a lone surrogate.
    content = json.dumps(envelope(citizen, good, half)).encode()
    assert b"\\ud83c" in content
    before = await stored()
    r = await post(citizen, content)
    assert r.status_code == 422, r.text
    assert paths(r.json()) == ["$.mutations[1].payload.fields.requester.residence"]
    assert r.json()["errors"][0]["code"] == "lone_surrogate"
    assert await stored() == before  # nothing of the batch applied


async def test_a_draft_naming_a_commune_no_column_holds_is_stored_not_a_5xx(
    citizen: SyncDevice,
) -> None:
    """A draft's receiving commune is any text until it is submitted (then the form's
    rules check it). Text longer than a commune code once made the whole batch a 500
    on PostgreSQL (the dossier's five-character commune column), and the phone would
    have resent it unchanged for ever."""
    padded, long, wrong = uuid7(), uuid7(), uuid7()
    for dossier, value in ((padded, "\t00070\u00a0"), (long, "0007000"), (wrong, "x" * 300)):
        citizen.queue(
            "create_draft",
            dossier,
            {"procedure_code": "khai-sinh", "fields": {"agency.commune": value}},
        )
    moved = uuid7()  # a stored draft edited to name one
    citizen.queue("create_draft", moved, {"procedure_code": "khai-sinh", "fields": {}})
    citizen.queue("edit_draft", moved, {"changes": {"agency.commune": "00070-00004"}}, 1)
    outcomes = await citizen.sync()
    assert [o["status"] for o in outcomes] == ["applied"] * 5, outcomes
    rows = await Dossier.select(Dossier.id, Dossier.commune_code).where(
        Dossier.id.is_in([padded, long, wrong, moved])
    )
    # The commune as the form reads it once trimmed, or none: never text no code is.
    assert {r["id"]: r["commune_code"] for r in rows} == {
        padded: "00070",
        long: "",
        wrong: "",
        moved: "",
    }


async def test_a_file_named_by_no_digest_is_that_attachs_rejection_only(
    citizen: SyncDevice,
) -> None:
    """The files a batch names are looked up before its mutations are checked: a NUL
    in one attach's digest once refused the whole batch (400) on PostgreSQL."""
    dossier = uuid7()
    citizen.queue("create_draft", dossier, {"procedure_code": "khai-sinh", "fields": {}})
    citizen.queue(
        "attach", dossier, {"path": "attachments.birth_certificate", "sha256": "a\u0000b"}, 1
    )
    citizen.queue("edit_draft", dossier, {"changes": {"child.full_name": "Lê Văn An"}}, 1)
    outcomes = await citizen.sync()
    assert [o["status"] for o in outcomes] == ["applied", "rejected", "applied"], outcomes


async def test_names_that_fold_longer_submit_and_still_meet_their_duplicate(
    citizen: SyncDevice,
) -> None:
    """Names of 100 letters pass the form, and "ﬃ" folds to "ffi": the duplicate key
    built from them was longer than its column, so the submission was refused for good
    (400) on PostgreSQL. Two such submissions must still meet as duplicates."""
    answers = {
        **birth_answers(vn_today()),
        "child.full_name": "\ufb03" * 100,
        "requester.full_name": "\ufb03" * 100,
        "requester.id_type": "passport",
        "requester.document_number": "B1234567",
        "requester.document_country": "VN",
    }
    answers.pop("requester.id_number", None)
    first, second = uuid7(), uuid7()
    for dossier in (first, second):
        citizen.queue("create_draft", dossier, {"procedure_code": "khai-sinh", "fields": answers})
        citizen.queue(
            "attach",
            dossier,
            {"path": "attachments.birth_certificate", "sha256": fake_sha256("giấy chứng sinh")},
            1,
        )
        citizen.queue("submit", dossier, {}, 2)
    outcomes = await citizen.sync()
    assert [o["status"] for o in outcomes] == ["applied"] * 6, outcomes
    rows = await Dossier.select(Dossier.id, Dossier.dup_key, Dossier.possible_duplicate_of).where(
        Dossier.id.is_in([first, second])
    )
    keys = {r["id"]: r for r in rows}
    assert len(keys[first]["dup_key"]) <= 400 and keys[first]["dup_key"] == keys[second]["dup_key"]
    assert keys[second]["possible_duplicate_of"] == first
