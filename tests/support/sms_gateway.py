"""A real HTTP SMS gateway for tests: a tiny ASGI app served by uvicorn on
127.0.0.1 in its own thread. It records every request, and can be told to answer
the next N requests with an error status, or to hang on them past the client's
timeout. With `honour_keys` it behaves as the gateway contract asks (server/notify/sms.py):
a request whose Idempotency-Key it already accepted is answered 200 again and not
sent a second time."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field

from tests.support.smtp import free_port
from tests.support.threaded_asgi import ThreadedASGI


@dataclass
class GatewayRequest:
    path: str
    headers: dict[str, str]
    body: dict
    answered: int  # the status it got
    # Answered from an earlier request with the same Idempotency-Key: nothing was sent.
    replayed: bool = False


@dataclass
class Gateway:
    port: int = field(default_factory=free_port)
    # The next `fail` requests get `fail_status`; the next `hang` requests are held
    # `hang_seconds` and then get a 503 (the client has given up by then).
    fail: int = 0
    fail_status: int = 503
    hang: int = 0
    hang_seconds: float = 2.0
    honour_keys: bool = False
    requests: list[GatewayRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _runner: ThreadedASGI | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"

    @property
    def delivered(self) -> list[GatewayRequest]:
        """The requests it accepted (2xx) and sent: the SMS that went out."""
        return [r for r in self.requests if 200 <= r.answered < 300 and not r.replayed]

    def delivered_per_key(self) -> Counter:
        return Counter(r.headers.get("idempotency-key", "") for r in self.delivered)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            body = json.loads(b"".join(chunks) or b"{}")
        except ValueError:
            body = {"_invalid": True}
        key = headers.get("idempotency-key", "")
        with self._lock:
            replayed = (
                self.honour_keys
                and key != ""
                and any(r.headers.get("idempotency-key", "") == key for r in self.delivered)
            )
            if replayed:
                status, hang = 200, False
            elif self.hang > 0:
                self.hang -= 1
                status, hang = 503, True
            elif self.fail > 0:
                self.fail -= 1
                status, hang = self.fail_status, False
            else:
                status, hang = 200, False
        if hang:
            import asyncio

            await asyncio.sleep(self.hang_seconds)
        with self._lock:
            self.requests.append(GatewayRequest(scope["path"], headers, body, status, replayed))
        payload = json.dumps({"ok": status == 200}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def start(self) -> Gateway:
        self._runner = ThreadedASGI(self, self.port, "SMS gateway").start()
        return self

    def stop(self) -> None:
        if self._runner is not None:
            self._runner.stop()
