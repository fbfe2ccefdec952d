"""A real HTTP payment gateway for tests: a tiny ASGI app served by uvicorn on
127.0.0.1 in its own thread, speaking the contract of server/payments/gateway.py.

It holds the payments people made (`pay`), checks every request's key, timestamp,
nonce and HMAC signature itself (with hmac, not the server's helpers, so a mistake
in either shows), signs its answers, and can be told to fail the next N requests
with a status, to hang on them past the client's timeout, or to sign its answers
with another secret (a forger without our secret)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field

from tests.support.smtp import free_port
from tests.support.threaded_asgi import ThreadedASGI

API_KEY = "motcua-test-key"
API_SECRET = "motcua test secret: 32 bytes or more, never reused"
MAX_SKEW_SECONDS = 300


@dataclass
class GatewayPayment:
    reference: str
    dossier_code: str | None
    amount: int
    status: str = "paid"
    paid_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())


@dataclass
class SeenRequest:
    headers: dict[str, str]
    body: dict
    answered: int
    # Why a request was refused with 401 ("" when it was not).
    refused_because: str = ""


@dataclass
class PaymentGateway:
    port: int = field(default_factory=free_port)
    api_key: str = API_KEY
    secret: str = API_SECRET
    # The next `fail` requests get `fail_status`; the next `hang` requests are held
    # `hang_seconds` (past the client's timeout) and then get a 503.
    fail: int = 0
    fail_status: int = 503
    hang: int = 0
    hang_seconds: float = 2.0
    # Not None: answers are signed with this secret instead (a forged answer).
    answer_secret: str | None = None
    # Not None: the signature header sent as these bytes (a broken or hostile gateway).
    answer_signature: bytes | None = None
    payments: dict[str, GatewayPayment] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)
    _nonces: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _runner: ThreadedASGI | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/payments/verify"

    def pay(self, dossier_code: str | None, amount: int, status: str = "paid") -> str:
        """A person pays `amount` for the dossier; returns the transaction reference."""
        reference = "PG" + secrets.token_hex(6).upper()
        with self._lock:
            self.payments[reference] = GatewayPayment(reference, dossier_code, amount, status)
        return reference

    def _refusal(self, headers: dict[str, str], raw: bytes) -> str:
        if not hmac.compare_digest(headers.get("x-motcua-key", ""), self.api_key):
            return "key"
        timestamp, nonce = headers.get("x-motcua-timestamp", ""), headers.get("x-motcua-nonce", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
            return "timestamp"
        expected = (
            "sha256="
            + hmac.new(
                self.secret.encode(), f"{timestamp}.{nonce}.".encode() + raw, hashlib.sha256
            ).hexdigest()
        )
        if not hmac.compare_digest(headers.get("x-motcua-signature", ""), expected):
            return "signature"
        with self._lock:
            if len(nonce) < 16 or nonce in self._nonces:
                return "nonce"
            self._nonces.add(nonce)
        return ""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        with self._lock:
            if self.hang > 0:
                self.hang -= 1
                forced, hang = 503, True
            elif self.fail > 0:
                self.fail -= 1
                forced, hang = self.fail_status, False
            else:
                forced, hang = None, False
        if hang:
            await asyncio.sleep(self.hang_seconds)
        refusal = ""
        if forced is not None:
            status, answer = forced, {"error": "forced"}
        elif scope["method"] != "POST" or scope["path"] != "/v1/payments/verify":
            status, answer = 404, {"error": "no such endpoint"}
        elif refusal := self._refusal(headers, raw):
            status, answer = 401, {"error": f"bad {refusal}"}
        else:
            with self._lock:
                found = self.payments.get(str(body.get("reference")))
            if found is None:
                status, answer = 404, {"error": "unknown reference"}
            else:
                status = 200
                answer = {
                    "reference": found.reference,
                    "status": found.status,
                    "amount": found.amount,
                    "currency": "VND",
                    "paid_at": found.paid_at if found.status == "paid" else None,
                    "dossier_code": found.dossier_code,
                }
        with self._lock:
            self.requests.append(SeenRequest(headers, body, status, refusal))
        payload = json.dumps(answer).encode()
        response_headers = [(b"content-type", b"application/json")]
        if status == 200:
            secret = self.answer_secret if self.answer_secret is not None else self.secret
            nonce = headers.get("x-motcua-nonce", "")
            signature = (
                "sha256="
                + hmac.new(
                    secret.encode(), f"{nonce}.".encode() + payload, hashlib.sha256
                ).hexdigest()
            )
            raw = signature.encode() if self.answer_signature is None else self.answer_signature
            response_headers.append((b"x-motcua-signature", raw))
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})

    def start(self) -> PaymentGateway:
        self._runner = ThreadedASGI(self, self.port, "payment gateway").start()
        return self

    def stop(self) -> None:
        if self._runner is not None:
            self._runner.stop()
