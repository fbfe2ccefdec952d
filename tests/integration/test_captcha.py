"""The robot check: picture, sound, single use, on both engines.

The answer is read from the database (the table is bound to the app's engine while
the `client` fixture runs): that is the test's oracle."""

from __future__ import annotations

import asyncio
import base64
import io
import uuid
import wave
from datetime import timedelta

import httpx
import pytest

from server.clock import utcnow
from server.database import write_transaction
from server.identity.captcha.service import (
    ALPHABET,
    ANSWER_LENGTH,
    consume_captcha,
    purge_expired_captchas,
)
from server.identity.captcha.tables import CaptchaChallenge
from server.problems import ProblemError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:image/png;base64,"


async def new_captcha(client: httpx.AsyncClient) -> dict:
    response = await client.post("/api/captcha")
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


async def answer_of(challenge_id: str) -> str:
    row = (
        await CaptchaChallenge.select(CaptchaChallenge.answer)
        .where(CaptchaChallenge.id == uuid.UUID(challenge_id))
        .first()
    )
    assert row is not None
    return row["answer"]


async def row_of(challenge_id: str) -> dict:
    row = (
        await CaptchaChallenge.select()
        .where(CaptchaChallenge.id == uuid.UUID(challenge_id))
        .first()
    )
    assert row is not None
    return row


async def refused(challenge_id, answer) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        await consume_captcha(challenge_id, answer)
    exc = caught.value
    assert exc.status == 400
    assert exc.errors and exc.errors[0].path == "captcha"
    assert exc.errors[0].code == exc.code
    return exc


def wrong(answer: str) -> str:
    # Same length and alphabet, one character different.
    replacement = ALPHABET[(ALPHABET.index(answer[0]) + 1) % len(ALPHABET)]
    return replacement + answer[1:]


async def test_new_captcha_is_a_png_with_an_answer_from_the_alphabet(client) -> None:
    body = await new_captcha(client)
    assert set(body) == {"id", "image", "audio_url", "expires_at"}
    assert body["audio_url"] == f"/api/captcha/{body['id']}/audio"
    assert body["image"].startswith(DATA_URL_PREFIX)
    png = base64.b64decode(body["image"][len(DATA_URL_PREFIX) :], validate=True)
    assert png.startswith(PNG_MAGIC)
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.verify()
        assert image.format == "PNG"
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (200, 70)

    row = await row_of(body["id"])
    assert len(row["answer"]) == ANSWER_LENGTH
    assert set(row["answer"]) <= set(ALPHABET)
    assert not set(row["answer"]) & set("0O1IL2Z")
    assert row["used_at"] is None
    assert row["client_ip"] != ""
    lifetime = row["expires_at"] - row["created_at"]
    assert timedelta(minutes=4, seconds=59) < lifetime <= timedelta(minutes=5)


