"""HTTP: the tus endpoint (/api/uploads) and the blobs API (/api/blobs)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from typing import Annotated

from litestar import Controller, Request, Response, Router, delete, get, head, post, route
from litestar.datastructures import MutableScopeHeaders, State
from litestar.params import Body, PathParameter
from litestar.response import Stream
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.attachments import tus
from server.attachments.blobs import blob_row, held_by, may_read, not_sent, seals_of
from server.attachments.image_check import thumbnail_of
from server.attachments.schemas import MissingRequest, MissingResponse
from server.attachments.sniff import ACCEPTED, Refused
from server.attachments.store import BlobMissing, blob_key, thumbnail_key
from server.attachments.uploads import UPLOAD_ID, UploadProblem, Uploads
from server.i18n import negotiate_language
from server.identity.guards import DEVICE_CREDENTIAL, current_principal, signed_in
from server.problems import FieldError, ProblemError
from server.settings import Settings
from sync.digests import is_sha256

UPLOADS_PATH = "/api/uploads"
FILE_SEAL_HEADER = "Motcua-File-Seal"
# A request body that stalls this long is treated as a lost connection.
RECEIVE_IDLE_SECONDS = 60.0
NO_COMPRESSION = {"skip_compression": True}  # photos and PDFs are compressed already
UploadId = Annotated[
    str, PathParameter(max_length=32, description="The id in the creation's Location")
]
Sha256Path = Annotated[str, PathParameter(max_length=64, description="SHA-256 of the file, hex")]


def tus_middleware(app: ASGIApp) -> ASGIApp:
    """Every answer of the tus endpoint, errors included, says Tus-Resumable; and a
    PATCH marks its upload busy in this process from the moment its headers arrive
    (before the credential is even checked, let alone the receiving lease written),
    so that a HEAD on this host sent by a client that just lost that PATCH's
    connection waits for what it delivered to be committed. HEADs on other hosts
    learn of the PATCH from its lease (Uploads.start_receiving)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)["Tus-Resumable"] = tus.TUS_VERSION
            await send(message)

        upload_id = scope.get("path", "").rsplit("/", 1)[-1]
        if scope.get("method") == "PATCH" and UPLOAD_ID.match(upload_id):
            async with scope["app"].state.uploads.busy.hold(upload_id):
                await app(scope, receive, send_with_header)
        else:
            await app(scope, receive, send_with_header)

    return middleware


def _uploads(state: State) -> Uploads:
    return state.uploads


def _problem(request: Request, exc: UploadProblem | Refused | tus.TusHeaderError) -> ProblemError:
    if isinstance(exc, Refused):
        message = exc.message(negotiate_language(request.headers.get("accept-language")))
        return ProblemError(
            exc.status,
            exc.code,
            detail=message,
            errors=[FieldError(path="file", code=exc.code, message=message)],
        )
    if isinstance(exc, tus.TusHeaderError):
        header = str(exc).split(":", 1)[0]
        return ProblemError(
            400,
            "invalid_request",
            detail=str(exc),
            errors=[FieldError(path=header, code="invalid_header", message=str(exc))],
        )
    errors = (
        [FieldError(path=exc.path, code=exc.code, message=exc.detail or exc.code)]
        if exc.path
        else None
    )
    return ProblemError(exc.status, exc.code, detail=exc.detail, headers=exc.headers, errors=errors)


def _check_version(request: Request) -> None:
    sent = request.headers.get("tus-resumable")
    if sent != tus.TUS_VERSION:
        raise ProblemError(
            412,
            "tus_version",
            detail=f"Tus-Resumable must be {tus.TUS_VERSION}",
            headers={"Tus-Version": tus.TUS_VERSION},
        )


async def _upload_headers(row: dict) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(row["received"]),
        "Upload-Length": str(row["length"]),
        "Cache-Control": "no-store",
    }
    if row["completed_at"] is None:
        headers["Upload-Expires"] = tus.http_date(row["expires_at"])
    else:
        # The upload is complete and verified: the seal the device keeps with the file,
        # to put it back without its bytes after a restore (sync/README.md §9.2).
        seals = await seals_of(row["account_id"], {row["sha256"]})
        headers[FILE_SEAL_HEADER] = seals[row["sha256"]]
    return headers


