"""Around every HTTP request, outside Litestar's routing so that a 404, a 405 and a
refusal by a middleware are seen too: the request id (taken from X-Request-ID when
the balancer sent a well-formed one, else made here; returned in the answer's
X-Request-ID), one access log line, and the latency histogram by route template.
A request whose body the client cut off (a phone losing signal halfway through
sending a batch straight to this process; behind nginx, which buffers push bodies,
nginx logs that one itself) is recorded as 499, nginx's "client closed the request":
Litestar answers a cut body with a 500 that nobody receives, and an operator would
chase it as a fault. Only that answer becomes 499 (server/problems.py sets
RECORDED_STATUS): a handler that reads a cut body itself and goes on (a tus upload
keeps the bytes that came) is recorded with whatever it answered, failures included.

Why not Litestar's PrometheusMiddleware: it runs inside the route's middleware stack,
so it never sees a 404 or 405, it records an exception raised by a middleware after
it (server/request_screen.py's refusals) as a 200 taking no time, and it labels a
mounted application's requests with whatever method the client invented."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any, cast

from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from server.observability.logs import request_id, request_method, request_route
from server.observability.metrics import REQUEST_SECONDS, method_label

# nginx's $request_id is 32 hex digits; a UUID is 36 characters. Anything else a
# client sends (too long, spaces, quotes, control characters) is replaced.
WELL_FORMED_ID = re.compile(rb"[A-Za-z0-9._:-]{8,64}")
HEADER = b"x-request-id"
UNMATCHED = "unmatched"  # no route: a 404, or a 405 on a known path
CLIENT_CLOSED = 499
# Scope keys: the client went away (this process read its disconnect), and the status
# to record in place of the one answered.
CLIENT_GONE = "motcua.client_gone"
RECORDED_STATUS = "motcua.recorded_status"
access = logging.getLogger("motcua.access")


def incoming_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER:
            if WELL_FORMED_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return uuid.uuid4().hex


class ObserveRequests:
    """An ASGI application wrapping Litestar's own handler (`Litestar.asgi_handler`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = incoming_id(scope)
        method = method_label(scope["method"])
        tokens = (
            request_id.set(rid),
            request_method.set(method),
            request_route.set(UNMATCHED),
        )
        answer: dict[str, Any] = {"status": 500, "seconds": None}
        header = (HEADER, rid.encode("ascii"))

        async def receiving() -> ReceiveMessage:
            message = await receive()
            if message["type"] == "http.disconnect":
                cast(dict[str, Any], scope)[CLIENT_GONE] = True
            return message

        async def answering(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
                request_route.set(scope.get("path_template") or UNMATCHED)
            elif answer["seconds"] is None:
                answer["seconds"] = time.perf_counter() - started
            await send(message)

        try:
            await self.app(scope, receiving, answering)
        except BaseException:
            self._done(scope, method, answer, started, failed=True)
            raise
        else:
            self._done(scope, method, answer, started, failed=False)
        finally:
            # An in-process caller (a test's ASGI transport) runs in its own task.
            request_route.reset(tokens[2])
            request_method.reset(tokens[1])
            request_id.reset(tokens[0])

    @staticmethod
    def _done(
        scope: Scope, method: str, answer: dict[str, Any], started: float, *, failed: bool
    ) -> None:
        seconds = answer["seconds"]
        if seconds is None:
            seconds = time.perf_counter() - started
        route = scope.get("path_template") or UNMATCHED
        status = scope.get(RECORDED_STATUS, answer["status"])
        REQUEST_SECONDS.labels(method, route, str(status)).observe(seconds)
        access.log(
            logging.ERROR if failed or status >= 500 else logging.INFO,
            "%s %s %s",
            method,
            route,
            status,
            exc_info=failed,
            extra={
                "request_id": request_id.get(),
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