async def test_audio_is_a_wav(client) -> None:
    body = await new_captcha(client)
    response = await client.get(body["audio_url"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("audio/wav")
    assert response.headers["cache-control"] == "no-store"
    wav = response.content
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    with wave.open(io.BytesIO(wav)) as w:
        assert w.getnchannels() == 1
        assert w.getframerate() == 16000
        # Five spoken characters with pauses between them.
        assert w.getnframes() / w.getframerate() > 4


async def test_audio_of_unknown_used_or_expired_challenge_is_refused(client) -> None:
    response = await client.get(f"/api/captcha/{uuid.uuid4()}/audio")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/captcha/not-a-uuid/audio")).status_code == 404

    used = await new_captcha(client)
    await consume_captcha(used["id"], await answer_of(used["id"]))
    response = await client.get(used["audio_url"], headers={"Accept-Language": "en"})
    assert response.status_code == 410
    assert response.json()["type"] == "/problems/captcha_used"

    expired = await new_captcha(client)
    await CaptchaChallenge.update(
        {CaptchaChallenge.expires_at: utcnow() - timedelta(seconds=1)}
    ).where(CaptchaChallenge.id == uuid.UUID(expired["id"]))
    response = await client.get(expired["audio_url"])
    assert response.status_code == 410
    problem = response.json()
    assert problem["type"] == "/problems/captcha_expired"
    assert problem["title"] == "Mã xác nhận đã hết hạn, vui lòng lấy mã mới"


async def test_right_answer_is_accepted_once_ignoring_case(client) -> None:
    body = await new_captcha(client)
    answer = await answer_of(body["id"])
    typed = " " + " ".join(answer.lower()) + " "
    await consume_captcha(body["id"], typed)
    assert (await row_of(body["id"]))["used_at"] is not None

    again = await refused(body["id"], answer)
    assert again.code == "captcha_used"


async def test_wrong_answer_is_refused_and_burns_the_challenge(client) -> None:
    body = await new_captcha(client)
    answer = await answer_of(body["id"])
    exc = await refused(body["id"], wrong(answer))
    assert exc.code == "captcha_invalid"
    assert (await row_of(body["id"]))["used_at"] is not None
    # The right answer comes too late: one attempt per picture.
    assert (await refused(body["id"], answer)).code == "captcha_used"


async def test_expired_challenge_is_refused(client) -> None:
    body = await new_captcha(client)
    answer = await answer_of(body["id"])
    await CaptchaChallenge.update(
        {CaptchaChallenge.expires_at: utcnow() - timedelta(seconds=1)}
    ).where(CaptchaChallenge.id == uuid.UUID(body["id"]))
    assert (await refused(body["id"], answer)).code == "captcha_expired"
    assert (await row_of(body["id"]))["used_at"] is None


async def test_unknown_challenge_is_invalid(client) -> None:
    assert (await refused(uuid.uuid4(), "ABCDE")).code == "captcha_invalid"
    assert (await refused("not-a-uuid", "ABCDE")).code == "captcha_invalid"
    assert (await refused(None, "ABCDE")).code == "captcha_invalid"


async def test_concurrent_double_use_has_exactly_one_winner(client) -> None:
    for _ in range(3):
        body = await new_captcha(client)
        answer = await answer_of(body["id"])
        results = await asyncio.gather(
            *(consume_captcha(body["id"], answer) for _ in range(4)), return_exceptions=True
        )
        successes = [r for r in results if r is None]
        failures = [r for r in results if r is not None]
        assert len(successes) == 1, results
        assert all(isinstance(f, ProblemError) and f.code == "captcha_used" for f in failures)


async def test_consuming_inside_a_transaction_is_refused(client) -> None:
    # A rollback must never hand a spent picture back for another guess.
    engine = CaptchaChallenge._meta.db
    body = await new_captcha(client)
    answer = await answer_of(body["id"])
    with pytest.raises(RuntimeError, match="outside a transaction"):
        async with write_transaction(engine):
            await consume_captcha(body["id"], answer)
    assert (await row_of(body["id"]))["used_at"] is None


async def test_purge_deletes_challenges_expired_over_a_day_ago(client) -> None:
    ids = [(await new_captcha(client))["id"] for _ in range(3)]
    old, recent, live = (uuid.UUID(i) for i in ids)
    now = utcnow()
    await CaptchaChallenge.update(
        {CaptchaChallenge.expires_at: now - timedelta(days=1, minutes=1)}
    ).where(CaptchaChallenge.id == old)
    await CaptchaChallenge.update({CaptchaChallenge.expires_at: now - timedelta(hours=23)}).where(
        CaptchaChallenge.id == recent
    )

    assert await purge_expired_captchas() >= 1
    remaining = {
        r["id"]
        for r in await CaptchaChallenge.select(CaptchaChallenge.id).where(
            CaptchaChallenge.id.is_in([old, recent, live])
        )
    }
    assert remaining == {recent, live}
    assert await purge_expired_captchas() == 0
