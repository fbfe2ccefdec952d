"""Bytes on the wire: a birth draft and a status change, JSON vs MessagePack, with and
without gzip (level 6, the level the server's compression middleware uses).

Everything measured is a real body to or from a running `motcua serve` (SQLite):
- birth draft: a push envelope of one create_draft mutation carrying the complete
  20-field birth answer set (harness/sync_client.birth_answers), and the push
  answer for it; also one draft's share of a batch of 50 (gzip finds the repeats);
- status change: the submit mutation (envelope of one), its push answer (state and
  the new dossier code), and a pull page carrying that one dossier's view.

Sizes are message bodies only (HTTP headers excluded). "gzip" is the body compressed
here at level 6; "served gzip" is what the server actually sent to
`Accept-Encoding: gzip` (its middleware leaves bodies under 512 bytes alone). The
run also checks whether the server accepts a gzip-encoded push body."""

from __future__ import annotations

import dataclasses
import gzip
from typing import Any

import httpx

from bench.common import Report, cli
from bench.devices import Device
from bench.load import JSON, MSGPACK, decode, encode
from bench.servers import motcua
from bench.workload import attach_payload, create_draft_payload, draft_mutations
from harness.sync_client import uuid7

TARGET = 1536  # bytes per birth draft
REQUEST = object()  # placeholder: whether the server takes gzip request bodies


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


async def post(
    http: httpx.AsyncClient, body: bytes, content_type: str, gzip_ok: bool = False
) -> httpx.Response:
    headers = {"Content-Type": content_type, "Accept-Encoding": "gzip" if gzip_ok else "identity"}
    return await http.post("/api/sync/push", content=body, headers=headers)


async def pull(
    http: httpx.AsyncClient, params: dict[str, Any], content_type: str, gzip_ok: bool = False
) -> httpx.Response:
    headers = {"Accept-Encoding": "gzip" if gzip_ok else "identity"}
    if content_type == MSGPACK:
        # Accept names the answer's encoding; servers before it read Content-Type.
        headers.update({"Accept": MSGPACK, "Content-Type": MSGPACK})
    return await http.get("/api/sync/pull", params=params, headers=headers)


def served(r: httpx.Response) -> int:
    """Body bytes as they came over the connection (compressed if the server did)."""
    return r.num_bytes_downloaded


async def measure(device: Device) -> tuple[list[list[Any]], dict[str, Any]]:
    rows: list[list[Any]] = []
    facts: dict[str, Any] = {}
    async with device.client() as http:
        d_json, d_mp = uuid7(), uuid7()
        draft_json = device.envelope(
            [device.mutation("create_draft", d_json, create_draft_payload(0))]
        )
        draft_mp = device.envelope([device.mutation("create_draft", d_mp, create_draft_payload(1))])
        req = {JSON: encode(draft_json, JSON), MSGPACK: encode(draft_mp, MSGPACK)}
        resp = {}
        for ct in (JSON, MSGPACK):
            r = await post(http, req[ct], ct)
            assert r.status_code == 200, r.text
            assert decode(r.content, ct)["outcomes"][0]["status"] == "applied", r.content
            resp[ct] = r.content
        # The same request again is a replay: the recorded answer, this time gzip-encoded if large enough.
        served_draft = served(await post(http, req[JSON], JSON, gzip_ok=True))
        rows.append(
            [
                "birth draft: push request (create_draft, 20 fields)",
                len(req[JSON]),
                gz(req[JSON]),
                len(req[MSGPACK]),
                gz(req[MSGPACK]),
                REQUEST,
            ]
        )
        rows.append(
            [
                "birth draft: push answer",
                len(resp[JSON]),
                gz(resp[JSON]),
                len(resp[MSGPACK]),
                gz(resp[MSGPACK]),
                served_draft,
            ]
        )
        facts["draft"] = {
            "json": len(req[JSON]),
            "json_gzip": gz(req[JSON]),
            "msgpack": len(req[MSGPACK]),
            "msgpack_gzip": gz(req[MSGPACK]),
        }

        # One draft's share of a batch: the create_drafts of a 50-mutation batch (create, attach,
        # edit rhythm) in one envelope. A copy of the device numbers them, so nothing is spent.
        spare = dataclasses.replace(device)
        creates = [m for m in draft_mutations(spare, 100, 50) if m["kind"] == "create_draft"]
        bj, bm = encode(device.envelope(creates), JSON), encode(device.envelope(creates), MSGPACK)
        n = len(creates)
        rows.append(
            [
                f"birth draft: one of {n} create_drafts in a batch",
                len(bj) / n,
                gz(bj) / n,
                len(bm) / n,
                gz(bm) / n,
                "–",
            ]
        )
        facts["batch_share"] = {"json": len(bj) / n, "json_gzip": gz(bj) / n}

        # Status change: attach then submit each dossier; the pull page starts after the attach.
        for d, ct, i in ((d_json, JSON, 0), (d_mp, MSGPACK, 1)):
            r = await post(
                http,
                encode(device.envelope([device.mutation("attach", d, attach_payload(i), 1)]), ct),
                ct,
            )
            assert (
                r.status_code == 200 and decode(r.content, ct)["outcomes"][0]["status"] == "applied"
            ), r.content
        cursor = None
        while True:
            page = (await pull(http, {"cursor": cursor} if cursor else {}, JSON)).json()
            cursor = page["cursor"]
            if not page["more"]:
                break
        submit = {}
        submit_resp = {}
        for d, ct in ((d_json, JSON), (d_mp, MSGPACK)):
            submit[ct] = encode(device.envelope([device.mutation("submit", d, {}, 2)]), ct)
            r = await post(http, submit[ct], ct)
            outcome = decode(r.content, ct)["outcomes"][0]
            assert outcome["status"] == "applied" and outcome.get("code"), outcome
            submit_resp[ct] = r.content
        served_submit = served(await post(http, submit[JSON], JSON, gzip_ok=True))
        rows.append(
            [
                "status change: push request (submit)",
                len(submit[JSON]),
                gz(submit[JSON]),
                len(submit[MSGPACK]),
                gz(submit[MSGPACK]),
                REQUEST,
            ]
        )
        rows.append(
            [
                "status change: push answer (state + code)",
                len(submit_resp[JSON]),
                gz(submit_resp[JSON]),
                len(submit_resp[MSGPACK]),
                gz(submit_resp[MSGPACK]),
                served_submit,
            ]
        )
        pages = {}
        for ct in (JSON, MSGPACK):
            r = await pull(http, {"cursor": cursor, "limit": 1}, ct)
            assert r.status_code == 200, r.text
            body = decode(r.content, ct)
            assert len(body["dossiers"]) == 1 and body["dossiers"][0]["state"] == 1, body
            pages[ct] = r.content
        served_pull = served(await pull(http, {"cursor": cursor, "limit": 1}, JSON, gzip_ok=True))
        rows.append(
            [
                "status change: pull page with one dossier view",
                len(pages[JSON]),
                gz(pages[JSON]),
                len(pages[MSGPACK]),
                gz(pages[MSGPACK]),
                served_pull,
            ]
        )
        facts["pull_msgpack"] = r.headers.get("content-type", "")
        facts["view"] = {"json": len(pages[JSON]), "json_gzip": gz(pages[JSON])}

        # Does the server take a gzip-encoded request body?
        probe = device.envelope([device.mutation("create_draft", uuid7(), create_draft_payload(2))])
        r = await http.post(
            "/api/sync/push",
            content=gzip.compress(encode(probe, JSON), 6),
            headers={"Content-Type": JSON, "Content-Encoding": "gzip"},
        )
        facts["gzip_request"] = r.status_code
        verdict = "accepted" if r.status_code == 200 else f"refused ({r.status_code})"
        for row in rows:
            if row[5] is REQUEST:
                row[5] = verdict
    return rows, facts


