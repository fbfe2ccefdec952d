"""The restore drill (sync/README.md §9): a fleet of phones that hold what the app holds,
working before and after last night's backup, a server restored from it, and the phones
coming back in a random order, each with new work queued. Used by
tests/recovery/test_restore_drill.py (what must hold afterwards) and
bench/restore_drill.py (what it costs).

`DrillPhone` keeps, per dossier, what the app keeps (pwa/src/sync.ts, recovery.ts): the
latest view or push outcome (version, state, code, seal), its answers with the edits not
sent yet, its outbox, its reserved codes with their seals, its files' bytes, the drafts
it deleted. Its `sync()` behaves like the app's pass, §9.3 included: on 409
`recover_first`, a generation it does not know, or an `expected_seq` at or below what
was confirmed, it sends its files again where the server lacks them, puts back
everything it holds (100 dossiers a page, its reservations on the last), forgets its
cursor, then pushes its outbox and pulls from the start."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import hashlib
import logging
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from harness.devices import sign_in_device
from harness.samples import jpeg
from harness.sync_client import SyncDevice, birth_answers, uuid7
from harness.tus_client import TusClient

log = logging.getLogger("motcua.drill")
CITIZEN_PROCEDURE = "khai-sinh"
OUTREACH_PROCEDURE = "khai-sinh-luu-dong"
COMMUNE = "00070"
PAGE = 100  # dossiers a put-back page holds (sync/messages.py MAX_HELD_DOSSIERS)
FILE_PAGE = 500  # files a put-back page holds (MAX_HELD_FILES)
BATCH = 100  # mutations a push carries
MAX_PUT_BACKS_A_PASS = 3  # more, and the phone is wedged
DRAFT, SUBMITTED, RECEIVED = 0, 1, 2


class Site(Protocol):
    """Where the server runs, and what an operator does to it."""

    password: str

    def client(self) -> httpx.AsyncClient: ...
    async def accounts(self, roles: list[tuple[str, str]]) -> list[str]: ...
    async def backup(self) -> None: ...
    async def restore(self) -> None: ...


class DrillFailure(AssertionError):
    """The server answered what no phone can go on from (a 5xx, an unknown refusal)."""


@dataclass
class Kept:
    """One dossier as the app keeps it."""

    id: str
    procedure_code: str
    schema_version: int
    state: int = DRAFT
    version: int = 0  # 0: the server has not confirmed its create_draft yet
    answers: dict[str, Any] = field(default_factory=dict)
    code: str | None = None
    seal: str | None = None
    submitted_at: str | None = None
    reserved_code: str | None = None

    def held(self) -> dict[str, Any]:
        held: dict[str, Any] = {
            "id": self.id,
            "procedure_code": self.procedure_code,
            "schema_version": self.schema_version,
            "state": self.state,
            "version": self.version,
            "fields": copy.deepcopy(self.answers),
        }
        if self.code:
            held["code"] = self.code
        if self.seal:
            held["seal"] = self.seal
        if self.submitted_at:
            held["submitted_at"] = self.submitted_at
        return held


@dataclass
class Recovery:
    """What putting back cost one phone."""

    statuses: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    files_restored: int = 0  # taken back by their seals, no bytes sent
    files: int = 0  # sent again
    file_bytes: int = 0  # tus PATCH bodies
    pages: int = 0
    request_bytes: int = 0  # POST /api/sync/recover bodies
    reservations_restored: int = 0
    reservations_refused: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    times: int = 0


def _overlay(answers: dict[str, Any], mutation: dict[str, Any]) -> None:
    """A queued change, on the answers the app shows (pwa/src/outbox.ts overlay)."""
    kind, payload = mutation["kind"], mutation["payload"]
    if kind == "create_draft":
        answers.update(copy.deepcopy(payload["fields"]))
    elif kind == "edit_draft":
        for path, value in payload["changes"].items():
            if value is None:
                answers.pop(path, None)
            else:
                answers[path] = value
    elif kind == "attach":
        files = list(answers.get(payload["path"]) or [])
        if payload["sha256"] not in files:
            answers[payload["path"]] = [*files, payload["sha256"]]
    elif kind == "detach":
        files = [h for h in answers.get(payload["path"]) or [] if h != payload["sha256"]]
        answers[payload["path"]] = files


def _hashes(value: Any) -> set[str]:
    if isinstance(value, list):
        return {v for v in value if isinstance(v, str) and len(v) == 64}
    return set()


class DrillPhone:
    """A phone with the app's state, talking to the server through `device`."""

    def __init__(self, device: SyncDevice, role: str, name: str, schema_versions: dict[str, int]):
        self.device = device
        self.role = role
        self.name = name
        self.schema_versions = schema_versions
        self.kept: dict[str, Kept] = {}
        self.deleted: dict[str, Kept] = {}
        self.files: dict[str, bytes] = {}
        self.uploaded: set[str] = set()
        # The server's seal on (account, file), from the missing-files answer or the tus
        # answer that completed the upload: files come back by it after a restore.
        self.file_seals: dict[str, str] = {}
        self.reserved: dict[str, dict[str, Any]] = {}
        # What the person typed, dossier by dossier, whatever views came since: what
        # the server must hold at the end.
        self.typed: dict[str, dict[str, Any]] = {}
        # Every code the server gave this phone, in submit outcomes and reservations.
        self.codes_given: set[str] = set()
        self.submit_outcomes: list[dict[str, Any]] = []
        self.recovery = Recovery()
        self.recovered_at: float | None = None  # perf_counter() at its last put-back
        self.outcomes_before_restore = 0
        self.responses: Counter[int] = Counter()

    # -- the person's work (queued at once, as the app saves it) --------------------

    def _queue(self, kind: str, dossier_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        kept = self.kept.get(dossier_id)
        mutation = self.device.queue(
            kind, uuid.UUID(dossier_id), payload, kept.version if kept else 0
        )
        if kept is not None:
            _overlay(kept.answers, mutation)
            _overlay(self.typed.setdefault(dossier_id, {}), mutation)
        return mutation

    def create(self, procedure: str, answers: dict[str, Any]) -> str:
        dossier_id = str(uuid7())
        self.kept[dossier_id] = Kept(dossier_id, procedure, self.schema_versions[procedure])
        self._queue("create_draft", dossier_id, {"procedure_code": procedure, "fields": answers})
        return dossier_id

    def edit(self, dossier_id: str, **changes: Any) -> None:
        self._queue("edit_draft", dossier_id, {"changes": changes})

    def attach(self, dossier_id: str, path: str, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self.files[sha] = data
        self._queue("attach", dossier_id, {"path": path, "sha256": sha})
        return sha

    def submit(self, dossier_id: str, reserved_code: str | None = None) -> None:
        self.kept[dossier_id].reserved_code = reserved_code
        self._queue("submit", dossier_id, {"reserved_code": reserved_code} if reserved_code else {})

    def delete(self, dossier_id: str) -> None:
        self._queue("delete_draft", dossier_id, {})
        self.deleted[dossier_id] = self.kept.pop(dossier_id)
        self.typed.pop(dossier_id, None)

    def reservations_held(self) -> list[str]:
        """Reserved codes no dossier holds on the server yet: one bound to a birth here
        whose submission has not reached the server is still only reserved."""
        given = {k.code for k in self.kept.values()}
        return [code for code in self.reserved if code not in given]

    def unused_reserved(self) -> list[str]:
        """Reserved codes no dossier here holds as its code, nor is bound to."""
        bound = {k.reserved_code for k in self.kept.values()} | {k.code for k in self.kept.values()}
        return [code for code in self.reserved if code not in bound]

    async def reserve(self, count: int) -> list[str]:
        r = await self._post("/api/sync/codes/reserve", json={"count": count})
        if r.status_code not in (200, 201):
            raise DrillFailure(f"{self.name}: reserve answered {r.status_code}: {r.text[:300]}")
        codes = r.json()["codes"]
        for c in codes:
            self.reserved[c["code"]] = c
            self.codes_given.add(c["code"])
        return [c["code"] for c in codes]

    # -- the wire ---------------------------------------------------------------------

    @property
    def http(self) -> httpx.AsyncClient:
        return self.device.http

    async def reconnect(self, http: httpx.AsyncClient) -> None:
        """The server came back (another process): the same phone, a new connection."""
        await self.device.http.aclose()
        self.device.http = http

    async def register_anew(self, device: SyncDevice) -> None:
        """Signed in again after a restore forgot this install's credential (§9.4): a new
        device, whose seqs start at 1; the outbox goes on under them, the same mutations
        (same ids), and the generation the phone last synced in is kept."""
        generation = self.device.generation
        await self.device.http.aclose()
        for seq, mutation in enumerate(self.device.outbox, start=1):
            mutation["seq"] = seq
        device.outbox, device.seq = self.device.outbox, len(self.device.outbox)
        device.generation = generation
        self.device = device

    def _seen(self, r: httpx.Response) -> httpx.Response:
        self.responses[r.status_code] += 1
        if r.status_code >= 500:
            raise DrillFailure(
                f"{self.name}: {r.request.method} {r.request.url.path} answered "
                f"{r.status_code}: {r.text[:500]}"
            )
        return r

    async def _post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._seen(await self.http.post(url, headers=self.device.auth, **kwargs))

    # -- one pass, as the app's --------------------------------------------------------

    async def sync(self) -> None:
        """Files, then the outbox, then the change feed; a restored server first gets
        back what this phone holds."""
        await self._upload_waiting()
        recoveries = self.recovery.times
        while self.device.outbox:
            if self.recovery.times > recoveries + MAX_PUT_BACKS_A_PASS:
                raise DrillFailure(f"{self.name}: wedged, put back again and again")
            answer = await self._push(self.device.outbox[:BATCH])
            if answer is None:  # put back first, then the same batch again
                await self.recover()
                continue
            self._confirmed(answer)
            if answer.get("expected_seq") is not None and not answer["outcomes"]:
                if answer["expected_seq"] <= self.device.confirmed_seq:
                    await self.recover()  # only a restored server forgets a confirmed seq
                    continue
                raise DrillFailure(f"{self.name}: the server expects seq {answer['expected_seq']}")
        await self._pull()

    async def _push(self, mutations: list[dict[str, Any]]) -> dict[str, Any] | None:
        body = self.device.body(mutations)
        r = await self._post("/api/sync/push", json=body)
        if r.status_code == 409 and r.json().get("type") == "/problems/recover_first":
            return None
        if r.status_code != 200:
            raise DrillFailure(f"{self.name}: push answered {r.status_code}: {r.text[:500]}")
        answer = r.json()
        generation = answer.get("generation", 1)  # 1 goes unsaid
        if self.device.generation is not None and generation != self.device.generation:
            # Applied in a generation this phone has not put back in: cannot happen, as
            # the server asks for the put-back first; if it did, put back now.
            self._confirmed(answer)
            await self.recover()
            return {"outcomes": [], "last_seq": answer["last_seq"]}
        return answer

    def _confirmed(self, answer: dict[str, Any]) -> None:
        self.device.keep({"generation": 1, **answer})  # generation 1 goes unsaid
        done = {o["seq"] for o in answer["outcomes"]}
        by_seq = {m["seq"]: m for m in self.device.outbox}
        self.device.outbox = [m for m in self.device.outbox if m["seq"] not in done]
        for outcome in answer["outcomes"]:
            mutation = by_seq.get(outcome["seq"])
            kept = self.kept.get(outcome["dossier_id"])
            if mutation is not None and mutation["kind"] == "submit":
                self.submit_outcomes.append({**outcome, "payload": mutation["payload"]})
            if outcome["status"] == "rejected":
                continue
            if outcome.get("code"):
                self.codes_given.add(outcome["code"])
            if kept is None or outcome.get("version") is None:
                continue
            kept.version = max(kept.version, outcome["version"])
            kept.state = outcome.get("state", kept.state)
            if outcome.get("code"):
                if outcome["code"] != kept.code:
                    kept.seal = None
                kept.code = outcome["code"]
                kept.seal = outcome.get("seal") or kept.seal

    async def _pull(self) -> None:
        waits = 0
        recoveries = self.recovery.times
        while True:
            if self.recovery.times > recoveries + MAX_PUT_BACKS_A_PASS:
                raise DrillFailure(f"{self.name}: wedged, put back again and again on pull")
            params = {"cursor": self.device.cursor} if self.device.cursor else {}
            r = self._seen(
                await self.http.get("/api/sync/pull", params=params, headers=self.device.auth)
            )
            if r.status_code != 200:
                raise DrillFailure(f"{self.name}: pull answered {r.status_code}: {r.text[:500]}")
            body = r.json()
            if self.device.generation is not None and body["generation"] != self.device.generation:
                # A restore met on a pull: put back before applying any view.
                await self.recover()
                continue
            if body.get("reset") and self.device.cursor is not None:
                # A resend it did not ask for: perhaps a restore nobody declared. A push,
                # even of nothing, shows the server this phone's receipt (§4.2).
                answer = await self._push([])
                if answer is None:
                    await self.recover()
                    continue
                self._confirmed(answer)
            for view in body["dossiers"]:
                self._apply_view(view)
            self.device.cursor = body["cursor"]
            if body.get("pending") and waits < 100:
                waits += 1
                await asyncio.sleep(0.05)
                continue
            if not body["more"]:
                return

    def _apply_view(self, view: dict[str, Any]) -> None:
        kept = self.kept.get(view["id"])
        if view.get("deleted"):
            self.kept.pop(view["id"], None)
            return
        if view["id"] in self.deleted or (kept is not None and kept.version > view["version"]):
            return
        if kept is None:
            kept = self.kept[view["id"]] = Kept(
                view["id"], view["procedure_code"], view["schema_version"]
            )
        answers = copy.deepcopy(view["fields"])
        for mutation in self.device.outbox:
            if mutation["dossier_id"] == view["id"]:
                _overlay(answers, mutation)
        same_code = kept.code == view.get("code")
        kept.answers = answers
        kept.version, kept.state = view["version"], view["state"]
        kept.code = view.get("code")
        kept.seal = view.get("seal") or (kept.seal if same_code else None)
        kept.submitted_at = view.get("submitted_at")

    async def _upload_waiting(self) -> None:
        waiting = [sha for sha in self.files if sha not in self.uploaded]
        await self._send_missing(waiting, counted=False)

    async def _send_missing(
        self, hashes: list[str], counted: bool, known: frozenset[str] = frozenset()
    ) -> None:
        """Asks which of `hashes` this account has not sent (keeping the seals of those
        it has), and sends those bytes, and those of `known` to be missing."""
        missing = set(known)
        if hashes:
            r = await self._post("/api/blobs/missing", json={"hashes": hashes})
            if r.status_code != 200:
                raise DrillFailure(f"{self.name}: missing answered {r.status_code}: {r.text[:300]}")
            missing |= set(r.json()["missing"])
            self.file_seals.update(r.json().get("seals", {}))
        tus = TusClient(self.http, self.device.auth)
        for sha in sorted(missing):
            report = await tus.upload(self.files[sha], filename=f"{sha[:8]}.jpg", sha256=sha)
            if not report.ok:
                raise DrillFailure(
                    f"{self.name}: upload answered {report.status}: {report.problem}"
                )
            if report.seal:
                self.file_seals[sha] = report.seal
            if counted:
                self.recovery.files += 1
                self.recovery.file_bytes += report.body_bytes_sent
        self.uploaded |= set(hashes) | missing

    # -- after a restore (§9.3) --------------------------------------------------------

    def _to_put_back(self) -> list[dict[str, Any]]:
        creating = {
            m["dossier_id"] for m in self.device.outbox if m["kind"] == "create_draft"
        }  # they reach the server with their create_draft
        held = [k.held() for k in self.kept.values() if k.id not in creating]
        held += [
            {**k.held(), "fields": {}, "deleted": True}
            for k in self.deleted.values()
            if k.version > 0 and k.id not in self.kept
        ]
        return held

    async def recover(self) -> None:
        """Files the server lacks sent again, then everything held put back."""
        started = time.perf_counter()
        self.recovery.times += 1
        log.info("drill: %s puts back (time %d)", self.name, self.recovery.times)
        # Files first, by their seals; then the bytes of those the server could not
        # take back and of those this phone holds no seal for.
        sealed = [
            {"sha256": h, "seal": self.file_seals[h]}
            for h in sorted(self.files)
            if h in self.file_seals
        ]
        missing: set[str] = set()
        for start in range(0, len(sealed), FILE_PAGE):
            answer = await self._recover_page(files=sealed[start : start + FILE_PAGE])
            self.recovery.files_restored += answer.get("files_restored", 0)
            missing |= set(answer.get("files_missing", []))
        unsealed = sorted(h for h in self.files if h not in self.file_seals)
        self.uploaded.clear()
        await self._send_missing(unsealed, counted=True, known=frozenset(missing & set(self.files)))
        held = self._to_put_back()
        pages = [held[i : i + PAGE] for i in range(0, len(held), PAGE)] or [[]]
        reservations = [
            {k: self.reserved[code][k] for k in ("code", "expires_at", "seal")}
            for code in self.reservations_held()
            if self.reserved[code].get("seal")
        ]
        for index, page in enumerate(pages):
            last = index == len(pages) - 1
            answer = await self._recover_page(
                dossiers=page, reservations=reservations if last else [], done=last
            )
            for result in answer["results"]:
                self._put_back(result)
            if last:
                self.recovery.reservations_restored += answer.get("reservations_restored", 0)
                for reason in answer.get("reservations_refused", []):
                    self.recovery.reservations_refused[reason["code"]] += 1
                self.device.keep(answer)
                self.device.generation = answer["generation"]
                self.device.cursor = None
        self.recovered_at = time.perf_counter()
        self.recovery.seconds += time.perf_counter() - started

    async def _recover_page(
        self, done: bool = False, **lists: list[dict[str, Any]]
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "device_id": str(self.device.device_id),
            "confirmed_seq": self.device.confirmed_seq,
            "done": done,
            **lists,
        }
        if self.device.generation is not None:
            body["generation"] = self.device.generation
        if self.device.receipt is not None:
            body["receipt"] = self.device.receipt
        content = httpx.Request("POST", "/", json=body).read()
        r = self._seen(
            await self.http.post(
                "/api/sync/recover",
                content=content,
                headers={**self.device.auth, "Content-Type": "application/json"},
            )
        )
        if r.status_code != 200:
            raise DrillFailure(f"{self.name}: recover answered {r.status_code}: {r.text[:500]}")
        self.recovery.pages += 1
        self.recovery.request_bytes += len(content)
        return r.json()

    def _put_back(self, result: dict[str, Any]) -> None:
        self.recovery.statuses[result["status"]] += 1
        for reason in result.get("reasons", []):
            self.recovery.reasons[reason["code"]] += 1
        kept = self.kept.get(result["dossier_id"])
        if kept is None or result["status"] == "rejected":
            return
        # The restored server's version, even when lower than the one seen before:
        # else the views of the full pull that follows would look older and be ignored.
        if result.get("version") is not None:
            kept.version = result["version"]

    def held_bytes(self) -> int:
        """What this phone holds: its files and its dossiers as JSON."""
        dossiers = sum(
            len(httpx.Request("POST", "/", json=k.held()).read()) for k in self.kept.values()
        )
        return sum(len(b) for b in self.files.values()) + dossiers


# -- the drill --------------------------------------------------------------------------


@dataclass
class DrillConfig:
    citizens: int = 17
    outreach: int = 3
    seed: int = 7
    photo_side: int = 240  # noise JPEGs of about 240×200 px: ~35 KB, as a shrunk photo
    reserve_before: int = 6
    reserve_after: int = 4
    # Drafts one citizen holds besides, so that its put-back takes two pages.
    busy_drafts: int = 100


@dataclass
class Drill:
    phones: list[DrillPhone]
    citizens: list[DrillPhone]
    outreach: list[DrillPhone]
    desk_email: str
    admin_email: str
    # Dossiers a phone saw received by the desk after the backup (the restore lost it).
    desk_seen_after_backup: set[str] = field(default_factory=set)
    codes_before_restore: set[str] = field(default_factory=set)
    # From the first phone's reconnection to the last one's put-back, and to the last
    # one's whole pass (its new work pushed, everything pulled).
    recovered_seconds: float = 0.0
    reconnect_seconds: float = 0.0
    submits_after_restore: list[dict[str, Any]] = field(default_factory=list)
    reserved_after_restore: set[str] = field(default_factory=set)


async def schema_versions_of(http: httpx.AsyncClient) -> dict[str, int]:
    versions = {}
    for code in (CITIZEN_PROCEDURE, OUTREACH_PROCEDURE):
        r = await http.get(f"/api/catalog/{code}/versions")
        assert r.status_code == 200, r.text
        body = r.json()
        numbers = body["versions"] if isinstance(body, dict) else body
        versions[code] = max(int(v if isinstance(v, int) else v["version"]) for v in numbers)
    return versions


class _Photos:
    def __init__(self, rng: random.Random, side: int) -> None:
        self.rng, self.side = rng, side

    def __call__(self) -> bytes:
        return jpeg(self.side, max(200, self.side * 5 // 6), seed=self.rng.randrange(1 << 30))


async def sign_in_fleet(site: Site, config: DrillConfig) -> Drill:
    roles = [("citizen", "")] * config.citizens + [("outreach", COMMUNE)] * config.outreach
    emails = await site.accounts([*roles, ("desk", COMMUNE), ("agency_admin", COMMUNE)])
    *phone_emails, desk, admin = emails
    first = site.client()
    try:
        versions = await schema_versions_of(first)
    finally:
        await first.aclose()
    phones = []
    for index, (email, (role, _)) in enumerate(zip(phone_emails, roles, strict=True)):
        http = site.client()
        async with site.client() as browser:
            device = await sign_in_device(http, email, site.password, browser=browser)
        phones.append(DrillPhone(device, role, f"{role}-{index}", versions))
    citizens = [p for p in phones if p.role == "citizen"]
    outreach = [p for p in phones if p.role == "outreach"]
    return Drill(phones, citizens, outreach, desk, admin)


def _birth(child: str) -> dict[str, Any]:
    return birth_answers(dt.date.today(), child=child, commune=COMMUNE)


CHILDREN = ("Nguyễn Minh Khang", "Lê Thị Hoa", "Phạm Gia Bảo", "Trần Ngọc Ánh", "Võ Đức Anh")
PLACES = ("Huế", "Vinh", "Nam Định", "Thái Bình", "Hải Dương", "Bắc Ninh")


async def _desk_session(site: Site, email: str) -> tuple[httpx.AsyncClient, str]:
    http = site.client()
    r = await http.post("/api/auth/login", json={"email": email, "password": site.password})
    assert r.status_code == 200, r.text
    return http, r.json()["csrf_token"]


async def run_drill(site: Site, config: DrillConfig | None = None) -> Drill:
    """Work, backup, more work and desk work, restore, and every phone back with new
    work, in a random order. Raises DrillFailure when a phone cannot go on."""
    config = config or DrillConfig()
    rng = random.Random(config.seed)
    photo = _Photos(rng, config.photo_side)
    t0 = time.perf_counter()
    drill = await sign_in_fleet(site, config)
    # Per citizen: the dossier submitted before the backup, and the draft kept open.
    first: dict[str, str] = {}
    open_draft: dict[str, str] = {}
    spare: dict[str, str] = {}  # a draft kept aside, deleted by some after the backup
    after: dict[str, str] = {}

    # 1. A day of work, all synced.
    for phone in drill.citizens:
        submitted = phone.create(CITIZEN_PROCEDURE, _birth(rng.choice(CHILDREN)))
        phone.attach(submitted, "attachments.birth_certificate", photo())
        phone.submit(submitted)
        draft = phone.create(CITIZEN_PROCEDURE, _birth(rng.choice(CHILDREN)))
        phone.attach(draft, "attachments.birth_certificate", photo())
        first[phone.name], open_draft[phone.name] = submitted, draft
        spare[phone.name] = phone.create(CITIZEN_PROCEDURE, _birth(rng.choice(CHILDREN)))
    # One phone holds more than a put-back page: a family's whole archive of drafts.
    busy = drill.citizens[0]
    for k in range(config.busy_drafts):
        busy.create(CITIZEN_PROCEDURE, _birth(CHILDREN[k % len(CHILDREN)]))
    for phone in drill.outreach:
        codes = await phone.reserve(config.reserve_before)
        for code in codes[:2]:  # births registered in the village, offline
            birth = phone.create(OUTREACH_PROCEDURE, _birth(rng.choice(CHILDREN)))
            phone.attach(birth, "attachments.birth_certificate", photo())
            phone.submit(birth, code)
    for phone in drill.phones:
        await phone.sync()

    log.info("drill: worked at %.1f s", time.perf_counter() - t0)
    # 2. Last night's backup.
    await site.backup()

    log.info("drill: backed up at %.1f s", time.perf_counter() - t0)
    # 3. The next morning's work, which the restore will lose on the server.
    for index, phone in enumerate(drill.citizens):
        draft = open_draft[phone.name]
        phone.edit(draft, **{"child.hometown": rng.choice(PLACES)})
        phone.attach(draft, "attachments.id_card", photo())
        later = phone.create(CITIZEN_PROCEDURE, _birth(rng.choice(CHILDREN)))
        phone.attach(later, "attachments.birth_certificate", photo())
        phone.submit(later)
        after[phone.name] = later
        if index % 4 == 0:  # drafts deleted: one from before the backup, one new
            gone = phone.create(CITIZEN_PROCEDURE, _birth("Bỏ Đi"))
            await phone.sync()
            phone.delete(gone)
            phone.delete(spare[phone.name])
        await phone.sync()
    for phone in drill.outreach:
        old_block = phone.unused_reserved()
        new_block = await phone.reserve(config.reserve_after)
        for code in (old_block[0], new_block[0]):
            birth = phone.create(OUTREACH_PROCEDURE, _birth(rng.choice(CHILDREN)))
            phone.attach(birth, "attachments.birth_certificate", photo())
            phone.submit(birth, code)
        await phone.sync()
        # One more birth in the next village: on the phone only when the server dies.
        birth = phone.create(OUTREACH_PROCEDURE, _birth(rng.choice(CHILDREN)))
        phone.attach(birth, "attachments.birth_certificate", photo())
        phone.submit(birth, new_block[1])

    log.info("drill: worked after the backup at %.1f s", time.perf_counter() - t0)
    # 4. The desk receives some of the dossiers; some phones see it before the crash.
    desk, csrf = await _desk_session(site, drill.desk_email)
    try:
        received: dict[str, str] = {}
        for index, phone in enumerate(drill.citizens):
            for dossier in [first[phone.name]] * (index % 3 == 0) + [after[phone.name]] * (
                index % 5 == 1
            ):
                r = await desk.post(
                    f"/api/desk/dossiers/{dossier}/actions/receive",
                    json={},
                    headers={"X-CSRF-Token": csrf},
                )
                if r.status_code != 200:
                    raise DrillFailure(f"desk receive answered {r.status_code}: {r.text[:300]}")
                received[dossier] = phone.name
    finally:
        await desk.aclose()
    for index, phone in enumerate(drill.citizens):
        if index % 2 == 0:
            await phone.sync()
            drill.desk_seen_after_backup |= {
                d for d, k in phone.kept.items() if k.state >= RECEIVED and d in received
            }
        if index % 3 == 0:  # typed, not sent yet
            phone.edit(open_draft[phone.name], **{"child.full_name": "Đặng Văn Lâm"})

    drill.codes_before_restore = set().union(*(p.codes_given for p in drill.phones))

    log.info("drill: desk done at %.1f s", time.perf_counter() - t0)
    # 5. The disk dies; the server comes back from last night's backup.
    await site.restore()
    for phone in drill.phones:
        await phone.reconnect(site.client())

    log.info("drill: restored at %.1f s", time.perf_counter() - t0)
    # 6. Every phone comes back, in a random order, with new work queued.
    order = list(drill.phones)
    rng.shuffle(order)
    for phone in order:
        phone.outcomes_before_restore = len(phone.submit_outcomes)
        if phone.role == "citizen":
            draft = open_draft[phone.name]
            phone.edit(draft, **{"child.birth_place": "Trạm y tế xã"})
            phone.submit(draft)
            newest = phone.create(CITIZEN_PROCEDURE, _birth(rng.choice(CHILDREN)))
            phone.attach(newest, "attachments.birth_certificate", photo())
        else:
            codes = phone.unused_reserved()
            birth = phone.create(OUTREACH_PROCEDURE, _birth(rng.choice(CHILDREN)))
            phone.attach(birth, "attachments.birth_certificate", photo())
            phone.submit(birth, codes[0])
            walk_in = phone.create(OUTREACH_PROCEDURE, _birth(rng.choice(CHILDREN)))
            phone.attach(walk_in, "attachments.birth_certificate", photo())
            phone.submit(walk_in)  # no reserved code: a fresh one

    started = time.perf_counter()

    # All at once, started in that order: several may prove an undeclared restore together.
    await asyncio.gather(*[phone.sync() for phone in order])
    drill.reconnect_seconds = time.perf_counter() - started
    drill.recovered_seconds = max(p.recovered_at or started for p in drill.phones) - started
    for phone in drill.phones:
        drill.submits_after_restore += phone.submit_outcomes[phone.outcomes_before_restore :]
    for phone in drill.outreach:  # the next round of villages
        drill.reserved_after_restore |= set(await phone.reserve(config.reserve_after))
    return drill


async def close(drill: Drill) -> None:
    for phone in drill.phones:
        await phone.device.http.aclose()
