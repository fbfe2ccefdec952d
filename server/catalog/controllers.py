from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.openapi.spec import Example
from litestar.params import Parameter, PathParameter

from server.app_state import app_caches
from server.catalog import services
from server.catalog.schemas import CatalogPayload, ProcedureDetail
from server.catalog.seed import DATASET
from server.problems import ProblemError
from server.reference.conditional import PRECOMPRESSED, cached_response
from server.reference.versions import content_etag, dataset_version
from sync.forms.language import for_level

Family = Literal[
    "birth",
    "death",
    "marriage",
    "extract",
    "recognition",
    "guardianship",
    "marital_status",
    "correction",
    "certified_copy",
]
ProcedureCode = Annotated[
    str, PathParameter(description="Procedure code, e.g. khai-sinh", max_length=64)
]
FormLanguage = Annotated[
    int,
    Parameter(
        description="The level of the form language the app speaks (sync/forms/language.json); "
        "the form is written down to it. Absent: 1, the first released app.",
        ge=1,
        le=1000,
    ),
]
_encoder = msgspec.json.Encoder()


def _detail_response(
    request: Request, row: services.VersionRow, form_language: int
) -> Response[ProcedureDetail]:
    detail = services.to_detail(row)
    form = for_level(detail.form, form_language)
    if form is detail.form:
        return cached_response(request, row.content_hash[:32], _encoder.encode(detail))  # pyright: ignore[reportReturnType]  # bytes encoded here; the annotation tells OpenAPI their shape
    # Another body, so another ETag: an app that updates asks again and gets the whole
    # form. The tag of its bytes, as how a form is written down is the server's code and
    # may change with a release while the procedure's hash stays.
    body = _encoder.encode(msgspec.structs.replace(detail, form=form))
    return cached_response(request, content_etag(body), body)  # pyright: ignore[reportReturnType]  # bytes encoded here; the annotation tells OpenAPI their shape


async def _catalog_version() -> str:
    version = await dataset_version(DATASET)
    if version is None:
        raise ProblemError(503, "reference_data_missing")
    return version


async def _current(code: str) -> services.VersionRow:
    row = await services.current_version(code)
    if row is None:
        raise ProblemError(404, "unknown_procedure", detail=code)
    return row


class CatalogController(Controller):
    path = "/api/catalog"
    tags = ["reference data"]

    @get(
        "/",
        summary="The procedure catalog",
        description="Every active procedure with "
        "its processing time, fee rule, documents and notes; forms are at /api/catalog/{code}.",
        opt=PRECOMPRESSED,
    )
    async def list_procedures(
        self,
        request: Request,
        state: State,
        family: Annotated[
            Family | None, Parameter(description="Only this family of procedures")
        ] = None,
    ) -> Response[CatalogPayload]:
        version = await _catalog_version()
        key = (version, family or "")
        # Encoded bodies by (dataset version, filter): built once per application per version.
        bodies = app_caches(state).catalog_bodies
        body = bodies.get(key)
        if body is None:
            body = _encoder.encode(await services.catalog(version, family))
            if len(bodies) > 32:
                bodies.clear()
            bodies[key] = body
        return cached_response(request, version, body)  # pyright: ignore[reportReturnType]  # bytes encoded here; the annotation tells OpenAPI their shape

    @get("/{code:str}", summary="One procedure with its current form schema", opt=PRECOMPRESSED)
    async def get_procedure(
        self, request: Request, code: ProcedureCode, form_language: FormLanguage = 1
    ) -> Response[ProcedureDetail]:
        return _detail_response(request, await _current(code), form_language)

    @get("/{code:str}/versions", summary="The version numbers of a procedure, oldest first")
    async def list_versions(self, code: ProcedureCode) -> list[int]:
        versions = await services.procedure_versions(code)
        if not versions:
            raise ProblemError(404, "unknown_procedure", detail=code)
        return versions

    @get(
        "/{code:str}/versions/{version:int}",
        summary="One version of a procedure, as a dossier drafted against it sees it",
        opt=PRECOMPRESSED,
    )
    async def get_version(
        self,
        request: Request,
        code: ProcedureCode,
        # Bounded by the column (INTEGER): a larger number is a 400 naming it, not a
        # database overflow (found by tests/hostile/test_schemathesis.py on PostgreSQL).
        version: Annotated[int, PathParameter(ge=1, le=2**31 - 1, examples=[Example(value=1)])],
        form_language: FormLanguage = 1,
    ) -> Response[ProcedureDetail]:
        row = await services.procedure_version(code, version)
        if row is None:
            if not await services.procedure_versions(code):
                raise ProblemError(404, "unknown_procedure", detail=code)
            raise ProblemError(404, "unknown_procedure_version", detail=f"{code} v{version}")
        return _detail_response(request, row, form_language)