async def run(quick: bool = False) -> Report:
    report = Report("wire_bytes", "Wire bytes: birth draft and status change")
    print("  wire_bytes: sqlite …", flush=True)
    with motcua("sqlite") as cluster:
        [device] = await cluster.devices(1)
        rows, facts = await measure(device)
    table = report.table(
        "body bytes (HTTP headers excluded)",
        ["message", "JSON", "JSON+gzip", "MessagePack", "MessagePack+gzip", "server, gzip asked"],
    )
    for row in rows:
        table.add(*row)
    d = facts["draft"]
    verdicts = ", ".join(
        f"{name} {d[key]:,} B"
        for name, key in (
            ("JSON", "json"),
            ("JSON+gzip", "json_gzip"),
            ("MessagePack", "msgpack"),
            ("MessagePack+gzip", "msgpack_gzip"),
        )
    )
    within = [
        name
        for name, key in (
            ("JSON", "json"),
            ("JSON+gzip", "json_gzip"),
            ("MessagePack", "msgpack"),
            ("MessagePack+gzip", "msgpack_gzip"),
        )
        if d[key] <= TARGET
    ]
    report.summary = (
        f"birth draft: {verdicts}; target ≤ 1.5 KB ({TARGET:,} B) met by "
        f"{', '.join(within) if within else 'none'}; status change pull page "
        f"{facts['view']['json']:,} B JSON, {facts['view']['json_gzip']:,} B gzipped"
    )
    report.figures.update(facts)
    status = facts["gzip_request"]
    report.note(
        f"A gzip-encoded push body (Content-Encoding: gzip) was answered {status}"
        + (
            "; request bodies travel uncompressed, so the push request's gzip columns are what a "
            "compressing transport would carry, not what the server takes today."
            if status != 200
            else "."
        )
    )
    report.note(
        f"Pull in MessagePack: the GET asked with Accept (and Content-Type): {MSGPACK}; "
        f"answered as {facts['pull_msgpack'] or '?'}."
    )
    report.note(
        "'server, gzip asked': for an answer, the bytes the server sent to Accept-Encoding: gzip "
        "(bodies under 512 B are sent as they are); for a request, whether the server took the body "
        "with Content-Encoding: gzip."
    )
    report.note(
        "The batch row divides one envelope of the create_drafts of a 50-mutation batch by their "
        "count: gzip finds what repeats from draft to draft. These drafts differ only in the "
        "child's name, so the gzip figure is a lower bound."
    )
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
