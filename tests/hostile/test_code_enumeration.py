"""Dossier codes cannot be enumerated (security review, hole 7).

A code's sequence part used to count 1, 2, 3… per commune and year and its check
character is public, so counting found real dossiers through the public lookup.
Now the sequence part is a keyed permutation of the counter: counting, or stepping
from one's own code, finds nothing, while codes stay 16 characters, checkable,
unique, reservable in blocks and the same on every server process."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from contextlib import AsyncExitStack, aclosing
from itertools import pairwise

import httpx
import pytest

from harness.devices import sign_in_device_at
from harness.server_process import PASSWORD, ServerProcess, insert_accounts, server_env
from harness.sync_client import SyncDevice
from server.clock import vn_today
from server.database import bound_engine
from server.dossiers.tables import CodeCounter, CodeKey, Dossier
from server.recovery.keys import CODE_KEY_ROW
from sync.code_permutation import FLOOR, SEQUENCE_SPACE, CodeIssuer, KeyedPermutation
from sync.codes import (
    ALPHABET,
    SEQUENCE_LENGTH,
    InvalidCode,
    display,
    make_code,
    parse_code,
    sequence_of,
)
from tests.sync.conftest import app, citizen, device_for, make_account  # noqa: F401 (fixtures)
from tests.sync.test_sync_bad_input import captcha, problem, reserve, submitted_birth, visitor  # noqa: F401
from tests.sync.test_sync_processes import running

COMMUNE = "00070"
REAL_DOSSIERS = 6
# Sequence values an attacker tries by counting, and steps either side of their own code.
COUNTED = 20_000
STEPS = 2_000


async def real_codes() -> set[str]:
    rows = await Dossier.select(Dossier.code).where(Dossier.code.is_not_null())
    return {r["code"] for r in rows}


async def submit_several(device: SyncDevice, count: int = REAL_DOSSIERS) -> list[str]:
    for _ in range(count):
        submitted_birth(device)
    outcomes = await device.sync()
    codes = [o["code"] for o in outcomes if o["state"] == 1]
    assert len(codes) == count, outcomes
    return codes


async def test_counting_codes_through_the_public_lookup_finds_no_dossier(
    citizen: SyncDevice, visitor
) -> None:
    """The probe's attack: sequence 1..8 with the right check character."""
    await submit_several(citizen)
    year = vn_today().year
    for n in range(1, 9):
        guess = make_code(COMMUNE, year, n)
        r = await visitor.post("/api/lookup", json={"code": guess, **await captcha(visitor)})
        problem(r, 404, "not_found")


