"""Conditional GET: weak ETags, because the same representation is also sent
gzip-encoded, and a strong validator must differ per encoding."""

from __future__ import annotations

from litestar import Request, Response
from litestar.status_codes import HTTP_304_NOT_MODIFIED


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


def cached_response(
    request: Request, version: str, body: bytes, media_type: str = "application/json"
) -> Response[bytes]:
    headers = {"ETag": weak_etag(version), "Cache-Control": "no-cache"}
    if not_modified(request, version):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
