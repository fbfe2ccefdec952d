"""Inputs that once got a 500 (issue 13, item 8), on both engines: JSON and MessagePack
nested far too deep, integers past what a BIGINT holds, and the NUL character that
PostgreSQL text cannot hold, in a body, a query, a path or a header. Each is a 4xx
problem naming what is wrong; inside a push, a bad payload rejects its own mutation
only, so the phone's queue moves on (a 5xx would make it resend the batch forever)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import msgspec
import pytest

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.clock import vn_today
from server.dossiers.tables import AppliedMutation, Dossier
from tests.hostile.test_corpus import device, problem_fault  # noqa: F401  (device: a fixture)
from tests.support.demo_accounts import client_for, signed_in_as
from tests.sync.conftest import app  # noqa: F401  (fixture: the app in demo mode)

DEEP = 5000  # levels: far past msgspec's recursion limit (about 1,000)
INT64_PAST = 2**63
NUL = "\u0000"


def deep_json(levels: int = DEEP) -> str:
    return "[" * levels + "]" * levels


def refused(r: httpx.Response, *statuses: int) -> dict[str, Any]:
    """A proper 4xx problem; returns its body."""
    fault = problem_fault(r)
    assert fault is None, fault
    assert r.status_code in statuses, r.text
    return r.json()


def paths(problem: dict[str, Any]) -> list[str]:
    return [e["path"] for e in problem.get("errors") or []]


def names_nul(r: httpx.Response, path: str) -> None:
    problem = refused(r, 422)
    assert path in paths(problem), problem
    assert "nul_character" in {e.get("code") for e in problem["errors"]}, problem


# -- nesting ---------------------------------------------------------------------------


def with_deep(value: Any, deep: str) -> str:
    """`value` as JSON text with its "DEEP" string replaced by `deep` (no encoder nests so far)."""
    return json.dumps(value).replace('"DEEP"', deep)


async def test_deep_json_is_refused_everywhere_as_too_deep(app, device: SyncDevice) -> None:
    deep = deep_json()
    mutation = {
        "seq": 1,
        "id": str(uuid7()),
        "dossier_id": str(uuid7()),
        "kind": "edit_draft",
        "payload": {"changes": {"x": "DEEP"}},
    }
    bodies = {
        "/api/sync/push": with_deep(
            {"device_id": str(device.device_id), "mutations": [mutation]}, deep
        ),
        "/api/auth/login": with_deep({"email": "DEEP", "password": "x"}, deep),
        "/api/lookup": with_deep({"captcha_id": "DEEP"}, deep),
        "/api/auth/activate": with_deep({"token": "DEEP"}, deep),
        "/api/blobs/missing": with_deep({"hashes": "DEEP"}, deep),
        "/api/devices": with_deep({"id": str(uuid.uuid4()), "name": "DEEP"}, deep),
    }
    async with signed_in_as(app, "citizen") as citizen:
        for path, body in bodies.items():
            http = device.http if path == "/api/sync/push" else citizen
            headers = {
                "Content-Type": "application/json",
                **(device.auth if path == "/api/sync/push" else {}),
            }
            problem = refused(await http.post(path, content=body.encode(), headers=headers), 400)
            assert [e.get("code") for e in problem["errors"]] == ["too_deep"], (path, problem)
    assert await AppliedMutation.count() == 0


async def test_deep_msgpack_push_is_refused_as_too_deep(device: SyncDevice) -> None:
    envelope = msgspec.msgpack.encode(
        {
            "device_id": str(device.device_id),
            "mutations": [
                {
                    "seq": 1,
                    "id": str(uuid7()),
                    "dossier_id": str(uuid7()),
                    "kind": "edit_draft",
                    "payload": {"changes": {"x": []}},
                }
            ],
        }
    )
    # The empty array, wrapped in DEEP one-element arrays (0x91: an array of one).
    body = envelope.replace(b"\x90", b"\x91" * DEEP + b"\x90")
    r = await device.http.post(
        "/api/sync/push",
        content=body,
        headers={**device.auth, "Content-Type": "application/x-msgpack"},
    )
    problem = refused(r, 400)
    assert [e.get("code") for e in problem["errors"]] == ["too_deep"], problem


async def test_a_payload_deeper_than_the_limit_rejects_its_mutation_only(
    device: SyncDevice,
) -> None:
    """Deep enough to pass the decoder, deeper than any form: that mutation is rejected."""
    dossier = uuid7()
    device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    nested: Any = "lá"
    for _ in range(100):
        nested = [nested]
    device.queue("edit_draft", dossier, {"changes": {"child.full_name": nested}}, base_version=1)
    outcomes = await device.sync()
    assert [o["status"] for o in outcomes] == ["applied", "rejected"], outcomes
    assert outcomes[1]["reasons"][0]["code"] == "invalid_payload", outcomes
    assert outcomes[1]["reasons"][0]["path"].startswith("payload.changes"), outcomes


# -- integers past int64 -----------------------------------------------------------------


async def test_resolve_conflict_with_a_huge_conflict_id_rejects_that_mutation(
    device: SyncDevice,
) -> None:
    dossier = uuid7()
    device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    device.queue(
        "resolve_conflict", dossier, {"conflict_id": INT64_PAST, "choice": "server"}, base_version=1
    )
    device.queue(
        "resolve_conflict",
        dossier,
        {"conflict_id": -INT64_PAST - 1, "choice": "server"},
        base_version=1,
    )
    device.queue(
        "create_draft", uuid7(), {"procedure_code": "khai-sinh", "schema_version": INT64_PAST}
    )
    outcomes = await device.sync()
    assert [o["status"] for o in outcomes] == ["applied", "rejected", "rejected", "rejected"], (
        outcomes
    )
    assert [(o["reasons"][0]["code"], o["reasons"][0]["path"]) for o in outcomes[1:]] == [
        ("invalid_payload", "payload.conflict_id"),
        ("invalid_payload", "payload.conflict_id"),
        ("invalid_payload", "payload.schema_version"),
    ], outcomes


async def test_ids_past_an_integer_column_reject_their_mutation(device: SyncDevice) -> None:
    """Within int64 but past the 32-bit columns (conflict ids, schema versions): on
    PostgreSQL the driver refused them, and the whole batch with them."""
    dossier = uuid7()
    device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    device.queue(
        "resolve_conflict", dossier, {"conflict_id": 2**40, "choice": "server"}, base_version=1
    )
    device.queue("create_draft", uuid7(), {"procedure_code": "khai-sinh", "schema_version": 2**40})
    device.queue(
        "create_draft", uuid7(), {"procedure_code": "khai-sinh", "schema_version": -(2**40)}
    )
    outcomes = await device.sync()
    assert [o["status"] for o in outcomes] == ["applied", "rejected", "rejected", "rejected"], (
        outcomes
    )
    assert [(o["reasons"][0]["code"], o["reasons"][0]["path"]) for o in outcomes[1:]] == [
        ("invalid_payload", "payload.conflict_id"),
        ("invalid_payload", "payload.schema_version"),
        ("invalid_payload", "payload.schema_version"),
    ], outcomes


async def test_a_huge_integer_in_any_json_body_is_refused_by_its_path(app) -> None:
    """Past int64 no column holds it: refused before any handler sees it, wherever it is."""
    async with signed_in_as(app, "desk") as desk:
        r = await desk.post(
            f"/api/desk/dossiers/{uuid.uuid4()}/actions/request_fee",
            json={"amount": INT64_PAST, "message": "lệ phí"},
        )
        problem = refused(r, 422)
        assert "$.amount" in paths(problem), problem
        r = await desk.post(
            f"/api/desk/dossiers/{uuid.uuid4()}/actions/request_fee",
            json={"amount": -INT64_PAST - 1, "message": "lệ phí"},
        )
        assert "$.amount" in paths(refused(r, 422))


async def test_a_pull_cursor_past_int64_gets_a_full_resend(device: SyncDevice) -> None:
    r = await device.http.get("/api/sync/pull", headers=device.auth)
    assert r.status_code == 200, r.text
    epoch = r.json()["cursor"].split(".")[1]
    r = await device.http.get(
        "/api/sync/pull",
        headers=device.auth,
        params={"cursor": f"v1.{epoch}.{'f' * 16}.{'f' * 16}"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["reset"] is True


# -- NUL -----------------------------------------------------------------------------------


async def test_nul_in_the_login_email_is_refused_by_name(app) -> None:
    async with client_for(app) as anonymous:
        names_nul(
            await anonymous.post(
                "/api/auth/login", json={"email": f"a{NUL}@example.vn", "password": "x"}
            ),
            "$.email",
        )


async def test_nul_in_a_device_name_is_refused_by_name(app) -> None:
    async with signed_in_as(app, "citizen") as citizen:
        names_nul(
            await citizen.post("/api/devices", json={"id": str(uuid.uuid4()), "name": f"máy{NUL}"}),
            "$.name",
        )


async def test_nul_in_a_key_is_refused_by_its_path(app) -> None:
    async with client_for(app) as anonymous:
        names_nul(
            await anonymous.post(
                "/api/auth/login", json={"email": "a@example.vn", "password": "x", f"k{NUL}": 1}
            ),
            f"$.k{NUL}",
        )


@pytest.mark.parametrize(
    "media", ["application/octet-stream", "application/x-msgpack", "multipart/form-data"]
)
async def test_nul_in_a_json_body_declared_as_another_type_is_refused_by_name(
    app, device: SyncDevice, media: str
) -> None:
    """Litestar reads a handler's body as JSON whatever Content-Type the sender declares,
    so the screen reads it the same way: a body declared as bytes, or as MessagePack that
    does not decode, once passed unscreened, and its NUL reached the database (a
    put-back page refused whole, 400 at `$`)."""
    body = {
        "device_id": str(device.device_id),
        "done": False,
        "dossiers": [
            {
                "id": str(uuid7()),
                "procedure_code": f"khai-sinh{NUL}",
                "schema_version": 1,
                "state": 0,
                "version": 1,
                "fields": {},
            }
        ],
    }
    r = await device.http.post(
        "/api/sync/recover",
        content=json.dumps(body),
        headers={**device.auth, "Content-Type": media},
    )
    names_nul(r, "$.dossiers[0].procedure_code")
    async with signed_in_as(app, "citizen") as citizen:
        r = await citizen.post(
            "/api/devices",
            content=json.dumps({"id": str(uuid.uuid4()), "name": f"máy{NUL}"}),
            headers={"Content-Type": media},
        )
        names_nul(r, "$.name")
    # The desk's actions decode their body themselves, as JSON whatever its type.
    async with signed_in_as(app, "desk") as desk:
        r = await desk.post(
            f"/api/desk/dossiers/{uuid.uuid4()}/actions/request_fee",
            content=json.dumps({"amount": 5_000, "method": "desk", "message": f"lệ phí{NUL}"}),
            headers={"Content-Type": media},
        )
        names_nul(r, "$.message")


async def test_nul_in_the_desk_search_is_refused_by_name(app) -> None:
    async with signed_in_as(app, "desk") as desk:
        names_nul(await desk.get("/api/desk/queue", params={"q": f"Nguyễn{NUL}"}), "q")


async def test_nul_in_a_path_parameter_is_refused_by_name(app) -> None:
    async with client_for(app) as anonymous:
        names_nul(await anonymous.get("/api/catalog/khai-sinh%00"), "code")


async def test_nul_in_a_header_is_refused_by_name(app) -> None:
    async with client_for(app) as anonymous:
        r = await anonymous.post(
            "/api/auth/login",
            json={"email": "a@example.vn", "password": "x"},
            headers={"User-Agent": b"phone\x00"},
        )
        names_nul(r, "user-agent")
        r = await anonymous.get("/api/me/", headers={"Authorization": b"Device a\x00b"})
        names_nul(r, "authorization")
        r = await anonymous.get("/api/me/", headers={"Cookie": b"motcua_session=a\x00b"})
        names_nul(r, "cookie")


async def test_nul_in_a_push_payload_rejects_that_mutation_only(device: SyncDevice) -> None:
    device.queue("create_draft", uuid7(), {"procedure_code": f"khai-sinh{NUL}"})
    device.queue(
        "create_draft",
        uuid7(),
        {"procedure_code": "khai-sinh", "fields": {"child.full_name": f"Khang{NUL}"}},
    )
    device.queue(
        "create_draft", uuid7(), {"procedure_code": "khai-sinh", "fields": {f"child{NUL}": "x"}}
    )
    outcomes = await device.sync()
    assert [o["status"] for o in outcomes] == ["rejected"] * 3, outcomes
    assert [(o["reasons"][0]["code"], o["reasons"][0]["path"]) for o in outcomes] == [
        ("invalid_payload", "payload.procedure_code"),
        ("invalid_payload", "payload.fields.child.full_name"),
        ("invalid_payload", f"payload.fields.child{NUL}"),
    ], outcomes
    assert await Dossier.count() == 0


@pytest.mark.parametrize("encoding", ["json", "msgpack"])
async def test_nul_in_the_push_envelope_is_a_422_naming_the_mutation(
    device: SyncDevice, encoding: str
) -> None:
    good = device.queue("create_draft", uuid7(), {"procedure_code": "khai-sinh"})
    bad = {**good, "seq": 2, "id": str(uuid7()), "kind": f"submit{NUL}"}
    body = device.body([good, bad])
    encode, media = (
        (msgspec.json.encode, "application/json")
        if encoding == "json"
        else (msgspec.msgpack.encode, "application/x-msgpack")
    )
    r = await device.http.post(
        "/api/sync/push", content=encode(body), headers={**device.auth, "Content-Type": media}
    )
    problem = refused(r, 422)
    assert "$.mutations[1].kind" in paths(problem), problem
    assert await AppliedMutation.count() == 0


# -- the phone's queue ---------------------------------------------------------------------


async def test_a_phone_with_one_bad_mutation_is_not_wedged(device: SyncDevice) -> None:
    """The batch of a NUL, a huge id and a deep payload among good mutations is answered
    (not a 5xx the phone would resend forever); the next batch goes through."""
    dossier = uuid7()
    device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    device.queue(
        "edit_draft", dossier, {"changes": {"child.birth_place": f"Hà Nội{NUL}"}}, base_version=1
    )
    device.queue(
        "resolve_conflict", dossier, {"conflict_id": INT64_PAST, "choice": "server"}, base_version=1
    )
    deep: Any = 1
    for _ in range(60):
        deep = {"a": deep}
    device.queue("edit_draft", dossier, {"changes": {"child.birth_place": deep}}, base_version=1)
    first = await device.sync()
    assert [o["status"] for o in first] == ["applied", "rejected", "rejected", "rejected"], first
    assert device.outbox == []
    device.queue(
        "edit_draft",
        dossier,
        {"changes": {"child.birth_place": "Bệnh viện Bạch Mai"}},
        base_version=1,
    )
    r = await device.push()
    assert r.status_code == 200, r.text
    assert r.json()["last_seq"] == 5
    assert [o["status"] for o in r.json()["outcomes"]] == ["applied"], r.json()


# -- every integer parameter bounded -------------------------------------------------------


def _integer_schemas(
    schema: dict[str, Any], bounds: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The integer schemas within, each with the bounds it inherits (Litestar puts
    those of an optional parameter beside its oneOf)."""
    bounds = {**(bounds or {}), **{k: v for k, v in schema.items() if k in ("minimum", "maximum")}}
    if schema.get("type") == "integer" or "integer" in (schema.get("type") or []):
        return [{**bounds, **schema}]
    return [
        s
        for key in ("oneOf", "anyOf", "allOf")
        for part in schema.get(key, [])
        for s in _integer_schemas(part, bounds)
    ]


