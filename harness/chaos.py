"""Chaos for the sync protocol, shared by tests/field/test_chaos.py (CI-sized) and
bench/chaos.py (100 devices).

Real `motcua serve` processes share one database, each behind a CuttingProxy that
drops connections mid-request at random body offsets. Simulated phones (one
account and one registered install each) run sessions: they go offline for a
while, queue drafts, edits, attachments and submissions, and push them in the ways
a bad network and a buggy client produce — plain, the same batch to two processes
at once, the later part first, the answer lost (so the batch is sent again), an
old already-confirmed batch replayed — and pull now and then. Meanwhile processes
are killed with SIGKILL and restarted at random. Then a quiet phase: no cuts, no
kills, every phone pushes until its outbox is empty and pulls to the end.

Checked from the database afterwards: no draft lost, every submission coded, no
code twice, each mutation applied exactly once (the device's log of (seq, id)
against the applied-mutation records and the dossier history), every phone's
local copy equal to the database. Nothing is judged on time."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec

from harness.cut_proxy import CuttingProxy
from harness.deployment import Deployment
from harness.server_process import ServerProcess, insert_accounts, server_env
from harness.sync_client import birth_answers, uuid7
from server.attachments.tables import Blob, BlobUploader
from server.clock import vn_today
from server.dossiers.tables import AppliedMutation, Dossier, DossierHistory
from server.identity.devices import register_device
from server.identity.tables import Account
from server.settings import Settings
from sync.forms.schema import AttachmentField

SUBMITTED = 1
# The khai-sinh form's birth certificate takes the attachment field's default limit.
FILES_PER_FIELD = next(
    f.default for f in msgspec.structs.fields(AttachmentField) if f.name == "max_files"
)
CHILDREN = ("Nguyễn Minh Khang", "Lê Thị Hoa", "Phạm Gia Bảo", "Trần Ngọc Ánh", "Võ Đức Anh")
MODES = ("plain", "plain", "twice", "later_first", "answer_lost", "replay")
TIMEOUT = httpx.Timeout(60.0, connect=10.0)


@dataclass
class ChaosPlan:
    devices: int
    processes: int
    sessions: int  # sessions per device in the chaos phase
    kills: int  # SIGKILLs (each followed by a restart) spread over the chaos phase
    seed: int
    cut_every: int = 40_000  # mean request-body bytes through a proxy between cuts; 0: none
    offline_max: float = 0.5  # longest offline period, seconds
    batch_max: int = 30


@dataclass
class OwnDossier:
    """What a phone knows it did to one dossier."""

    mutations: int = 0
    attached: int = 0  # files attached to the birth certificate field
    submitted: bool = False
    hometown: str = "Hà Nội"


class Phone:
    def __init__(self, device_id: uuid.UUID, credential: str, rng: random.Random) -> None:
        self.device_id = device_id
        self.auth = {"Authorization": f"Device {credential}"}
        self.rng = rng
        self.seq = 0
        self.outbox: list[dict[str, Any]] = []
        self.log: dict[int, str] = {}  # seq -> mutation id: everything it ever queued
        self.mine: dict[str, OwnDossier] = {}
        self.outcomes: dict[int, dict] = {}
        self.answered: list[list[dict[str, Any]]] = []  # batches confirmed whole, for replays
        self.views: dict[str, dict] = {}
        self.cursor: str | None = None

    def queue(self, kind: str, dossier: str, payload: dict[str, Any]) -> None:
        self.seq += 1
        mutation_id = str(uuid7())
        known = self.mine[dossier]
        self.outbox.append(
            {
                "seq": self.seq,
                "id": mutation_id,
                "dossier_id": dossier,
                "kind": kind,
                "payload": payload,
                "base_version": known.mutations,
            }
        )
        self.log[self.seq] = mutation_id
        known.mutations += 1

    def body(self, batch: list[dict[str, Any]]) -> dict[str, Any]:
        return {"device_id": str(self.device_id), "mutations": batch}


@dataclass
class ChaosResult:
    counts: dict[str, int] = field(default_factory=dict)  # what happened, in order
    checks: dict[str, int] = field(default_factory=dict)  # each must be 0 (a count of violations)
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (s, mutations confirmed)
    kill_marks: list[tuple[float, float]] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds, for the report only
    refusals: list[str] = field(default_factory=list)  # the outcomes that were not "applied"

    @property
    def ok(self) -> bool:
        return not any(self.checks.values())


class Chaos:
    def __init__(
        self, plan: ChaosPlan, settings: Settings, log_dir, through_nginx: bool = False
    ) -> None:
        """The database in `settings` must be migrated and seeded, and this
        process's tables bound to it (the harness writes and checks through them).

        `through_nginx`: the phones reach the processes through nginx with
        deploy/nginx/motcua.conf (the cutting proxies in front of it, as the phones'
        links), which balances across them; a killed process comes back on its port."""
        self.plan = plan
        self.settings = settings
        self.rng = random.Random(plan.seed)
        self.deployment = (
            Deployment(settings, log_dir / "deploy", hosts=plan.processes)
            if through_nginx
            else None
        )
        self.servers = (
            self.deployment.servers
            if self.deployment
            else [
                ServerProcess(server_env(settings), log_dir, f"chaos{i}")
                for i in range(plan.processes)
            ]
        )
        self.proxies: list[CuttingProxy] = []
        self.clients: list[httpx.AsyncClient] = []
        self.phones: list[Phone] = []
        self.events: Counter = Counter()
        self.result = ChaosResult()
        self.sessions_done = 0
        self.chaos_on = True
        self.started = 0.0

    # -- setting up -----------------------------------------------------------

    async def __aenter__(self) -> Chaos:
        if self.deployment:
            await self.deployment.start()
        else:
            for server in self.servers:
                server.start()
            await asyncio.gather(*(s.wait_ready() for s in self.servers))
        for server in self.servers:
            front = self.deployment.nginx.port if self.deployment else server.port
            proxy = await CuttingProxy(front).start()
            self.proxies.append(proxy)
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
            self.clients.append(
                httpx.AsyncClient(base_url=proxy.url, timeout=TIMEOUT, limits=limits)
            )
        emails = await insert_accounts([("citizen", "")] * self.plan.devices)
        accounts = {
            r["email"]: r["id"]
            for r in await Account.select(Account.email, Account.id).where(
                Account.email.is_in(emails)
            )
        }
        for email in emails:  # registered as POST /api/devices does, without a sign-in each
            device_id = uuid.uuid4()
            credential = await register_device(accounts[email], device_id, "máy hỗn loạn")
            self.phones.append(Phone(device_id, credential, random.Random(self.rng.random())))
        self.accounts = [accounts[e] for e in emails]
        return self

    async def __aexit__(self, *exc: Any) -> None:
        for client in self.clients:
            await client.aclose()
        for proxy in self.proxies:
            await proxy.close()
        if self.deployment:
            self.deployment.stop()
        for server in self.servers:
            server.stop()

    def logs(self) -> str:
        if self.deployment:
            return self.deployment.logs()
        return "\n".join(s.log_text() for s in self.servers)

    # -- the phones -------------------------------------------------------------

    def _work(self, phone: Phone) -> list[str]:
        """Queue one to three things a person does; returns attached hashes."""
        hashes = []
        for _ in range(phone.rng.randint(1, 3)):
            open_drafts = [d for d, k in phone.mine.items() if not k.submitted]
            action = (
                phone.rng.choice(["new", "new", "edit", "attach", "submit"])
                if open_drafts
                else "new"
            )
            if action == "new":
                dossier = str(uuid7())
                phone.mine[dossier] = OwnDossier()
                answers = birth_answers(
                    vn_today(),
                    child=phone.rng.choice(CHILDREN),
                    commune=phone.rng.choice(["00070", "00004"]),
                )
                phone.queue(
                    "create_draft", dossier, {"procedure_code": "khai-sinh", "fields": answers}
                )
                self.events["drafts created"] += 1
                continue
            dossier = phone.rng.choice(open_drafts)
            known = phone.mine[dossier]
            if action == "attach" and known.attached >= FILES_PER_FIELD:
                action = "edit"  # the app takes no more files than the form allows
            if action == "edit":
                known.hometown = f"Quê {phone.seq + 1}"
                phone.queue("edit_draft", dossier, {"changes": {"child.hometown": known.hometown}})
            elif action == "attach" or not known.attached:
                digest = uuid.uuid5(uuid.NAMESPACE_URL, f"{dossier}/{phone.seq}").hex * 2
                hashes.append(digest)
                phone.queue(
                    "attach", dossier, {"path": "attachments.birth_certificate", "sha256": digest}
                )
                known.attached += 1
            else:
                phone.queue("submit", dossier, {})
                known.submitted = True
                self.events["submissions queued"] += 1
        return hashes

    async def _uploaded(self, phone: Phone, account_id: uuid.UUID, hashes: list[str]) -> None:
        """The attached files reached the server before the mutations naming them
        (a verified blob row; uploads themselves are tests/attachments' business)."""
        if not hashes:
            return
        now = dt.datetime.now(dt.UTC)
        await Blob.insert(
            *[
                Blob(sha256=h, size=1000, media_type="application/pdf", created_at=now)
                for h in hashes
            ]
        ).on_conflict(action="DO NOTHING")
        await BlobUploader.insert(
            *[
                BlobUploader(sha256=h, account_id=account_id, device_id=phone.device_id, at=now)
                for h in hashes
            ]
        ).on_conflict(action="DO NOTHING")

    def _client(self, phone: Phone) -> httpx.AsyncClient:
        return phone.rng.choice(self.clients)

    async def _post(
        self, phone: Phone, client: httpx.AsyncClient, batch: list[dict]
    ) -> dict | None:
        """One push; the answer when it is a 200, else None (counted)."""
        self.events["pushes sent"] += 1
        try:
            r = await client.post("/api/sync/push", json=phone.body(batch), headers=phone.auth)
        except httpx.TransportError:
            self.events["pushes cut or refused (no answer)"] += 1
            return None
        self.result.statuses[f"HTTP {r.status_code}"] += 1
        if r.status_code != 200:
            return None
        return r.json()

    def _take(self, phone: Phone, answer: dict | None, batch: list[dict]) -> None:
        """What a phone does with an answer: keep the outcomes, drop what is confirmed."""
        if answer is None:
            return
        for o in answer["outcomes"]:
            if phone.outcomes.setdefault(o["seq"], o) != o:
                self.events["answers differing for one seq"] += 1
        confirmed = {o["seq"] for o in answer["outcomes"]}
        phone.outbox = [m for m in phone.outbox if m["seq"] not in confirmed]
        if batch and all(m["seq"] in confirmed for m in batch):
            phone.answered.append(batch)

    async def _push_chaotically(self, phone: Phone) -> None:
        if not phone.outbox:
            return
        batch = list(phone.outbox[: self.plan.batch_max])
        mode = phone.rng.choice(MODES) if self.chaos_on else "plain"
        if mode == "replay" and phone.answered:
            old = phone.rng.choice(phone.answered)  # a confirmed batch comes back (a stale retry)
            answer = await self._post(phone, self._client(phone), old)
            self.events["old batches replayed"] += 1
            if answer is not None:
                same = all(phone.outcomes.get(o["seq"]) == o for o in answer["outcomes"])
                same = same and len(answer["outcomes"]) == len(old)
                self.events[
                    "replays answered as first time" if same else "replays answered differently"
                ] += 1
            mode = "plain"
        if mode == "twice":  # the same batch reaches two processes at once
            a, b = (
                phone.rng.sample(self.clients, 2)
                if len(self.clients) > 1
                else (self.clients[0],) * 2
            )
            answers = await asyncio.gather(self._post(phone, a, batch), self._post(phone, b, batch))
            self.events["batches sent twice at once"] += 1
            for answer in answers:
                self._take(phone, answer, batch)
            return
        if mode == "later_first" and len(batch) > 1:  # the later part overtakes the first
            later = batch[len(batch) // 2 :]
            answer = await self._post(phone, self._client(phone), later)
            self.events["batches sent later part first"] += 1
            if (
                answer is not None
                and later[0]["seq"] > answer["last_seq"] + 1
                and answer["outcomes"]
            ):
                self.events["gapped batches applied"] += 1
            self._take(phone, answer, later)
        answer = await self._post(phone, self._client(phone), batch)
        if mode == "answer_lost" and answer is not None:
            self.events["answers lost (batch sent again)"] += 1
            answer = await self._post(phone, self._client(phone), batch)
        self._take(phone, answer, batch)

    async def _pull(self, phone: Phone, client: httpx.AsyncClient, patience: int = 100) -> bool:
        """Pull pages from the phone's cursor to the end; False when cut off."""
        for _ in range(patience):
            params = {"cursor": phone.cursor} if phone.cursor else {}
            try:
                r = await client.get("/api/sync/pull", params=params, headers=phone.auth)
            except httpx.TransportError:
                self.events["pulls cut or refused"] += 1
                return False
            self.result.statuses[f"HTTP {r.status_code}"] += 1
            if r.status_code != 200:
                return False
            body = r.json()
            for view in body["dossiers"]:
                known = phone.views.get(view["id"])
                if known is None or known["version"] <= view["version"]:
                    phone.views[view["id"]] = view
            phone.cursor = body["cursor"]
            if body["more"]:
                continue
            if not body["pending"]:
                return True
            await asyncio.sleep(0.05)
        return False

    async def _phone_life(self, index: int) -> None:
        phone, account_id = self.phones[index], self.accounts[index]
        for _ in range(self.plan.sessions):
            if phone.rng.random() < 0.3:  # offline for a while: work piles up in the outbox
                self.events["offline periods"] += 1
                await self._uploaded(phone, account_id, self._work(phone))
                await asyncio.sleep(phone.rng.uniform(0, self.plan.offline_max))
            await self._uploaded(phone, account_id, self._work(phone))
            await self._push_chaotically(phone)
            if phone.rng.random() < 0.3:
                await self._pull(phone, self._client(phone), patience=5)
            self.sessions_done += 1
            await asyncio.sleep(phone.rng.uniform(0, 0.05))

    async def _settle(self, phone: Phone) -> None:
        """The quiet phase: push until the outbox is empty, pull to the end."""
        for attempt in range(200):
            if not phone.outbox:
                break
            await self._push_chaotically(phone)
            if phone.outbox:
                await asyncio.sleep(min(0.05 * (attempt + 1), 1.0))
        for _ in range(50):
            if await self._pull(phone, self._client(phone)):
                return
            await asyncio.sleep(0.1)

    # -- the faults ---------------------------------------------------------------

    async def _killer(self) -> None:
        """Kill a random process each time the phones pass another share of their
        sessions (so the kills fall inside the chaos phase however fast it runs)."""
        total = self.plan.devices * self.plan.sessions
        for k in range(self.plan.kills):
            # Polls a counter every phone raises: an Event per kill would say no more.
            while self.sessions_done < total * (k + 1) / (self.plan.kills + 1):  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            await asyncio.sleep(self.rng.uniform(0, 0.1))
            i = self.rng.randrange(len(self.servers))
            at = time.perf_counter() - self.started
            self.servers[i].kill9()
            self.result.kill_marks.append((at, self.confirmed()))
            self.events["processes killed (SIGKILL)"] += 1
            await asyncio.sleep(self.rng.uniform(0.1, 0.8))  # down for a while: its proxy refuses
            down = time.perf_counter()
            self.servers[i].start()  # on a new port, or behind nginx on its own
            await self.servers[i].wait_ready()
            self.result.phases["restart to ready (sum)"] = (
                self.result.phases.get("restart to ready (sum)", 0.0) + time.perf_counter() - down
            )
            if not self.deployment:
                self.proxies[i].target = ("127.0.0.1", self.servers[i].port)
            self.events["processes restarted"] += 1

    async def _cutter(self) -> None:
        """Keep a cut point ahead of each proxy's forwarded body bytes."""
        while self.chaos_on:
            for proxy in self.proxies:
                if not proxy.cut_at and self.plan.cut_every:
                    proxy.cut_at.append(
                        proxy.forwarded_body + self.rng.randint(1, 2 * self.plan.cut_every)
                    )
            await asyncio.sleep(0.05)
        for proxy in self.proxies:
            proxy.cut_at.clear()

    def confirmed(self) -> int:
        return sum(len(p.outcomes) for p in self.phones)

    async def _sampler(self) -> None:
        while True:
            self.result.timeline.append((time.perf_counter() - self.started, self.confirmed()))
            await asyncio.sleep(0.25)

    # -- the run --------------------------------------------------------------------

    async def run(self) -> ChaosResult:
        self.started = time.perf_counter()
        sampler = asyncio.create_task(self._sampler())
        cutter = asyncio.create_task(self._cutter())
        try:
            await asyncio.gather(
                self._killer(), *(self._phone_life(i) for i in range(len(self.phones)))
            )
            self.chaos_on = False
            await cutter
            self.result.phases["chaos phase"] = time.perf_counter() - self.started
            await asyncio.gather(*(self._settle(p) for p in self.phones))
            self.result.phases["quiet phase"] = (
                time.perf_counter() - self.started - self.result.phases["chaos phase"]
            )
        finally:
            self.chaos_on = False
            sampler.cancel()
            cutter.cancel()
        self.result.timeline.append((time.perf_counter() - self.started, self.confirmed()))
        self.result.seconds = time.perf_counter() - self.started
        self.events["connections cut mid-request"] = sum(p.cuts for p in self.proxies)
        await self._check()
        return self.result

    async def _check(self) -> None:
        ids = [uuid.UUID(d) for p in self.phones for d in p.mine]
        rows: dict[str, dict] = {}
        for k in range(0, len(ids), 500):
            for r in await Dossier.select(
                Dossier.id, Dossier.version, Dossier.state, Dossier.code, Dossier.fields
            ).where(Dossier.id.is_in(ids[k : k + 500])):
                rows[str(r["id"])] = r
        applied: dict[str, dict[int, str]] = {}
        counts: Counter = Counter()
        for r in await AppliedMutation.select(
            AppliedMutation.device_id, AppliedMutation.seq, AppliedMutation.mutation_id
        ):
            per = applied.setdefault(str(r["device_id"]), {})
            if r["seq"] in per:
                counts["applied twice"] += 1
            per[r["seq"]] = str(r["mutation_id"])
        history = Counter(
            str(r["dossier_id"]) for r in await DossierHistory.select(DossierHistory.dossier_id)
        )
        codes = Counter(
            r["code"] for r in await Dossier.select(Dossier.code).where(Dossier.code.is_not_null())
        )

        created = sum(len(p.mine) for p in self.phones)
        submitted = sum(k.submitted for p in self.phones for k in p.mine.values())
        coded = sum(
            1
            for p in self.phones
            for d, k in p.mine.items()
            if k.submitted and d in rows and rows[d]["state"] == SUBMITTED and rows[d]["code"]
        )
        mutations = sum(p.seq for p in self.phones)
        refused = sum(
            1 for p in self.phones for o in p.outcomes.values() if o["status"] != "applied"
        )
        self.result.refusals = [
            f"device {p.device_id} seq {seq}: {o}"
            for p in self.phones
            for seq, o in sorted(p.outcomes.items())
            if o["status"] != "applied"
        ]
        not_once = wrong_history = unconverged = unsent = 0
        for phone in self.phones:
            unsent += len(phone.outbox)
            if applied.get(str(phone.device_id), {}) != phone.log:
                not_once += 1  # a seq missing, extra, or recorded with another mutation
            server_side = {}
            for d, known in phone.mine.items():
                row = rows.get(d)
                if row is None:
                    continue
                if history[d] != known.mutations or row["version"] != known.mutations:
                    wrong_history += 1
                server_side[d] = (
                    row["version"],
                    row["state"],
                    row["code"],
                    msgspec.json.decode(row["fields"]).get("child.hometown"),
                )
            local = {
                d: (v["version"], v["state"], v.get("code"), v["fields"].get("child.hometown"))
                for d, v in phone.views.items()
            }
            expected = {
                d: (
                    k.mutations,
                    SUBMITTED if k.submitted else 0,
                    server_side.get(d, (0, 0, None))[2],
                    k.hometown,
                )
                for d, k in phone.mine.items()
            }
            if not (local == server_side == expected):
                unconverged += 1

        self.result.counts = {
            "devices": len(self.phones),
            "server processes": len(self.servers),
            "mutations queued": mutations,
            "mutations confirmed": self.confirmed(),
            **dict(sorted(self.events.items())),
            "drafts stored": len(rows),
            "submissions coded": coded,
            "devices converged": len(self.phones) - unconverged,
        }
        self.result.counts["drafts created"] = created
        self.result.counts["submissions queued"] = submitted
        self.result.checks = {
            "drafts lost": created - len(rows),
            "submissions without a code": submitted - coded,
            "duplicate codes": sum(n - 1 for n in codes.values()),
            "mutations applied twice": counts["applied twice"],
            "devices whose log differs from the applied records": not_once,
            "dossiers whose history or version differs from their mutations": wrong_history,
            "mutations refused": refused,
            "mutations never confirmed": unsent,
            "answers differing for one seq": self.events["answers differing for one seq"],
            "replays answered differently": self.events["replays answered differently"],
            "gapped batches applied": self.events["gapped batches applied"],
            # A 503 (database busy or gone) is a clear "try again"; a 500 is a bug.
            "HTTP 500 answers": self.result.statuses["HTTP 500"],
            "devices not converged": unconverged,
        }


def render(result: ChaosResult) -> str:
    lines = [f"{name:<55} {value:>8}" for name, value in result.counts.items()]
    lines += [
        f"{name:<55} {value:>8}"
        for name, value in sorted(result.statuses.items())
        if name.startswith("HTTP")
    ]
    lines += [f"{name + ' (s)':<55} {value:>8.1f}" for name, value in result.phases.items()]
    lines += ["-- invariants (each must be 0)"]
    lines += [f"{name:<55} {value:>8}" for name, value in result.checks.items()]
    lines += [f"refused: {line[:400]}" for line in result.refusals[:10]]
    return "\n".join(lines)