async def test_counting_or_stepping_from_ones_own_code_hits_nothing(citizen: SyncDevice) -> None:
    """The same attack at scale, straight against the table. With S = 32^8 - 32^4
    possible sequence values per commune and year and n real codes, each guess hits
    with probability n/S; here n < 100 and 24,000 guesses: below 2·10^-6 in all."""
    own = await submit_several(citizen)
    real = await real_codes()
    assert set(own) <= real
    year = vn_today().year
    guesses = {make_code(COMMUNE, year, n) for n in range(COUNTED)}
    mine = sequence_of(own[-1])
    guesses |= {
        make_code(COMMUNE, year, mine + d)
        for d in range(-STEPS // 2, STEPS // 2 + 1)
        if d and 0 <= mine + d < len(ALPHABET) ** SEQUENCE_LENGTH
    }
    assert not guesses & (real - {own[-1]}), sorted(guesses & real)
    # Two codes issued one after the other are not neighbours in the sequence space.
    values = sorted(sequence_of(c) for c in own)
    assert min(b - a for a, b in pairwise(values)) > STEPS, values


async def test_reserved_blocks_are_not_consecutive_and_the_server_takes_them(app) -> None:
    official = await make_account("outreach", COMMUNE)
    phone = await device_for(app, official)
    async with aclosing(phone.http):
        r = await reserve(phone, 30)
        assert r.status_code == 201, r.text
        codes = [c["code"] for c in r.json()["codes"]]
        assert len(set(codes)) == 30
        assert all(parse_code(c) == c and c.startswith(COMMUNE) for c in codes)
        values = sorted(sequence_of(c) for c in codes)
        assert min(b - a for a, b in pairwise(values)) > STEPS, values

        # Every one of them is accepted at submit, offline, as the phone binds them.
        dossiers = [submitted_birth(phone, reserved_code=code) for code in codes]
        outcomes = await phone.sync()
        submits = [o for o in outcomes if o["state"] == 1]
        assert [o["code"] for o in submits] == codes
        stored = {
            r["id"]: r["code"]
            for r in await Dossier.select(Dossier.id, Dossier.code).where(
                Dossier.id.is_in(dossiers)
            )
        }
        assert [stored[d] for d in dossiers] == codes


async def test_codes_issued_before_the_permutation_are_still_found(
    citizen: SyncDevice, visitor
) -> None:
    (code,) = await submit_several(citizen, 1)
    legacy = make_code(COMMUNE, vn_today().year, 3)  # as counted before
    await Dossier.update({Dossier.code: legacy}).where(Dossier.code == code)
    r = await visitor.post(
        "/api/lookup", json={"code": display(legacy).lower(), **await captcha(visitor)}
    )
    assert r.status_code == 200 and r.json()["code"] == legacy, r.text


async def test_a_code_already_taken_is_passed_over_not_issued_twice(
    app, citizen: SyncDevice
) -> None:
    """A database restored without its key row makes a new key; the codes that key
    would issue next are taken on purpose here, and are skipped, not a 5xx."""
    own = await submit_several(citizen, 2)
    await CodeKey.delete(force=True)
    key = os.urandom(32)
    await CodeKey.insert(CodeKey(id=1, key=key.hex(), created_at=dt.datetime.now(dt.UTC)))
    row = (
        await CodeCounter.select(CodeCounter.next_value)
        .where((CodeCounter.commune_code == COMMUNE) & (CodeCounter.year == vn_today().year))
        .first()
    )
    issuer = CodeIssuer(key, COMMUNE, vn_today().year)
    after = row["next_value"]
    taken = [issuer.code(after), issuer.code(after + 1)]
    for old, new in zip(own, taken, strict=True):
        await Dossier.update({Dossier.code: new}).where(Dossier.code == old)

    phone = await device_for(app, await make_account("outreach", COMMUNE))
    async with aclosing(phone.http):
        r = await reserve(phone, 3)
        assert r.status_code == 201, r.text
        assert [c["code"] for c in r.json()["codes"]] == [issuer.code(after + n) for n in (2, 3, 4)]
    (fresh,) = await submit_several(citizen, 1)
    assert fresh == issuer.code(after + 5)


# -- the permutation itself ----------------------------------------------------------------

SAMPLE = 100_000


def test_a_large_sample_of_counters_gives_distinct_checkable_codes_and_back() -> None:
    issuer = CodeIssuer(os.urandom(32), COMMUNE, 2026)
    codes = [issuer.code(n) for n in range(1, SAMPLE + 1)]
    assert len(set(codes)) == SAMPLE
    for n, code in enumerate(codes[:5_000], start=1):
        assert parse_code(code) == code  # the check character holds
        assert len(code) == 16 and code.startswith(COMMUNE + "26")
        assert issuer.counter(code) == n
    # Never below the floor, where the counted codes of before the permutation lie.
    assert min(sequence_of(c) for c in codes) >= FLOOR
    # The first N counters fill no recognisable stretch: their values spread over the space.
    values = sorted(sequence_of(c) for c in codes)
    assert (
        values[0] < FLOOR + SEQUENCE_SPACE // 1000
        and values[-1] > FLOOR + SEQUENCE_SPACE * 999 // 1000
    )


def test_the_check_character_of_minted_codes_catches_every_single_typo() -> None:
    issuer = CodeIssuer(os.urandom(32), "26734", 2026)
    for code in (issuer.code(n) for n in (1, 2, 77, 10**9)):
        for i in range(len(code)):
            for char in ALPHABET:
                if char == code[i]:
                    continue
                with pytest.raises(InvalidCode):
                    parse_code(code[:i] + char + code[i + 1 :])


@pytest.mark.parametrize("size", [2, 3, 7, 1000, 1024, 4097])
def test_the_permutation_is_a_bijection_of_small_domains_exhaustively(size: int) -> None:
    permutation = KeyedPermutation(os.urandom(32), b"00070/2026", size)
    images = [permutation.forward(x) for x in range(size)]
    assert sorted(images) == list(range(size))
    assert [permutation.backward(y) for y in images] == list(range(size))
    with pytest.raises(ValueError):
        permutation.forward(size)


def test_key_commune_and_year_each_change_the_codes() -> None:
    key = os.urandom(32)
    base = [CodeIssuer(key, COMMUNE, 2026).code(n)[7:] for n in range(1, 201)]
    for other in (
        CodeIssuer(os.urandom(32), COMMUNE, 2026),
        CodeIssuer(key, "00004", 2026),
        CodeIssuer(key, COMMUNE, 2027),
    ):
        # Knowing one's own code says nothing of another commune's, year's or server's.
        assert not set(base) & {other.code(n)[7:] for n in range(1, 201)}


# -- one key for every process -------------------------------------------------------------


async def stored_key() -> bytes:
    rows = await CodeKey.select(CodeKey.key).where(CodeKey.id == CODE_KEY_ROW)
    assert len(rows) == 1, rows
    key = bytes.fromhex(rows[0]["key"])
    assert len(key) == 32
    return key


@pytest.mark.slow  # two server processes, one restarted: tens of seconds
async def test_two_server_processes_on_one_database_mint_from_one_key(settings, tmp_path) -> None:
    """Two `motcua serve` processes (as two hosts would) on one database reserve at
    the same moment, so both reach for the key before it exists; one of them is then
    restarted. Every code either issued comes from the one stored key and one counter."""
    servers = [ServerProcess(server_env(settings), tmp_path, f"codes{i}") for i in range(2)]
    issued: list[str] = []
    async with bound_engine(settings):
        official, applicant = await insert_accounts([("outreach", COMMUNE), ("citizen", "")])
        # `motcua migrate` makes the keys; a database that has none yet (migrated before
        # it did) has them made at first use, by whichever process asks first.
        await CodeKey.delete(force=True)
        async with running(servers):
            async with AsyncExitStack() as stack:
                clients = [
                    await stack.enter_async_context(httpx.AsyncClient(base_url=s.url, timeout=60))
                    for s in servers
                ]
                phones = [
                    await sign_in_device_at(s.url, official, PASSWORD, c)
                    for s, c in zip(servers, clients, strict=True)
                ]
                answers = await asyncio.gather(*(reserve(p, 5) for p in phones))
                for r in answers:
                    assert r.status_code == 201, r.text
                    issued += [c["code"] for c in r.json()["codes"]]
                citizen_ = await sign_in_device_at(servers[1].url, applicant, PASSWORD, clients[1])
                issued += await submit_several(citizen_, 2)

            # One of them restarted: the key survived, the counter goes on.
            servers[0].stop()
            servers[0].start()
            await servers[0].wait_ready()
            async with httpx.AsyncClient(base_url=servers[0].url, timeout=60) as http:
                phone = await sign_in_device_at(servers[0].url, official, PASSWORD, http)
                r = await reserve(phone, 3)
                assert r.status_code == 201, r.text
                issued += [c["code"] for c in r.json()["codes"]]

        issuer = CodeIssuer(await stored_key(), COMMUNE, vn_today().year)
        counters = [issuer.counter(c) for c in issued]
        assert [issuer.code(n) for n in counters] == issued
        assert sorted(counters) == list(range(min(counters), min(counters) + len(issued)))
        stored = {
            r["code"] for r in await Dossier.select(Dossier.code).where(Dossier.code.is_not_null())
        }
        assert set(issued[10:12]) <= stored