async def test_every_integer_parameter_is_bounded_within_int64(app) -> None:
    """Query and path integers reach the database as they are (bodies are screened for
    64-bit overflow in one place): each declares bounds a BIGINT holds, so a new
    parameter without them fails here rather than as a 500 on PostgreSQL."""
    async with client_for(app) as anonymous:
        document = (await anonymous.get("/schema/openapi.json")).json()
    unbounded = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                for schema in _integer_schemas(parameter.get("schema", {})):
                    if not (
                        schema.get("minimum", -(2**64)) >= -(2**63)
                        and schema.get("maximum", 2**64) <= 2**63 - 1
                    ):
                        unbounded.append(f"{method.upper()} {path} {parameter['name']}: {schema}")
    assert not unbounded, "\n".join(unbounded)


@pytest.mark.parametrize("host", ["localhost:99999999999", "localhost:-1", "[::1"])
async def test_a_host_no_url_can_hold_is_refused_by_name(app, host: str) -> None:
    """Litestar builds a request's URL from its Host header (for a validation message
    or a log line): a port past 65535 raised there, and the server outside the app
    answered 500 (nginx in front sets Host itself; a server reached directly does not)."""
    async with client_for(app) as anonymous:
        for method, path in (("POST", "/api/auth/login"), ("GET", "/api/catalog")):
            r = await anonymous.request(method, path, json={}, headers={"Host": host})
            problem = refused(r, 400)
            assert paths(problem) == ["Host"], problem
