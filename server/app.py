"""The Litestar application factory."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from server.catalog.controllers import CatalogController
from server.communes.controllers import CommunesController
from server.database import bind_engine, build_engine, close_engine, describe_engine, open_engine
from server.health import health
from server.problems import EXCEPTION_HANDLERS
from server.pwa_files import pwa_router
from server.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    engine = build_engine(settings)

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        bind_engine(engine)
        await open_engine(engine, settings)
        app.state.engine = engine
        app.state.engine_name = describe_engine(engine).split(" ")[0]
        try:
            yield
        finally:
            await close_engine(engine)

    return Litestar(
        route_handlers=[CatalogController, CommunesController, health, pwa_router(settings.pwa_dist)],
        lifespan=[database],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        compression_config=CompressionConfig(backend="gzip", minimum_size=512, gzip_compress_level=6),
        openapi_config=OpenAPIConfig(
            title="motcua",
            version="0.1.0",
            description="Civil-status e-services: catalog, communes, dossiers and sync.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        state=None,
        debug=False,
    )
