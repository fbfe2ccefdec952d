"""Challenges: issue one (answer stored, picture returned), read it aloud, consume it
once, and purge the old ones.

The answer is five characters from an alphabet without look-alikes. The picture
comes from the `captcha` package (ImageCaptcha with its bundled DroidSansMono font),
in a dark ink and with a noise curve that never passes for a character (`Picture`).
The sound is made only when asked for, by espeak-ng in Vietnamese with a different
voice for every character (see speech.py), at most a few at a time per process and
off the event loop; it is kept in the challenge's row, so every process serves the
same sound and renders it once. (The package's own AudioCaptcha matched its public
voice files closely enough for a program to read it.)

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
from datetime import datetime, timedelta
from typing import Any

import anyio
import anyio.to_thread
import msgspec
from captcha.image import ImageCaptcha
from PIL.Image import Image
from PIL.ImageDraw import Draw

from server.clock import utcnow
from server.identity.captcha.speech import SpeechUnavailable, render_wav
from server.identity.captcha.tables import CaptchaChallenge
from server.problems import FieldError, ProblemError
from server.ratelimit.service import hit

log = logging.getLogger("motcua.captcha")

# What the picture shows can be typed back without guessing, and what is heard told
# apart. Left out, in the picture's font (DroidSansMono, turned and warped):
# 0 O D Q (rounds), 1 I L T (a stem with a bar), 2 Z, S (taken for 5) and B (for 8).
# By ear: G ("giê", heard as "dê"), F J W (not Vietnamese letters), D (its "dê" is
# "vê" in the southern accent), S ("ét xì", heard as X's "ích xì"), E ("e", the first
# half of R's "e rờ"). tests/unit/test_captcha_legibility.py checks both.
ALPHABET = "3456789ACHKMNPRUVXY"
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


def new_answer() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(ANSWER_LENGTH))


# A character never in the answer, typed for the one of the alphabet it looks like
# there (a turned 5 reads as S): read as that one. Only where the look-alike is
# single; 0, O, 1, I, 2, Z have none left in the alphabet.
_TYPED_FOR = str.maketrans({"S": "5", "B": "8", "G": "6"})


def normalize_answer(raw: str | None) -> str:
    """What the person typed, compared case-insensitively: full-width forms folded
    (NFKC), every space removed, upper case, look-alikes read as meant (_TYPED_FOR)."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(text.split()).upper().translate(_TYPED_FOR)


# --- rendering (CPU-bound: run in a worker thread) -------------------------------

_image_lock = threading.Lock()
_image: Picture | None = None
# Audio renders at once in this process (each ~0.15 s of CPU, mostly espeak-ng); more
# wait their turn instead of taking every core.
_audio_renders = anyio.CapacityLimiter(2)
# Each channel of the characters' ink at most this: on the package's palest to whitest
# grounds (238-255) the characters keep a contrast of 5.9:1 or more (WCAG asks 4.5).
INK_MAX = 90


def ink() -> tuple[int, int, int, int]:
    """A random dark colour, opaque (the package's own may be pale and translucent)."""
    red, green, blue = (10 + secrets.randbelow(INK_MAX - 9) for _ in range(3))
    return red, green, blue, 255


