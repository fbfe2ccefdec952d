"""Property: whatever offline work several devices do, and however the network
mangles it — responses lost (the device resends), batches duplicated, a later batch
sent before an earlier one, pulls at any moment — once every device has flushed its
outbox and pulled:

- every device holds exactly the server's dossiers (version, fields, state, code,
  open conflicts);
- every submitted dossier has exactly one code, codes are unique and well formed;
- no value a person typed is lost: it is the field's final value, or it is held by
  a conflict (open or settled), or the same device replaced it later, or someone
  replaced it after having seen it (their base version covers it);
- each (device, seq) is applied exactly once and its recorded outcome is the one
  every replay returned.

Hypothesis draws a schedule of steps of a fixed shape; each step is read against
what the devices know at that moment (which draft, which conflict), so replaying
or shrinking a schedule never depends on the server's answers. An oracle sees every
response, lost ones included. Each example uses fresh accounts and devices in the
test's database; checks are scoped to them."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from server.clock import vn_today
from server.dossiers.tables import AppliedMutation, Dossier, DossierConflict, DossierHistory
from server.identity.devices import register_device
from server.identity.tables import Account
from sync.codes import parse_code

# Lower-case Vietnamese letters, all precomposed (NFC), no white space: what the
# server stores is exactly what was sent.
LETTERS = (
    "abcdeghiklmnopqrstuvxyăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)
# Few fields, few drafts: devices often edit the same field of the same dossier.
TEXT_FIELDS = ("child.hometown", "child.birth_place", "requester.residence")
SLOTS = ("attachments.birth_certificate", "attachments.marriage_certificate")
FILES = tuple(fake_sha256(f"tệp {i}") for i in range(3))
COMMUNES = ("00070", "00004")
CHILDREN = ("Nguyễn Minh Khang", "Lê Thị Hoa", "Phạm Gia Bảo", "Trần Ngọc Ánh")
BATCH = 100  # MAX_MUTATIONS: a device never sends more at once
PULL_ROUNDS = 600  # bound on pulls while `pending` (an older transaction elsewhere)

# Why a mutation may be refused in these schedules; anything else is a failure.
ALLOWED_REJECTIONS = {
    "edit_draft": {"not_allowed_in_state"},
    "attach": {"not_allowed_in_state"},
    "detach": {"not_allowed_in_state"},
    "resolve_conflict": {"not_allowed_in_state"},
    # a detached birth certificate leaves a required slot empty
    "submit": {"not_allowed_in_state", "unresolved_conflicts", "required"},
}
STRANGER_REJECTIONS = {"forbidden", "unknown_dossier"}

PROPERTY_SETTINGS = hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


OPS = (
    "create",
    "edit",
    "edit",
    "edit",
    "edit",
    "edit",
    "edit",
    "edit",
    "attach",
    "detach",
    "submit",
    "resolve",
    "resolve",
    "resolve",
    "settle",
    "send",
    "send",
    "send",
    "send",
    "send",
    "pull",
    "pull",
    "pull",
    "stranger",
)
NETWORK = ("all", "all", "lost", "twice", "later_first", "prefix")

# Every step draws the same shape of data whatever the devices know, so replaying or
# shrinking a schedule never depends on what the server answered.
STEP = st.fixed_dictionaries(
    {
        "op": st.sampled_from(OPS),
        "who": st.integers(0, 7),
        "pick": st.integers(0, 63),
        "k": st.integers(0, 63),
        "paths": st.lists(st.sampled_from(TEXT_FIELDS), min_size=1, max_size=2, unique=True),
        "echo": st.tuples(st.integers(0, 4), st.integers(0, 4)),
        "texts": st.lists(st.text(LETTERS, min_size=1, max_size=6), min_size=3, max_size=3),
        "choices": st.lists(st.sampled_from(["server", "device", "value"]), min_size=3, max_size=3),
        "network": st.sampled_from(NETWORK),
        "delivered": st.booleans(),
        "commune": st.sampled_from(COMMUNES),
        "child": st.sampled_from(CHILDREN),
        "slot": st.sampled_from(SLOTS),
        "file": st.sampled_from(FILES),
    }
)
DRAFT = st.fixed_dictionaries(
    {
        "who": st.integers(0, 7),
        "commune": st.sampled_from(COMMUNES),
        "child": st.sampled_from(CHILDREN),
    }
)


class Step:
    """One drawn step, read however the moment needs it."""

    def __init__(self, values: dict) -> None:
        self.v = values
        self._texts = itertools.cycle(values.get("texts") or ["x"])
        self._choices = itertools.cycle(values.get("choices") or ["server"])

    def __getitem__(self, key: str):
        return self.v[key]

    def pick(self, items: list, key: str = "pick"):
        return items[self.v[key] % len(items)] if items else None

    def text(self) -> str:
        return next(self._texts)

    def choice(self) -> str:
        return next(self._choices)


@dataclass
class Local:
    """A dossier as one device knows it."""

    version: int
    state: int
    fields: dict[str, Any]
    # conflict id -> path, as far as this device knows they are open
    conflicts: dict[int, str] = field(default_factory=dict)
    code: str | None = None


@dataclass
class Phone:
    name: str
    owner: uuid.UUID
    device: SyncDevice
    known: dict[str, Local] = field(default_factory=dict)
    cursor: str | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.device.device_id

    def drafts(self) -> list[str]:
        return sorted(d for d, local in self.known.items() if local.state == 0)

    def take_views(self, views: list[dict]) -> None:
        for view in views:
            local = self.known.get(view["id"])
            if local is None or local.version <= view["version"]:
                self.known[view["id"]] = Local(
                    version=view["version"],
                    state=view["state"],
                    fields=dict(view["fields"]),
                    conflicts={c["id"]: c["path"] for c in view["conflicts"]},
                    code=view["code"],
                )

    def take_outcomes(self, outcomes: list[dict]) -> None:
        confirmed = {o["seq"] for o in outcomes}
        self.device.outbox = [m for m in self.device.outbox if m["seq"] not in confirmed]
        for o in outcomes:
            local = self.known.get(o["dossier_id"])
            if local is None or o["status"] == "rejected" or o.get("version") is None:
                continue
            local.state = max(local.state, o.get("state", 0))
            if o.get("code"):
                local.code = o["code"]
            # A conflict is news only if it is newer than the view this device holds;
            # an older one (a replayed outcome) may long be settled.
            if o["version"] > local.version:
                for c in o.get("conflicts", []):
                    local.conflicts[c["conflict_id"]] = c["path"]


@dataclass
class Event:
    """A mutation as the server applied it, in application order."""

    index: int
    device: uuid.UUID
    mutation: dict
    outcome: dict


class World:
    """The devices, and an oracle that sees every response (lost ones too)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.step = Step({})
        self.phones: list[Phone] = []
        self.owners: dict[uuid.UUID, str] = {}
        self.counter = itertools.count(1)
        self.sent: dict[tuple[uuid.UUID, int], dict] = {}
        self.outcomes: dict[tuple[uuid.UUID, int], dict] = {}
        self.events: list[Event] = []
        self.server_last: dict[uuid.UUID, int] = {}
        # (device, seq) -> {path: value} for values typed fresh (unique), to be kept
        self.fresh: dict[tuple[uuid.UUID, int], dict[str, str]] = {}
        self.stranger_values: set[str] = set()
        self.dossiers: dict[str, uuid.UUID] = {}  # dossier -> owner

    async def add_account(self, label: str) -> uuid.UUID:
        account_id = uuid.uuid4()
        now = dt.datetime.now(dt.UTC)
        await Account.insert(
            Account(
                id=account_id,
                email=f"prop-{account_id.hex[:12]}@example.vn",
                full_name="Người Thử",
                role="citizen",
                password_hash="",
                activated_at=now,
                created_at=now,
            )
        )
        self.owners[account_id] = label
        return account_id

    async def add_phone(self, name: str, owner: uuid.UUID) -> Phone:
        device_id = uuid.uuid4()
        credential = await register_device(owner, device_id, name)
        phone = Phone(name, owner, SyncDevice(self.http, credential, device_id))
        self.phones.append(phone)
        self.server_last[device_id] = 0
        return phone

    def fresh_value(self) -> str:
        return f"{self.step.text()} {next(self.counter)}"

    def queue(self, phone: Phone, kind: str, dossier: str, payload: dict, base: int) -> dict:
        mutation = phone.device.queue(kind, uuid.UUID(dossier), payload, base)
        self.sent[(phone.id, mutation["seq"])] = mutation
        return mutation

    # -- the network ------------------------------------------------------------

    async def push(self, phone: Phone, mutations: list[dict], delivered: bool) -> None:
        r = await phone.device.push(mutations[:BATCH])
        assert r.status_code == 200, r.text
        body = r.json()
        before = self.server_last[phone.id]
        new = [o for o in body["outcomes"] if o["seq"] > before]
        # Exactly the next seqs were applied, in order; anything beyond a gap waits.
        assert [o["seq"] for o in new] == list(range(before + 1, before + 1 + len(new))), body
        assert body["last_seq"] == before + len(new)
        sent_seqs = {m["seq"] for m in mutations[:BATCH]}
        if any(s > body["last_seq"] for s in sent_seqs):
            assert body.get("expected_seq") == body["last_seq"] + 1, body
        else:
            assert "expected_seq" not in body, body
        for o in body["outcomes"]:
            key = (phone.id, o["seq"])
            if key in self.outcomes:
                assert self.outcomes[key] == o, "a replay must return the recorded outcome"
            else:
                self.outcomes[key] = o
                self.events.append(Event(len(self.events), phone.id, self.sent[key], o))
        self.server_last[phone.id] = body["last_seq"]
        if delivered:
            phone.take_outcomes(body["outcomes"])

    async def pull(self, phone: Phone) -> None:
        """Pull until caught up (waiting out `pending`: an older transaction elsewhere)."""
        for _ in range(PULL_ROUNDS):
            params = {"cursor": phone.cursor} if phone.cursor else {}
            r = await self.http.get("/api/sync/pull", params=params, headers=phone.device.auth)
            assert r.status_code == 200, r.text
            body = r.json()
            phone.take_views(body["dossiers"])
            phone.cursor = body["cursor"]
            if body["more"]:
                continue
            if body["pending"]:
                await asyncio.sleep(0.05)
                continue
            return
        raise AssertionError(f"{phone.name}: the feed stayed pending")

    # -- what people do ---------------------------------------------------------

    def create(self, phone: Phone) -> None:
        dossier = str(uuid7())
        answers = birth_answers(vn_today(), child=self.step["child"], commune=self.step["commune"])
        self.queue(
            phone, "create_draft", dossier, {"procedure_code": "khai-sinh", "fields": answers}, 0
        )
        self.queue(phone, "attach", dossier, {"path": SLOTS[0], "sha256": FILES[0]}, 1)
        # The device authored version 1, so it knows it exactly.
        phone.known[dossier] = Local(version=1, state=0, fields=dict(answers))
        self.dossiers[dossier] = phone.owner

    def edit(self, phone: Phone) -> None:
        dossier = self.step.pick(phone.drafts())
        if dossier is None:
            return
        local = phone.known[dossier]
        changes, fresh = {}, {}
        for path, echo in zip(self.step["paths"], self.step["echo"], strict=False):
            if echo == 0 and path in local.fields:
                changes[path] = local.fields[path]  # the value on screen, sent again
            else:
                changes[path] = fresh[path] = self.fresh_value()
        m = self.queue(phone, "edit_draft", dossier, {"changes": changes}, local.version)
        if fresh:
            self.fresh[(phone.id, m["seq"])] = fresh
        local.fields.update(changes)  # the person sees their own edit at once

    def attach(self, phone: Phone, kind: str) -> None:
        dossier = self.step.pick(phone.drafts())
        if dossier is None:
            return
        self.queue(
            phone,
            kind,
            dossier,
            {"path": self.step["slot"], "sha256": self.step["file"]},
            phone.known[dossier].version,
        )

    def submit(self, phone: Phone, dossier: str | None = None) -> None:
        dossier = dossier or self.step.pick(phone.drafts())
        if dossier is None:
            return
        self.queue(phone, "submit", dossier, {}, phone.known[dossier].version)

    def resolve(self, phone: Phone, dossier: str, conflict_id: int) -> None:
        local = phone.known[dossier]
        choice = self.step.choice()
        payload: dict[str, Any] = {"conflict_id": conflict_id, "choice": choice}
        if choice == "value":
            payload["value"] = self.fresh_value()
        m = self.queue(phone, "resolve_conflict", dossier, payload, local.version)
        if choice == "value":
            self.fresh[(phone.id, m["seq"])] = {local.conflicts[conflict_id]: payload["value"]}
        del local.conflicts[conflict_id]

    async def resolve_one(self, phone: Phone) -> None:
        """Settle one conflict this device knows of (after a sync, if it knows none)."""
        if not any(local.conflicts for local in phone.known.values()):
            await self.pull(phone)
        candidates = sorted((d, c) for d, local in phone.known.items() for c in local.conflicts)
        chosen = self.step.pick(candidates)
        if chosen:
            self.resolve(phone, *chosen)

    async def settle(self, phone: Phone) -> None:
        """Catch up, settle every conflict on one draft, and submit it."""
        await self.pull(phone)
        dossier = self.step.pick(phone.drafts())
        if dossier is None:
            return
        for conflict_id in sorted(phone.known[dossier].conflicts):
            self.resolve(phone, dossier, conflict_id)
        self.submit(phone, dossier)

    async def send(self, phone: Phone) -> None:
        outbox = list(phone.device.outbox)
        if not outbox:
            return
        how = self.step["network"]
        if how == "all":
            await self.push(phone, outbox, delivered=True)
        elif how == "lost":  # the server applied it; the answer never arrived
            await self.push(phone, outbox, delivered=False)
        elif how == "twice":  # the same batch arrives twice
            await self.push(phone, outbox, delivered=self.step["delivered"])
            await self.push(phone, outbox, delivered=True)
        elif how == "later_first" and len(outbox) > 1:  # a later batch overtakes an earlier one
            k = 1 + self.step["k"] % (len(outbox) - 1)
            await self.push(phone, outbox[k:], delivered=True)
        else:
            k = 1 + self.step["k"] % len(outbox)
            await self.push(phone, outbox[:k], delivered=True)

    def stranger_edit(self, stranger: Phone, victims: list[str]) -> None:
        dossier = self.step.pick(sorted(victims))
        if dossier is None:
            return
        value = f"lạ {next(self.counter)}"
        self.stranger_values.add(value)
        self.queue(stranger, "edit_draft", dossier, {"changes": {"child.hometown": value}}, 1)

    # -- the end ------------------------------------------------------------------

    async def flush_and_pull(self) -> None:
        for phone in self.phones:
            for _ in range(10):
                if not phone.device.outbox:
                    break
                await self.push(phone, list(phone.device.outbox), delivered=True)
            assert phone.device.outbox == [], f"{phone.name} could not flush its outbox"
        for phone in self.phones:
            await self.pull(phone)


