"""Challenges: issue one (answer stored, picture returned), read it aloud, consume it
once, and purge the old ones.

The answer is five characters from an alphabet without look-alikes. The picture and
the sound come from the `captcha` package: ImageCaptcha with its bundled
DroidSansMono font, AudioCaptcha with its bundled voice files (one English
recording per digit and letter, 8 kHz 8-bit mono), so nothing is generated or
downloaded at run time.

Consuming is one counted `UPDATE ... SET used_at WHERE id AND used_at IS NULL AND
expires_at > now RETURNING answer`: of two concurrent attempts exactly one gets the
row back, and it is marked used before the answer is even compared, so a wrong
answer burns the challenge too. It runs outside any transaction, so the mark is
committed before the verdict is known and no rollback can hand the picture back
for another guess."""

from __future__ import annotations

import base64
import hmac
import logging
import secrets
import threading
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio.to_thread
import msgspec
from captcha.audio import AudioCaptcha
from captcha.image import ImageCaptcha

from server.identity.captcha.tables import CaptchaChallenge
from server.problems import FieldError, ProblemError

log = logging.getLogger("motcua.captcha")

# No 0/O, no 1/I/L: what the picture shows can be typed back without guessing.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ANSWER_LENGTH = 5
TTL = timedelta(minutes=5)
# Expired challenges are kept this long (for the record of who asked), then purged.
PURGE_AFTER = timedelta(days=1)
IMAGE_SIZE = (200, 70)

_FIELD_MESSAGES = {
    "captcha_invalid": "Mã xác nhận không đúng. Hãy nhập mã trong ảnh mới.",
    "captcha_expired": "Mã xác nhận đã hết hạn. Hãy lấy mã mới.",
    "captcha_used": "Mã xác nhận đã được dùng. Hãy lấy mã mới.",
}


class IssuedCaptcha(msgspec.Struct, frozen=True):
    id: uuid.UUID
    png: bytes
    expires_at: datetime

    @property
    def image_data_url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    @property
    def audio_url(self) -> str:
        return f"/api/captcha/{self.id}/audio"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def new_answer() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(ANSWER_LENGTH))


def normalize_answer(raw: str | None) -> str:
    """What the person typed, compared case-insensitively: full-width forms folded
    (NFKC), every space removed, upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(text.split()).upper()


# --- rendering (CPU-bound: run in a worker thread) -------------------------------

_image_lock = threading.Lock()
_audio_lock = threading.Lock()
_image: ImageCaptcha | None = None
_audio: AudioCaptcha | None = None


def render_png(answer: str) -> bytes:
    global _image
    # FreeType faces are not safe to share between threads; a picture takes ~20 ms.
    with _image_lock:
        if _image is None:
            _image = ImageCaptcha(width=IMAGE_SIZE[0], height=IMAGE_SIZE[1])
        return _image.generate(answer, format="png").getvalue()


def _audio_captcha() -> AudioCaptcha:
    global _audio
    with _audio_lock:
        if _audio is None:
            audio = AudioCaptcha()  # the package's own voice files
            audio.load()
            missing = set(ALPHABET) - set(audio.choices)
            if missing:
                raise RuntimeError(f"captcha voice files missing for {sorted(missing)}")
            _audio = audio
        return _audio


def render_wav(answer: str) -> bytes:
    # Read-only once loaded; pure Python, ~0.25 s for five characters.
    return bytes(_audio_captcha().generate(answer))


# --- challenges ------------------------------------------------------------------


def _parse_id(challenge_id: uuid.UUID | str | None) -> uuid.UUID | None:
    if isinstance(challenge_id, uuid.UUID):
        return challenge_id
    try:
        return uuid.UUID(str(challenge_id))
    except (TypeError, ValueError):
        return None


def _refused(code: str) -> ProblemError:
    return ProblemError(
        400, code, errors=[FieldError(path="captcha", message=_FIELD_MESSAGES[code], code=code)]
    )


async def create_captcha(client_ip: str = "") -> IssuedCaptcha:
    """Store a new challenge and return its picture."""
    answer = new_answer()
    png = await anyio.to_thread.run_sync(render_png, answer)
    now = utc_now()
    challenge_id = uuid.uuid4()
    expires_at = now + TTL
    await CaptchaChallenge.insert(
        CaptchaChallenge(
            id=challenge_id,
            answer=answer,
            created_at=now,
            expires_at=expires_at,
            used_at=None,
            client_ip=(client_ip or "")[:45],
        )
    )
    return IssuedCaptcha(id=challenge_id, png=png, expires_at=expires_at)


async def captcha_audio(challenge_id: uuid.UUID | str) -> bytes:
    """The answer of a live challenge read aloud, as a WAV file.
    404 for an unknown id, 410 once it is used or expired."""
    cid = _parse_id(challenge_id)
    row = None
    if cid is not None:
        row = (
            await CaptchaChallenge.select(
                CaptchaChallenge.answer, CaptchaChallenge.used_at, CaptchaChallenge.expires_at
            )
            .where(CaptchaChallenge.id == cid)
            .first()
        )
    if row is None:
        raise ProblemError(404, "not_found")
    if row["used_at"] is not None:
        raise ProblemError(410, "captcha_used")
    if row["expires_at"] <= utc_now():
        raise ProblemError(410, "captcha_expired")
    return await anyio.to_thread.run_sync(render_wav, row["answer"])


async def consume_captcha(challenge_id: uuid.UUID | str, answer: str) -> None:
    """Accept `answer` for the challenge once, or raise ProblemError(400) with code
    captcha_invalid (unknown challenge or wrong answer), captcha_expired or
    captcha_used, and a FieldError on path "captcha".

    Any attempt on a live challenge uses it up, right or wrong: the mark commits on
    its own, so call this outside a transaction."""
    if CaptchaChallenge._meta.db.current_transaction.get() is not None:
        raise RuntimeError("consume_captcha commits on its own; call it outside a transaction")
    cid = _parse_id(challenge_id)
    if cid is None:
        raise _refused("captcha_invalid")
    now = utc_now()
    rows = await (
        CaptchaChallenge.update({CaptchaChallenge.used_at: now})
        .where(
            (CaptchaChallenge.id == cid)
            & CaptchaChallenge.used_at.is_null()
            & (CaptchaChallenge.expires_at > now)
        )
        .returning(CaptchaChallenge.answer)
    )
    if len(rows) != 1:
        raise _refused(await _why_unusable(cid))
    expected = str(rows[0]["answer"]).encode()
    if not hmac.compare_digest(normalize_answer(answer).encode(), expected):
        raise _refused("captcha_invalid")


async def _why_unusable(cid: uuid.UUID) -> str:
    row = (
        await CaptchaChallenge.select(CaptchaChallenge.used_at)
        .where(CaptchaChallenge.id == cid)
        .first()
    )
    if row is None:
        return "captcha_invalid"
    if row["used_at"] is not None:
        return "captcha_used"
    return "captcha_expired"


async def purge_expired_captchas(now: datetime | None = None) -> int:
    """Delete challenges that expired more than a day ago; returns how many.
    Meant to be called periodically (e.g. hourly) by the server."""
    cutoff = (now or utc_now()) - PURGE_AFTER
    rows = await (
        CaptchaChallenge.delete()
        .where(CaptchaChallenge.expires_at < cutoff)
        .returning(CaptchaChallenge.id)
    )
    return len(rows)