async def _receive_chunk(request: Request, limit: int) -> tuple[bytes, bool]:
    """The request body, up to `limit` bytes: (bytes, whether it arrived whole).
    A client that goes away mid-body leaves what it had sent."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProblemError(413, "payload_too_large", detail=f"send chunks of at most {limit} bytes")
    body = bytearray()
    while True:
        try:
            message = await asyncio.wait_for(request.receive(), RECEIVE_IDLE_SECONDS)
        except TimeoutError:
            return bytes(body), False
        if message["type"] == "http.disconnect":
            return bytes(body), False
        chunk = message.get("body", b"")
        if len(body) + len(chunk) > limit:
            raise ProblemError(
                413, "payload_too_large", detail=f"send chunks of at most {limit} bytes"
            )
        body += chunk
        if not message.get("more_body", False):
            return bytes(body), True


def _check_chunk_type(request: Request, required: bool = False) -> None:
    """A chunk is application/offset+octet-stream (a creation may carry no body at all)."""
    sent = request.headers.get("content-type")
    if not sent and not required:
        return
    if (sent or "").split(";")[0].strip().lower() != tus.OFFSET_CONTENT_TYPE:
        raise ProblemError(
            415, "unsupported_media_type", detail=f"Content-Type must be {tus.OFFSET_CONTENT_TYPE}"
        )


async def _append(
    request: Request,
    uploads: Uploads,
    principal,
    row: dict,
    offset: int,
    lease: dt.datetime | None,
) -> dict:
    """The shared body of PATCH and creation-with-upload. `lease`: the receiving lease
    the request holds on the upload (a HEAD on any host waits while it lasts); it ends
    when the chunk is committed, or refused."""
    try:
        return await _receive_and_commit(request, uploads, principal, row, offset, lease)
    except BaseException:
        # Refused before the commit, which would have ended the lease (after it, this
        # finds the lease gone and changes nothing).
        await uploads.stop_receiving(row["id"], lease)
        raise


async def _receive_and_commit(
    request: Request,
    uploads: Uploads,
    principal,
    row: dict,
    offset: int,
    lease: dt.datetime | None,
) -> dict:
    _check_chunk_type(request, required=True)
    checksum = request.headers.get("upload-checksum")
    expected = None
    try:
        if checksum:
            expected = tus.parse_checksum(checksum)[1]
    except tus.TusHeaderError as exc:
        raise _problem(request, exc) from None
    if row["received"] != offset:  # answer at once rather than buffer a body that cannot be used
        # ...and close the connection: kept alive, it would carry the unread rest of the
        # chunk across the link for nothing (a browser re-sends a cut PATCH whole).
        raise ProblemError(
            409,
            "offset_mismatch",
            detail=f"the upload stands at offset {row['received']}, not {offset}",
            headers={"Upload-Offset": str(row["received"]), "Connection": "close"},
        )
    limit = (
        request.route_handler.resolve_request_max_body_size() or uploads.settings.upload_chunk_size
    )
    data, whole = await _receive_chunk(request, limit)
    if expected is not None:
        if not whole:
            data = b""  # a checksummed chunk is kept whole or not at all
        elif hashlib.sha256(data).digest() != expected:
            raise ProblemError(
                tus.CHECKSUM_MISMATCH,
                "checksum_mismatch",
                detail="the chunk's SHA-256 differs from Upload-Checksum; send it again",
            )
    try:
        row = await uploads.commit(principal, row["id"], offset, data, lease)
        return await uploads.after_commit(row)
    except (UploadProblem, Refused) as exc:
        raise _problem(request, exc) from None


def attachment_controllers(settings: Settings) -> list:
    """The controllers, with the PATCH body limit set to the configured chunk size."""
    chunk_size = settings.upload_chunk_size

    # Plain handlers on a Router rather than a Controller: the discovery OPTIONS
    # handler is registered first, so Litestar adds no automatic one beside it.
    @route("/", http_method="OPTIONS", status_code=204, include_in_schema=False)
    async def discover() -> Response[None]:
        """tus discovery: version, extensions, limits; no credential needed."""
        return Response(
            None,
            status_code=204,
            headers={
                "Tus-Version": tus.TUS_VERSION,
                "Tus-Extension": tus.EXTENSIONS,
                "Tus-Max-Size": str(settings.max_file_bytes),
                "Tus-Checksum-Algorithm": tus.CHECKSUM_ALGORITHMS,
                "Motcua-Chunk-Size": str(chunk_size),
            },
        )

    @post(
        "/",
        guards=[signed_in],
        status_code=201,
        request_max_body_size=chunk_size,
        summary="tus creation (and creation-with-upload): Upload-Length, Upload-Metadata with sha256",
    )
    async def create(request: Request, state: State) -> Response[None]:
        _check_version(request)
        principal = await current_principal(request)
        uploads = _uploads(state)
        try:
            if request.headers.get("upload-defer-length"):
                raise UploadProblem(
                    400,
                    "invalid_request",
                    "Upload-Defer-Length is not supported",
                    path="Upload-Defer-Length",
                )
            length = tus.parse_int("Upload-Length", request.headers.get("upload-length"))
            # A body that cannot be appended is refused before the upload exists: the
            # refusal carries no Location, so an upload made first would be an orphan.
            _check_chunk_type(request)
            raw = request.headers.get("upload-metadata", "")
            receiving = bool(request.headers.get("content-type"))
            row = await uploads.create(
                principal, length, tus.parse_metadata(raw), raw, receiving=receiving
            )
        except (UploadProblem, Refused, tus.TusHeaderError) as exc:
            raise _problem(request, exc) from None
        headers = {"Location": f"{UPLOADS_PATH}/{row['id']}"}
        if request.headers.get("content-type"):
            try:
                row = await _append(request, uploads, principal, row, 0, row["receiving_until"])
            except ProblemError as exc:
                # The upload exists: the client may resume it from Location.
                if exc.status in (409, 460) or exc.status >= 500:
                    exc.headers = {**exc.headers, **headers}
                raise
            headers["Upload-Offset"] = str(row["received"])
        if row["completed_at"] is None:
            headers["Upload-Expires"] = tus.http_date(row["expires_at"])
        else:
            headers[FILE_SEAL_HEADER] = (await _upload_headers(row))[FILE_SEAL_HEADER]
        return Response(None, status_code=201, headers=headers)

    @head("/{upload_id:str}", guards=[signed_in], summary="tus: where an upload stands")
    async def where(request: Request, state: State, upload_id: UploadId) -> Response[None]:
        _check_version(request)
        principal = await current_principal(request)
        try:
            row = await _uploads(state).head(principal, upload_id)
        except (UploadProblem, Refused) as exc:
            raise _problem(request, exc) from None
        headers = await _upload_headers(row)
        if row["metadata"]:
            headers["Upload-Metadata"] = row["metadata"]
        return Response(None, status_code=200, headers=headers)

    @route(
        "/{upload_id:str}",
        http_method="PATCH",
        guards=[signed_in],
        status_code=204,
        request_max_body_size=chunk_size,
        summary="tus: append a chunk at Upload-Offset",
    )
    async def append(request: Request, state: State, upload_id: UploadId) -> Response[None]:
        _check_version(request)
        principal = await current_principal(request)
        uploads = _uploads(state)
        try:
            offset = tus.parse_int("Upload-Offset", request.headers.get("upload-offset"))
            row, lease = await uploads.load_receiving(principal, upload_id)
        except (UploadProblem, tus.TusHeaderError) as exc:
            raise _problem(request, exc) from None
        row = await _append(request, uploads, principal, row, offset, lease)
        return Response(None, status_code=204, headers=await _upload_headers(row))

    @delete("/{upload_id:str}", guards=[signed_in], status_code=204, summary="tus termination")
    async def terminate(request: Request, state: State, upload_id: UploadId) -> None:
        _check_version(request)
        principal = await current_principal(request)
        try:
            await _uploads(state).terminate(principal, upload_id)
        except UploadProblem as exc:
            raise _problem(request, exc) from None

    uploads_router = Router(
        path=UPLOADS_PATH,
        route_handlers=[discover, create, where, append, terminate],
        middleware=[tus_middleware],
        opt={**NO_COMPRESSION, **DEVICE_CREDENTIAL},
        tags=["attachments"],
    )

    class BlobController(Controller):
        path = "/api/blobs"
        tags = ["attachments"]
        guards = [signed_in]
        opt = DEVICE_CREDENTIAL

        @post(
            "/missing",
            status_code=200,
            summary="Which of these SHA-256 hashes the server lacks: upload only those",
        )
        async def missing(
            self, request: Request, data: Annotated[MissingRequest, Body()]
        ) -> MissingResponse:
            await current_principal(request)
            errors = [
                FieldError(
                    path=f"hashes[{i}]",
                    code="invalid_sha256",
                    message="64 lower-case hexadecimal digits",
                )
                for i, h in enumerate(data.hashes)
                if not is_sha256(h)
            ]
            if errors:
                raise ProblemError(422, "validation_failed", errors=errors[:20])
            account_id = (await current_principal(request)).account_id
            sent = await held_by(account_id, set(data.hashes))
            return MissingResponse(
                missing=not_sent(data.hashes, sent),
                upload_url=UPLOADS_PATH,
                chunk_size=chunk_size,
                max_file_bytes=settings.max_file_bytes,
                max_dossier_bytes=settings.max_dossier_bytes,
                seals=await seals_of(account_id, sent),
            )

        @get(
            "/{sha256:str}",
            opt=NO_COMPRESSION,
            summary="A file, to its owner, its commune's officials, admins",
        )
        async def read(self, request: Request, state: State, sha256: Sha256Path) -> Response:
            row = await _readable(request, sha256)
            ext = ACCEPTED.get(row["media_type"], "bin")
            return await _serve(
                request, state, blob_key(sha256), row["media_type"], f"{sha256[:16]}.{ext}", sha256
            )

        @get(
            "/{sha256:str}/thumbnail",
            opt=NO_COMPRESSION,
            summary="A small JPEG of an image, for the desk queue",
        )
        async def thumbnail(self, request: Request, state: State, sha256: Sha256Path) -> Response:
            row = await _readable(request, sha256)
            if not row["media_type"].startswith("image/"):
                raise ProblemError(
                    404, "no_thumbnail", detail=f"{row['media_type']} files have no thumbnail"
                )
            store = state.blob_store
            if not row["has_thumbnail"] or not await store.exists(thumbnail_key(sha256)):
                await _rebuild_thumbnail(state, sha256)
            return await _serve(
                request,
                state,
                thumbnail_key(sha256),
                "image/jpeg",
                f"{sha256[:16]}-thumbnail.jpg",
                sha256 + "-t",
            )

    return [uploads_router, BlobController]


async def _readable(request: Request, sha256: str) -> dict:
    principal = await current_principal(request)
    if not is_sha256(sha256):
        raise ProblemError(404, "not_found")
    row = await blob_row(sha256)
    # Someone not allowed learns nothing, not even that the file exists.
    if row is None or not await may_read(principal, sha256):
        raise ProblemError(404, "not_found")
    return row


async def _rebuild_thumbnail(state: State, sha256: str) -> None:
    from server.attachments.tables import Blob

    data = await state.blob_store.read(blob_key(sha256))
    # In one of the process's check slots, within an upload's limits: a stored image
    # decodes as large as a new one.
    thumbnail = await state.uploads.check(thumbnail_of, data)
    if thumbnail is None:
        raise ProblemError(
            404, "no_thumbnail", detail="the image is too large or damaged to make a thumbnail of"
        )
    await state.blob_store.put_bytes(thumbnail_key(sha256), thumbnail)
    await Blob.update({Blob.has_thumbnail: True}).where(Blob.sha256 == sha256)


async def _serve(
    request: Request, state: State, key: str, media_type: str, filename: str, etag: str
) -> Response:
    headers = {
        "Content-Disposition": f'inline; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
        # A file opened in a tab can run nothing and load nothing.
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        # Revalidated on every use (a 304 by its ETag): a browser never shows the copy
        # it kept to someone no longer allowed (a shared phone, a revoked device).
        "Cache-Control": "private, no-cache",
        "ETag": f'"{etag}"',
    }
    if request.headers.get("if-none-match", "").strip() == f'"{etag}"':
        return Response(None, status_code=304, headers=headers)
    store = state.blob_store
    try:
        size = await store.size(key)
    except BlobMissing:
        raise ProblemError(404, "not_found") from None
    headers["Content-Length"] = str(size)

    async def body() -> AsyncIterator[bytes]:
        async for chunk in store.stream(key):
            yield chunk

    return Stream(body(), media_type=media_type, headers=headers)
