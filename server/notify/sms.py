"""SMS: the outbox's "sms" channel.

Use: inside the transaction that makes the change,
    await enqueue_sms("0912 345 678", "dossier_received", "vi", DossierReceivedParams(...))
and after the commit, optionally server.notify.worker.notify_now(). The outbox
worker (server.notify.worker) delivers SMS with the same claims, leases and backoff
as email (server.notify.claims), in its own passes (`deliver_due_sms`).

Delivery: with MOTCUA_SMS_GATEWAY_URL, an HTTP POST of JSON {"to": "+84912345678",
"text": "..."} with `Authorization: Bearer <MOTCUA_SMS_GATEWAY_TOKEN>` and an
`Idempotency-Key: <outbox message id>` header (the same on every retry, so a gateway
that honours it never sends one message twice). 2xx: sent. 5xx, 408, 429, a timeout
or no connection: tried again later with backoff. Any other 4xx: failed for good
(the gateway refuses this message). Without a gateway URL, in demo mode only, each
message is kept in the database (demo_sms) and listed at /dev/sms on every host
(server.notify.dev_sms); outside demo mode SMS wait in the outbox (server.notify.delivery).

Text: templates/sms/<template>.<lang>.txt (Jinja2), one line, at most 160
characters. With MOTCUA_SMS_UNACCENTED (the default) it is Vietnamese without
diacritics in GSM-7: one SMS. Without it the diacritics stay and the text travels
as UCS-2, in up to three concatenated parts. See server.notify.sms_text.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime
from typing import Literal, Protocol, get_args

import httpx
import msgspec
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from piccolo.engine.base import Engine

from server.clock import utcnow
from server.notify import claims
from server.notify.delivery import sms_route
from server.notify.outbox import OutsideTransaction
from server.notify.render import TEMPLATES_DIR, en_date, vi_date
from server.notify.schemas import (
    DocumentsRequestedParams,
    DossierApologyParams,
    DossierExtendedParams,
    DossierReceivedParams,
    DossierRefusedParams,
    DossierResultParams,
    DossierSubmittedParams,
    EmailParams,
    Language,
    decode_params,
    encode_params,
    language_of,
    template_of,
)
from server.notify.sms_text import prepare
from server.notify.tables import DemoSms, OutboxMessage
from server.notify.transport import DeliveryError
from server.settings import Settings
from sync.codes import CODE_LENGTH, display

log = logging.getLogger("motcua.notify")
CHANNEL = "sms"
SmsTemplateName = Literal[
    "dossier_submitted",
    "dossier_received",
    "documents_requested",
    "dossier_result",
    "dossier_refused",
    "dossier_extended",
    "dossier_apology",
]
SMS_TEMPLATES: tuple[str, ...] = get_args(SmsTemplateName)
SmsParams = (
    DossierSubmittedParams
    | DossierReceivedParams
    | DocumentsRequestedParams
    | DossierResultParams
    | DossierRefusedParams
    | DossierExtendedParams
    | DossierApologyParams
)
# Per request to the gateway; the lease of a batch is sized from it.
SEND_TIMEOUT = 15.0
KEY_PREFIX = "sms:"

# ---------------------------------------------------------------- phone numbers

_SEPARATORS = re.compile(r"[\s().\-/]")
# Vietnamese mobile numbers: 0 + 9 digits with a mobile prefix (03, 05, 07, 08, 09).
_VN_MOBILE = re.compile(r"^[35789][0-9]{8}$")


def is_phone(text: str) -> bool:
    try:
        normalize_phone(text)
    except ValueError:
        return False
    return True


def normalize_phone(text: str) -> str:
    """A mobile number in E.164 ("+84912345678"), from the ways people write it:
    "0912 345 678", "0912.345.678", "84912345678", "+84 912 345 678", or a foreign
    number with its "+" or "00". ValueError when it is not one."""
    raw = _SEPARATORS.sub("", text.strip())
    if raw.startswith("+"):
        digits, international = raw[1:], True
    elif raw.startswith("00"):
        digits, international = raw[2:], True
    else:
        digits, international = raw, False
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"not a phone number: {text!r}")
    if not international:
        if len(digits) == 10 and digits.startswith("0"):
            digits = "84" + digits[1:]
        elif not (len(digits) == 11 and digits.startswith("84")):
            raise ValueError(f"not a Vietnamese mobile number: {text!r}")
    if digits.startswith("84"):
        if not _VN_MOBILE.match(digits[2:]):
            raise ValueError(f"not a Vietnamese mobile number: {text!r}")
    elif not 8 <= len(digits) <= 15:
        raise ValueError(f"not a phone number: {text!r}")
    return "+" + digits


# ---------------------------------------------------------------- enqueue


async def enqueue_sms(
    phone: str,
    template: SmsTemplateName,
    lang: Language,
    params: SmsParams,
    key: str | None = None,
) -> uuid.UUID:
    """Add an SMS to the outbox inside the caller's open transaction, so it is sent
    if and only if that transaction commits. With `key`, a second call with the same
    key (even after sending) adds nothing and returns the first message's id; SMS
    keys are kept apart from email keys, so one key may name both of an event's
    messages. `phone` is normalized (normalize_phone); ValueError when it is not a
    mobile number, the template has no SMS, or the parameters belong to another."""
    engine = OutboxMessage._meta.db
    if engine.current_transaction.get() is None:
        raise OutsideTransaction("enqueue_sms must run inside the caller's transaction")
    if template not in SMS_TEMPLATES:
        raise ValueError(f"template {template!r} has no SMS (one of {', '.join(SMS_TEMPLATES)})")
    if template_of(params) != template:
        raise ValueError(f"{type(params).__name__} are not parameters of template {template!r}")
    if lang not in ("vi", "en"):
        raise ValueError(f"unsupported language {lang!r}")
    recipient = normalize_phone(phone)
    if key is not None and not 0 < len(key) <= 200 - len(KEY_PREFIX):
        raise ValueError(f"an SMS key has 1 to {200 - len(KEY_PREFIX)} characters")
    message_key = KEY_PREFIX + key if key is not None else None

    now = utcnow()
    inserted = await (
        OutboxMessage.insert(
            OutboxMessage(
                id=uuid.uuid4(),
                channel=CHANNEL,
                recipient=recipient,
                template=template,
                language=lang,
                params=encode_params(params),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                message_key=message_key,
            )
        )
        .on_conflict(target=OutboxMessage.message_key, action="DO NOTHING")
        .returning(OutboxMessage.id)
    )
    if inserted:
        return _as_uuid(inserted[0]["id"])
    existing = (
        await OutboxMessage.select(OutboxMessage.id)
        .where(OutboxMessage.message_key == message_key)
        .first()
    )
    assert existing is not None  # the conflict was on this key
    return _as_uuid(existing["id"])


# ---------------------------------------------------------------- text


def _code(value: str) -> str:
    return display(value) if len(value) == CODE_LENGTH else value


_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR / "sms"),
    autoescape=False,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["vi_date"] = vi_date
_env.filters["en_date"] = en_date
_env.filters["code"] = _code


def render_sms(params: EmailParams, lang: Language, *, unaccented: bool = True) -> str:
    """The one-line text of an SMS, within one message's length; ValueError for
    parameters of a template without an SMS."""
    name = template_of(params)
    if name not in SMS_TEMPLATES:
        raise ValueError(f"template {name!r} has no SMS")
    if lang not in ("vi", "en"):
        raise ValueError(f"unsupported language {lang!r}")
    text = _env.get_template(f"{name}.{lang}.txt").render(msgspec.structs.asdict(params))
    return prepare(text, unaccented=unaccented)


# ---------------------------------------------------------------- transports


class SmsTransport(Protocol):
    async def send(self, message_id: uuid.UUID, to: str, text: str) -> None:
        """Deliver, or raise DeliveryError."""
        ...

    async def aclose(self) -> None: ...


class GatewayTransport:
    """An HTTP SMS gateway: POST JSON {to, text}, bearer token, idempotency key."""

    def __init__(self, url: str, token: str = "", *, timeout: float = SEND_TIMEOUT) -> None:
        self._url = url
        self._token = token
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=False)

    async def send(self, message_id: uuid.UUID, to: str, text: str) -> None:
        headers = {"Idempotency-Key": str(message_id)}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = await self._client.post(
                self._url, json={"to": to, "text": text}, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"gateway timeout: {type(exc).__name__}", connection=True) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"gateway unreachable: {type(exc).__name__}: {exc}", connection=True
            ) from exc
        status = response.status_code
        if 200 <= status < 300:
            return
        reason = f"gateway answered {status}: {response.text[:300]}"
        if status >= 500 or status in (408, 429):
            raise DeliveryError(reason)  # the gateway's trouble: tried again
        if 400 <= status < 500:
            raise DeliveryError(reason, permanent=True)  # this message is refused
        # 1xx/3xx: a gateway URL that points somewhere else; someone may fix it.
        raise DeliveryError(reason, connection=True)

    async def aclose(self) -> None:
        await self._client.aclose()


_announced = False


class DemoSmsTransport:
    """Demo mode: a row of demo_sms per message (a re-delivery replaces it), listed
    at /dev/sms."""

    def __init__(self, base_url: str = "") -> None:
        global _announced
        if not _announced:
            _announced = True
            log.warning(
                "no SMS gateway (MOTCUA_SMS_GATEWAY_URL): SMS are kept in the database and listed at %s/dev/sms",
                base_url,
            )

    async def send(self, message_id: uuid.UUID, to: str, text: str) -> None:
        row = DemoSms(id=message_id, recipient=to, text=text, delivered_at=utcnow())
        await DemoSms.insert(row).on_conflict(
            target=DemoSms.id,
            action="DO UPDATE",
            values=[DemoSms.recipient, DemoSms.text, DemoSms.delivered_at],
        )

    async def aclose(self) -> None:
        return None


def sms_transport_for(settings: Settings) -> SmsTransport | None:
    """None when SMS are not delivered at all (no gateway outside demo mode)."""
    route = sms_route(settings)
    if route == "gateway":
        return GatewayTransport(settings.sms_gateway_url, settings.sms_gateway_token)
    if route == "demo":
        return DemoSmsTransport(settings.base_url)
    return None


# ---------------------------------------------------------------- delivery


async def deliver_due_sms(
    engine: Engine,
    settings: Settings,
    limit: int,
    *,
    now: datetime | None = None,
    transport: SmsTransport | None = None,
) -> int:
    """One pass over the SMS channel: claim up to `limit` due messages, send them,
    record each outcome; returns how many were sent. `now` (UTC) lets tests move the
    clock; without `transport` one is made from the settings for this pass. With no
    channel for SMS (server.notify.delivery) nothing is claimed: the messages wait."""
    own = transport is None
    transport = transport or sms_transport_for(settings)
    if transport is None:
        return 0
    try:
        return await _deliver(engine, settings, limit, now, transport)
    finally:
        if own:
            await transport.aclose()


async def _deliver(
    engine: Engine, settings: Settings, limit: int, now: datetime | None, transport: SmsTransport
) -> int:
    return await claims.deliver_pass(
        engine,
        channel=CHANNEL,
        now=now,
        limit=limit,
        send_timeout=SEND_TIMEOUT,
        max_attempts=settings.sms_max_attempts,
        attempt=lambda item: _attempt(item, settings, transport),
        log=log,
        what="outbox SMS",
        shown=_masked,
    )


async def _attempt(
    item: claims.Claimed, settings: Settings, transport: SmsTransport
) -> DeliveryError | None:
    try:
        params = decode_params(item.params)
        text = render_sms(params, language_of(item.language), unaccented=settings.sms_unaccented)
    except Exception as exc:  # a template or data bug: never sendable
        log.exception("outbox SMS %s cannot be rendered", item.id)
        return DeliveryError(f"{type(exc).__name__}: {exc}", permanent=True)
    try:
        await transport.send(item.id, item.recipient, text)
    except DeliveryError as exc:
        return exc
    except Exception as exc:  # e.g. the sink's disk is full: worth another try
        log.exception("outbox SMS %s: unexpected delivery error", item.id)
        return DeliveryError(f"{type(exc).__name__}: {exc}")
    return None


def _masked(phone: str) -> str:
    # Logs need to tell messages apart, not to hold phone numbers.
    return phone[:4] + "*" * max(0, len(phone) - 7) + phone[-3:]


def _as_uuid(value: object) -> uuid.UUID:
    return value if type(value) is uuid.UUID else uuid.UUID(str(value))
