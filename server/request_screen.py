"""Every request screened once, before a guard or a handler reads it, for input no
database can take and no decoder should meet: the NUL character (PostgreSQL text
cannot hold it) in a header, the path, the query or a body string; integers past
64 bits in a body; a body nested deeper than sync/storable.py's MAX_DEPTH (msgspec
would give up only near 1,000 levels, with a RecursionError). Refused as problems
naming what is wrong (422, or 400 for the nesting), instead of a 500 further in.

A handler that decodes and screens its own body (push: a bad payload rejects its
mutation only, see sync/README.md §3.5) sets `opt={SCREENS_OWN_BODY: True}`; its
headers, path and query are still screened here."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.handlers import ASGIRouteHandler, HTTPRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import (
    ASGIApp,
    HTTPReceiveMessage,
    Receive,
    Scope,
    Send,
    WebSocketReceiveMessage,
)

from server.problems import FieldError, ProblemError
from sync.storable import DEPTH_MESSAGE, NUL_MESSAGE, Unstorable, unstorable

SCREENS_OWN_BODY = "screens_own_body"
# A handler that decodes its body as JSON itself, whatever Content-Type it is sent with
# (no `data` parameter for Litestar to read): screened as JSON, as those are.
READS_JSON_BODY = "reads_json_body"
# Bodies that are not JSON to anyone: tus chunks, files, HTML forms.
_NOT_DECODED = (
    "application/offset+octet-stream",
    "application/octet-stream",
    "multipart/form-data",
    "application/x-www-form-urlencoded",
)
_MSGPACK = ("application/x-msgpack", "application/msgpack", "application/vnd.msgpack")
# A mounted application (piccolo-admin) has no Litestar body limit of its own; what
# it is sent is small JSON, so more than this is refused before it is buffered.
MOUNTED_BODY_LIMIT = 1024 * 1024


def too_deep() -> ProblemError:
    return ProblemError(
        400,
        "invalid_request",
        detail=f"the body is {DEPTH_MESSAGE}",
        errors=[FieldError(path="$", code="too_deep", message=DEPTH_MESSAGE)],
    )


def refusal(found: list[Unstorable]) -> ProblemError:
    if any(f.code == "too_deep" for f in found):
        return too_deep()
    names = ", ".join(f.path for f in found)
    return ProblemError(
        422,
        "validation_failed",
        detail=f"cannot be stored: {names}",
        errors=[FieldError(path=f.path, code=f.code, message=f.message) for f in found],
    )


def _nul(path: str) -> Unstorable:
    return Unstorable(path, "nul_character", NUL_MESSAGE)


def parameter_faults(scope: Scope) -> list[Unstorable]:
    """NUL in a header (name or value), a path parameter, or a query parameter."""
    found = [
        _nul(name.decode("latin-1").replace("\x00", "\\0"))
        for name, value in scope["headers"]
        if b"\x00" in name or b"\x00" in value
    ]
    if "\x00" in scope["path"]:
        named = [
            _nul(k)
            for k, v in scope.get("path_params", {}).items()
            if isinstance(v, str) and "\x00" in v
        ]
        found.extend(named or [_nul("path")])
    query: bytes = scope.get("query_string", b"")
    if b"\x00" in query or b"%00" in query:
        for name, value in parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                found.append(_nul(name))
    return found


def _reads_json_data(handler: Any) -> bool:
    """Litestar decodes a handler's `data` as JSON whatever Content-Type the sender
    declares (only a form or MessagePack body is declared on the handler itself), so
    such a body is screened as JSON, not as what its sender calls it."""
    if not isinstance(handler, HTTPRouteHandler):
        return False
    if handler.opt.get(READS_JSON_BODY):
        return True
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return False
    declared = getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON)
    return declared == RequestEncodingType.JSON


def _host_is_a_url_authority(scope: Scope) -> bool:
    host = next((v for k, v in scope["headers"] if k == b"host"), None)
    if host is None:
        return True
    try:
        port = urlsplit("//" + host.decode("latin-1")).port  # raises as Litestar's URL would
    except ValueError:
        return False
    return port is None or port >= 0


def decode_any(body: bytes, msgpack: bool) -> Any:
    """The body as plain values, or None when it does not decode: its handler then
    answers the malformed body as it always has."""
    try:
        return msgspec.msgpack.decode(body) if msgpack else msgspec.json.decode(body)
    except RecursionError:
        raise too_deep() from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None


def too_large() -> ProblemError:
    return ProblemError(
        413,
        "invalid_request",
        detail=f"the body is larger than {MOUNTED_BODY_LIMIT} bytes",
        errors=[
            FieldError(path="$", code="too_large", message=f"at most {MOUNTED_BODY_LIMIT} bytes")
        ],
    )


async def buffered_body(receive: Receive) -> tuple[bytes, Receive]:
    """A mounted application's body read here, and a `receive` that hands it on:
    Litestar keeps a body only for its own handlers, and a mounted app reads
    `receive` itself."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return b"", receive
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MOUNTED_BODY_LIMIT:
            raise too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> HTTPReceiveMessage | WebSocketReceiveMessage:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


class ScreenRequests(ASGIMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != "http":
            await next_app(scope, receive, send)
            return
        found = parameter_faults(scope)
        if found:
            raise refusal(found)
        if not _host_is_a_url_authority(scope):
            # Litestar builds the request's URL from it (a validation message, a log
            # line): a port past 65535 raised there, a 500 from outside the app.
            raise ProblemError(
                400,
                "invalid_request",
                detail="the Host header is not a host and port",
                errors=[FieldError(path="Host", code="invalid_host", message="host[:port]")],
            )
        handler = scope.get("route_handler")
        screens_own = handler is not None and handler.opt.get(SCREENS_OWN_BODY)
        if scope["method"] in ("POST", "PUT", "PATCH", "DELETE") and not screens_own:
            request: Request = Request(scope, receive)
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            reads_json = _reads_json_data(handler)
            if reads_json or media not in _NOT_DECODED:
                if isinstance(handler, ASGIRouteHandler):
                    body, receive = await buffered_body(receive)
                else:
                    # Read once: Litestar keeps the body in the scope for the handler.
                    body = await request.body()
                if body:
                    found = unstorable(decode_any(body, media in _MSGPACK and not reads_json))
                    if found:
                        raise refusal(found)
        await next_app(scope, receive, send)