async def check(world: World) -> None:
    ids = [uuid.UUID(d) for d in world.dossiers]
    rows = (
        {str(r["id"]): r for r in await Dossier.select().where(Dossier.id.is_in(ids))}
        if ids
        else {}
    )
    assert set(rows) == set(world.dossiers), "every created draft reached the server"
    server_fields = {d: msgspec.json.decode(r["fields"]) for d, r in rows.items()}
    conflicts = (
        await DossierConflict.select().where(DossierConflict.dossier_id.is_in(ids)) if ids else []
    )
    held: dict[tuple[str, str], set[str]] = {}
    open_conflicts: dict[str, set[int]] = {}
    for c in conflicts:
        key = (str(c["dossier_id"]), c["path"])
        held.setdefault(key, set()).update(
            v
            for v in (
                msgspec.json.decode(c["server_value"]),
                msgspec.json.decode(c["device_value"]),
            )
            if isinstance(v, str)
        )
        if c["resolved_at"] is None:
            open_conflicts.setdefault(key[0], set()).add(c["id"])

    # 1. Convergence: each device holds exactly its owner's dossiers, as the server does.
    for phone in world.phones:
        mine = {d for d, owner in world.dossiers.items() if owner == phone.owner}
        assert set(phone.known) == mine, f"{phone.name} holds other dossiers than the server"
        for d in mine:
            local, row = phone.known[d], rows[d]
            assert (local.version, local.state, local.code) == (
                row["version"],
                row["state"],
                row["code"],
            ), (phone.name, d)
            assert local.fields == server_fields[d], (phone.name, d)
            assert set(local.conflicts) == open_conflicts.get(d, set()), (phone.name, d)

    # 2. Codes: exactly one per submitted dossier, unique, well formed.
    submits = [
        e
        for e in world.events
        if e.mutation["kind"] == "submit" and e.outcome["status"] == "applied"
    ]
    by_dossier: dict[str, list[Event]] = {}
    for e in submits:
        by_dossier.setdefault(e.mutation["dossier_id"], []).append(e)
    history = (
        await DossierHistory.select(DossierHistory.dossier_id).where(
            DossierHistory.dossier_id.is_in(ids) & (DossierHistory.action == "submit")
        )
        if ids
        else []
    )
    submitted_in_history = [str(h["dossier_id"]) for h in history]
    assert sorted(submitted_in_history) == sorted(by_dossier)
    codes = []
    for d, row in rows.items():
        if row["state"] == 0:
            assert row["code"] is None and d not in by_dossier
            continue
        assert len(by_dossier[d]) == 1, f"{d} submitted more than once"
        code = row["code"]
        assert code and parse_code(code) == code and by_dossier[d][0].outcome["code"] == code
        assert code[:5] == server_fields[d]["agency.commune"]
        codes.append(code)
    assert len(codes) == len(set(codes))

    # 3. Exactly once: one row per (device, seq) sent, carrying the outcome every replay gave.
    for phone in world.phones:
        applied = (
            await AppliedMutation.select(
                AppliedMutation.seq, AppliedMutation.mutation_id, AppliedMutation.outcome
            )
            .where(AppliedMutation.device_id == phone.id)
            .order_by(AppliedMutation.seq)
        )
        assert [a["seq"] for a in applied] == list(range(1, phone.device.seq + 1)), phone.name
        for a in applied:
            key = (phone.id, a["seq"])
            assert str(a["mutation_id"]) == world.sent[key]["id"]
            assert msgspec.json.decode(a["outcome"]) == world.outcomes[key]

    # 4. Rejections are only the ones a person would expect, with reasons.
    for e in world.events:
        kind, outcome = e.mutation["kind"], e.outcome
        if outcome["status"] != "rejected":
            continue
        codes_given = {r["code"] for r in outcome["reasons"]}
        owner = world.dossiers.get(e.mutation["dossier_id"])
        stranger = owner is not None and owner != next(
            p.owner for p in world.phones if p.id == e.device
        )
        allowed = STRANGER_REJECTIONS if stranger else ALLOWED_REJECTIONS.get(kind, set())
        assert codes_given and codes_given <= allowed, (kind, outcome)
    for fields in server_fields.values():
        assert not world.stranger_values & {v for v in fields.values() if isinstance(v, str)}

    # 5. Attachments: the lists are what the applied attach/detach made, in order.
    expected_files: dict[tuple[str, str], list[str]] = {}
    for e in world.events:
        kind, p = e.mutation["kind"], e.mutation["payload"]
        if kind in ("attach", "detach") and e.outcome["status"] == "applied":
            files = expected_files.setdefault((e.mutation["dossier_id"], p["path"]), [])
            if kind == "attach" and p["sha256"] not in files:
                files.append(p["sha256"])
            elif kind == "detach" and p["sha256"] in files:
                files.remove(p["sha256"])
    for (d, slot), files in expected_files.items():
        assert server_fields[d].get(slot, []) == files, (d, slot)

    # 6. Nothing typed is lost.
    writes = _writes(world)
    for key, values in world.fresh.items():
        outcome = world.outcomes[key]
        mutation = world.sent[key]
        d = mutation["dossier_id"]
        if outcome["status"] == "rejected":
            continue  # refused with a reason; the device still holds it
        for path, value in values.items():
            value = unicodedata.normalize("NFC", value)
            if server_fields[d].get(path) == value or value in held.get((d, path), set()):
                continue
            mine = next((w for w in writes[(d, path)] if w.mutation is mutation), None)
            assert mine is not None, (
                f"{value!r} for {path} was neither applied nor held by a conflict"
            )
            later = [w for w in writes[(d, path)] if w.index > mine.index]
            if any(w.device == key[0] for w in later):
                continue  # the same device replaced it
            if any(w.mutation["base_version"] >= mine.outcome["version"] for w in later):
                continue  # replaced by someone who had seen it
            raise AssertionError(
                f"{value!r} for {d} {path} was lost; later writes: "
                f"{[(w.mutation['kind'], w.mutation['base_version']) for w in later]}"
            )


