"""One endpoint, two encodings: Litestar picks a body decoder per handler, so push
reads the raw body and decodes it by Content-Type with msgspec itself."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.enums import MediaType

from server.problems import FieldError, ProblemError
from server.request_screen import refusal, too_deep
from sync.messages import MAX_BODY_BYTES, MAX_MUTATIONS, PushEnvelope
from sync.storable import Unstorable, unstorable

MSGPACK = MediaType.MESSAGEPACK.value
_PATH = re.compile(r"at `(\$[^`]*)`")
_json_decoder = msgspec.json.Decoder(PushEnvelope)
_msgpack_decoder = msgspec.msgpack.Decoder(PushEnvelope)


_MSGPACK_TYPES = (MSGPACK, "application/msgpack", "application/vnd.msgpack")


def wants_msgpack(request: Request) -> bool:
    """A push is answered in its own encoding; a pull in the one its Accept names."""
    if request.method == "GET":
        return any(
            t.split(";")[0].strip() in _MSGPACK_TYPES
            for t in request.headers.get("accept", "").split(",")
        )
    return request.headers.get("content-type", "").split(";")[0].strip() in _MSGPACK_TYPES


def _invalid(message: str) -> ProblemError:
    match = _PATH.search(message)
    path = match.group(1) if match else "$"
    return ProblemError(
        422,
        "validation_failed",
        detail=message,
        errors=[FieldError(path=path, code="invalid", message=message)],
    )


def decode_envelope(request: Request, body: bytes) -> PushEnvelope:
    if len(body) > MAX_BODY_BYTES:
        raise ProblemError(
            413,
            "payload_too_large",
            detail=f"at most {MAX_BODY_BYTES} bytes",
            errors=[
                FieldError(path="$", code="too_large", message=f"at most {MAX_BODY_BYTES} bytes")
            ],
        )
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type not in ("application/json", *_MSGPACK_TYPES):
        raise ProblemError(415, "unsupported_media_type", detail="application/json or " + MSGPACK)
    decoder = _msgpack_decoder if wants_msgpack(request) else _json_decoder
    try:
        envelope = decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise _invalid(str(exc)) from None
    except RecursionError:  # nested far past MAX_DEPTH: no payload of ours is
        raise too_deep() from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        halves = _lone_surrogates(body) if decoder is _json_decoder else []
        if halves:
            raise refusal(halves) from None
        raise ProblemError(
            400,
            "invalid_request",
            detail=f"malformed body: {exc}",
            errors=[FieldError(path="$", code="malformed", message=str(exc))],
        ) from None
    if len(envelope.mutations) > MAX_MUTATIONS:
        raise ProblemError(
            413,
            "payload_too_large",
            detail=f"at most {MAX_MUTATIONS} mutations per batch",
            errors=[FieldError(path="$.mutations", code="too_many", message=str(MAX_MUTATIONS))],
        )
    seen = set()
    for i, m in enumerate(envelope.mutations):
        if m.seq < 1:
            raise _invalid(f"seq must be 1 or more - at `$.mutations[{i}].seq`")
        if m.seq in seen:
            raise _invalid(f"seq {m.seq} appears twice - at `$.mutations[{i}].seq`")
        seen.add(m.seq)
    return envelope


def _lone_surrogates(body: bytes) -> list[Unstorable]:
    """Where a JSON body holds half a surrogate pair ("\\ud83c": JSON.stringify's
    writing of a string cut inside an emoji). msgspec refuses it without saying where;
    named by path, the app sets that one item aside instead of resending the batch
    for ever. Python's json takes it, so the body is read again with it."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # malformed otherwise: the 400 as before
        return []
    return [f for f in unstorable(value) if f.code == "lone_surrogate"]


def encode_response(request: Request, body: Any, status_code: int = 200) -> Response[bytes]:
    if wants_msgpack(request):
        return Response(msgspec.msgpack.encode(body), media_type=MSGPACK, status_code=status_code)
    return Response(msgspec.json.encode(body), media_type=MediaType.JSON, status_code=status_code)
