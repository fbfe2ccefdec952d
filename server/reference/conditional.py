"""Conditional GET: weak ETags, because the same representation is also sent
gzip-encoded, and a strong validator must differ per encoding.

Reference bodies are the same bytes for every caller until the data changes, so they
are gzipped once here and kept, rather than compressed again on every request by
the compression middleware (their handlers carry PRECOMPRESSED to skip it)."""

from __future__ import annotations

import gzip
from collections import OrderedDict

from litestar import Request, Response
from litestar.status_codes import HTTP_304_NOT_MODIFIED

PRECOMPRESSED = {"skip_compression": True}
_MINIMUM_SIZE = 512  # as the middleware: smaller bodies gain nothing
_KEPT = 64
_gzipped: OrderedDict[bytes, bytes] = OrderedDict()


def weak_etag(version: str) -> str:
    return f'W/"{version}"'


def not_modified(request: Request, version: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return f'"{version}"' in wanted


def accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return _quality(params) != 0
    return False


def _quality(params: str) -> float:
    """The `q=` of an Accept-Encoding entry: 1 when absent or not a number (as
    Python reads one: superscript digits pass `isdigit()`, not `float()`)."""
    quality = params.strip().removeprefix("q=")
    try:
        return float(quality) if params and quality.isascii() else 1.0
    except ValueError:
        return 1.0


def _gzip(body: bytes) -> bytes:
    found = _gzipped.get(body)
    if found is None:
        found = gzip.compress(body, compresslevel=6, mtime=0)
        _gzipped[body] = found
        while len(_gzipped) > _KEPT:
            _gzipped.popitem(last=False)
    else:
        _gzipped.move_to_end(body)
    return found


def cached_response(
    request: Request, version: str, body: bytes, media_type: str = "application/json"
) -> Response[bytes]:
    headers = {"ETag": weak_etag(version), "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if not_modified(request, version):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    if len(body) >= _MINIMUM_SIZE and accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(_gzip(body), media_type=media_type, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
