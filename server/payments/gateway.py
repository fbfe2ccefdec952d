"""An online payment gateway over HTTP: the level-4 fee paid away from the desk.

The contract (any gateway, or a small bridge in front of one, can implement it):

Request — POST <MOTCUA_PAYMENT_GATEWAY_URL>, `Content-Type: application/json`:

    {"reference": "PG2611220001", "dossier_code": "0007026110000123",
     "dossier_id": "<uuid>", "amount": 16000, "currency": "VND"}

with the headers
    X-Motcua-Key: <MOTCUA_PAYMENT_API_KEY>
    X-Motcua-Timestamp: <Unix time, seconds>
    X-Motcua-Nonce: <32 random hex digits, new for each request>
    X-Motcua-Signature: sha256=<hex HMAC-SHA256(MOTCUA_PAYMENT_API_SECRET,
                                 "<timestamp>.<nonce>." + the body's bytes)>
The gateway should refuse (401) a wrong key or signature, a timestamp more than five
minutes away from its clock, and a nonce it has seen: a captured request can then
neither be altered nor replayed.

Answers:
- 200, what the gateway knows of the reference:
      {"reference": "PG2611220001", "status": "paid" | "pending" | "failed" | "refunded",
       "amount": 16000, "currency": "VND", "paid_at": "2026-11-22T03:04:05Z" | null (RFC 3339, UTC
       when it has no offset),
       "dossier_code": "0007026110000123" | null}
  signed with `X-Motcua-Signature: sha256=<hex HMAC-SHA256(secret, "<the request's
  nonce>." + the answer's bytes)>`, so an answer cannot be forged, altered or replayed
  for another request by anyone without the secret. An unsigned or wrongly signed 200
  is not trusted.
- 404: no such reference.
- 408, 429, 5xx, a timeout or no connection: the gateway is unavailable; the desk is
  told to try again (nothing is recorded).
- Anything else (401/403 for our credentials, other 4xx, 3xx): an error someone must
  look at; the desk gets 502.

The payment counts when the status is "paid", the currency VND, the amount the fee
asked for, and the dossier code (when the gateway gives one) the dossier's own; see
server.payments.provider.verify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Literal

import httpx
import msgspec

from server.clock import utcnow
from server.payments.provider import (
    PaymentConfirmation,
    PaymentQuery,
    PaymentStatus,
    ProviderError,
    ProviderUnavailable,
    UnknownReference,
)

SIGNATURE_PREFIX = "sha256="


class GatewayRequest(msgspec.Struct, frozen=True):
    reference: str
    dossier_code: str | None
    dossier_id: str
    amount: int
    currency: Literal["VND"] = "VND"


class GatewayAnswer(msgspec.Struct, frozen=True):
    reference: str
    status: PaymentStatus
    amount: int
    currency: str
    paid_at: dt.datetime | None = None
    dossier_code: str | None = None


def request_signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{nonce}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def answer_signature(secret: str, nonce: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{nonce}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


class GatewayProvider:
    """POST the reference to the gateway, trust only a signed answer."""

    online = True

    def __init__(
        self, name: str, url: str, api_key: str, api_secret: str, *, timeout: float
    ) -> None:
        self.name = name
        self._url = url
        self._key = api_key
        self._secret = api_secret
        self._timeout = timeout

    async def look_up(self, query: PaymentQuery) -> PaymentConfirmation:
        body = msgspec.json.encode(
            GatewayRequest(
                reference=query.reference,
                dossier_code=query.dossier_code,
                dossier_id=str(query.dossier_id),
                amount=query.amount,
            )
        )
        timestamp, nonce = str(int(utcnow().timestamp())), secrets.token_hex(16)
        headers = {
            "Content-Type": "application/json",
            "X-Motcua-Key": self._key,
            "X-Motcua-Timestamp": timestamp,
            "X-Motcua-Nonce": nonce,
            "X-Motcua-Signature": request_signature(self._secret, timestamp, nonce, body),
        }
        # A client per look-up: verifications are rare (one per payment), and a
        # lasting client would need closing at shutdown for nothing.
        try:
            async with httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout), follow_redirects=False
            ) as client:
                response = await client.post(self._url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise ProviderUnavailable(
                self.name, f"{self.name} did not answer in {self._timeout:g} s"
            ) from exc
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(
                self.name, f"{self.name} is unreachable: {type(exc).__name__}"
            ) from exc
        return self._read(query, nonce, response)

    def _read(
        self, query: PaymentQuery, nonce: str, response: httpx.Response
    ) -> PaymentConfirmation:
        status = response.status_code
        if status == 404:
            raise UnknownReference(
                self.name, query.reference, f"{self.name} has no payment {query.reference}"
            )
        if status >= 500 or status in (408, 429):
            raise ProviderUnavailable(self.name, f"{self.name} answered {status}")
        if status != 200:
            raise ProviderError(self.name, f"{self.name} answered {status}: {response.text[:200]}")
        expected = answer_signature(self._secret, nonce, response.content)
        signature = response.headers.get("X-Motcua-Signature", "")
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise ProviderError(self.name, f"{self.name}'s answer is not signed with our secret")
        try:
            answer = msgspec.json.decode(response.content, type=GatewayAnswer)
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
            raise ProviderError(
                self.name, f"{self.name} answered an unreadable body: {exc}"
            ) from None
        if answer.currency != "VND":
            raise ProviderError(self.name, f"{self.name} answered in {answer.currency}, not VND")
        paid_at = answer.paid_at
        if (
            paid_at is not None and paid_at.tzinfo is None
        ):  # no zone given: UTC, as the contract says
            paid_at = paid_at.replace(tzinfo=dt.UTC)
        return PaymentConfirmation(
            provider=self.name,
            reference=answer.reference,
            amount=answer.amount,
            paid_at=paid_at,
            status=answer.status,
            dossier_code=answer.dossier_code,
        )