class Picture(ImageCaptcha):
    """The package's picture with three changes. Its characters are pasted through a mask
    made from their own lightness, so a dark ink came out pale and see-through: here
    the mask is scaled to the ink, and the characters are solid. Its noise curve is a
    long, shallow bowl (at least half the picture wide, at most a quarter of it deep)
    under or through the characters; the package's may be a short, steep arc, which
    reads as a 1 or an I. And its characters are turned less (below)."""

    # The package turns each character up to 30° either way: a 7 turned 25° to the left
    # stands up as a 1, a 4 or an N leans into another. Half that keeps each itself.
    character_rotate = (-15, 15)

    def create_captcha_image(self, chars: str, color: Any, background: Any) -> Image:
        # PIL's "L" lightness of the ink is what a fully inked pixel's mask is made from.
        ink_lightness = max(1, (299 * color[0] + 587 * color[1] + 114 * color[2]) // 1000)
        self.lookup_table = [min(255, i * 255 // ink_lightness) for i in range(256)]
        return super().create_captcha_image(chars, color, background)

    @staticmethod
    def create_noise_curve(image: Image, color: Any) -> Image:
        w, h = image.size
        x1 = secrets.randbelow(w // 5 + 1)
        x2 = x1 + w * 3 // 5 + secrets.randbelow(w - x1 - w * 3 // 5 + 1)
        y1 = h // 5 + secrets.randbelow(h // 5 + 1)
        y2 = y1 + h // 6 + secrets.randbelow(h // 6 + 1)
        # The lower half of the ellipse in (x1, y1, x2, y2), a little more at each end.
        start, end = secrets.randbelow(21), 160 + secrets.randbelow(41)
        Draw(image).arc([x1, y1, x2, y2], start, end, fill=color)
        return image


def render_png(answer: str) -> bytes:
    global _image
    # FreeType faces are not safe to share between threads; a picture takes ~20 ms.
    with _image_lock:
        if _image is None:
            _image = Picture(width=IMAGE_SIZE[0], height=IMAGE_SIZE[1])
        return _image.generate(answer, format="png", fg_color=ink()).getvalue()


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
    now = utcnow()
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


async def captcha_audio(challenge_id: uuid.UUID | str, client_ip: str = "") -> bytes:
    """The answer of a live challenge read aloud, as a WAV file: the kept one, or
    rendered now (counted against the address's `captcha_audio:ip` limit) and kept.
    404 for an unknown id, 410 once it is used or expired, 429 over the limit."""
    cid = _parse_id(challenge_id)
    row = await _live_row(cid)
    if row["audio"] is not None:
        return bytes(row["audio"])
    await hit("captcha_audio:ip", client_ip)
    try:
        wav = await anyio.to_thread.run_sync(render_wav, row["answer"], limiter=_audio_renders)
    except SpeechUnavailable as exc:
        log.error("robot check audio unavailable: %s", exc)
        raise ProblemError(503, "captcha_audio_unavailable") from exc
    # Kept only if no other request kept one first: everyone gets the same sound.
    await CaptchaChallenge.update({CaptchaChallenge.audio: wav}).where(
        (CaptchaChallenge.id == cid)
        & CaptchaChallenge.audio.is_null()
        & CaptchaChallenge.used_at.is_null()
    )
    kept = await _live_row(cid)
    return bytes(kept["audio"]) if kept["audio"] is not None else wav


async def captcha_answer(challenge_id: uuid.UUID | str) -> str:
    """The answer of a live challenge, for demo mode's "show the answer": 404 for an
    unknown id, 410 once used or expired. It uses nothing up."""
    row = await _live_row(_parse_id(challenge_id))
    return row["answer"]


async def _live_row(cid: uuid.UUID | None) -> dict[str, Any]:
    row = None
    if cid is not None:
        row = (
            await CaptchaChallenge.select(
                CaptchaChallenge.answer,
                CaptchaChallenge.used_at,
                CaptchaChallenge.expires_at,
                CaptchaChallenge.audio,
            )
            .where(CaptchaChallenge.id == cid)
            .first()
        )
    if row is None:
        raise ProblemError(404, "not_found")
    if row["used_at"] is not None:
        raise ProblemError(410, "captcha_used")
    if row["expires_at"] <= utcnow():
        raise ProblemError(410, "captcha_expired")
    return row


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
    now = utcnow()
    rows = await (
        CaptchaChallenge.update({CaptchaChallenge.used_at: now, CaptchaChallenge.audio: None})
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
    """Delete challenges that expired more than a day ago; returns how many. The
    sound of any expired one goes at once. Called periodically by the server."""
    now = now or utcnow()
    await CaptchaChallenge.update({CaptchaChallenge.audio: None}).where(
        (CaptchaChallenge.expires_at <= now) & CaptchaChallenge.audio.is_not_null()
    )
    cutoff = now - PURGE_AFTER
    rows = await (
        CaptchaChallenge.delete()
        .where(CaptchaChallenge.expires_at < cutoff)
        .returning(CaptchaChallenge.id)
    )
    return len(rows)