def _writes(world: World) -> dict[tuple[str, str], list[Event]]:
    """Per (dossier, field): the applied mutations that actually set it, in order."""
    writes: dict[tuple[str, str], list[Event]] = {}
    paths_of_conflict: dict[int, str] = {}
    settled: set[int] = set()
    for e in world.events:
        m, o = e.mutation, e.outcome
        d = m["dossier_id"]
        for c in o.get("conflicts", []):
            paths_of_conflict[c["conflict_id"]] = c["path"]
        if o["status"] == "rejected":
            continue
        if m["kind"] == "edit_draft":
            conflicted = {c["path"] for c in o.get("conflicts", [])}
            for path in m["payload"]["changes"]:
                if path not in conflicted:
                    writes.setdefault((d, path), []).append(e)
        elif m["kind"] == "resolve_conflict":
            cid = m["payload"]["conflict_id"]
            path = paths_of_conflict[cid]
            if o["status"] == "applied" and cid not in settled:
                writes.setdefault((d, path), []).append(e)
            settled.add(cid)
    for key in list(writes):
        writes[key].sort(key=lambda e: e.index)
    return writes


@given(
    devices=st.integers(2, 4),
    drafts=st.lists(DRAFT, min_size=1, max_size=2),
    steps=st.lists(STEP, min_size=12, max_size=40),
    endgame=st.lists(st.sampled_from(["server", "device", "value"]), min_size=1, max_size=4),
)
@PROPERTY_SETTINGS
@pytest.mark.slow  # tens of seconds: many generated histories, each through the app
async def test_devices_converge_and_lose_nothing(
    app, devices: int, drafts: list[dict], steps: list[dict], endgame: list[str]
) -> None:
    transport = httpx.ASGITransport(app=app, client=("198.51.100.20", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as http:
        world = World(http)
        citizen = await world.add_account("A")
        other = await world.add_account("B")
        phones = [await world.add_phone(f"A{i}", citizen) for i in range(devices)]
        stranger = await world.add_phone("B0", other)
        everyone = [*phones, stranger]

        # A common start: a few drafts, created, sent and seen by everyone.
        for draft in drafts:
            world.step = Step(draft)
            world.create(world.step.pick(everyone, "who"))
        for phone in everyone:
            if phone.device.outbox:
                await world.push(phone, list(phone.device.outbox), delivered=True)
        for phone in everyone:
            await world.pull(phone)

        for values in steps:
            world.step = step = Step(values)
            op = step["op"]
            if op == "stranger":
                world.stranger_edit(
                    stranger, [d for d, owner in world.dossiers.items() if owner == citizen]
                )
                continue
            phone = step.pick(
                everyone if op in ("create", "edit", "send", "pull", "submit") else phones, "who"
            )
            if op == "create":
                world.create(phone)
            elif op == "edit":
                world.edit(phone)
            elif op in ("attach", "detach"):
                world.attach(phone, op)
            elif op == "submit":
                world.submit(phone)
            elif op == "resolve":
                await world.resolve_one(phone)
            elif op == "settle":
                await world.settle(phone)
            elif op == "send":
                await world.send(phone)
            else:
                await world.pull(phone)

        # Back in signal: everything is sent and pulled; then every device settles every
        # conflict it sees, at once and each in its own way, and syncs again.
        await world.flush_and_pull()
        world.step = Step({"choices": endgame, "texts": ["cuối"]})
        for phone in phones:
            for dossier, conflict in sorted(
                (d, c) for d in phone.drafts() for c in phone.known[d].conflicts
            ):
                world.resolve(phone, dossier, conflict)
        await world.flush_and_pull()
        await check(world)
        # What the schedules exercised: pytest --hypothesis-show-statistics
        for kind, status in sorted(
            {(e.mutation["kind"], e.outcome["status"]) for e in world.events}
        ):
            event(f"{kind} {status}")
