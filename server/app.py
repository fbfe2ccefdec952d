"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from piccolo.engine.base import Engine

from server.admin.gate import admin_mount
from server.api_docs import docs_render_plugin
from server.app_state import AppCaches, UseAppClock, app_clock
from server.attachments.controllers import attachment_controllers
from server.attachments.lifespan import attachments
from server.calendar.controllers import CalendarOverridesController
from server.catalog.controllers import CatalogController
from server.clock import Clock, clock_in_use
from server.communes.controllers import CommunesController
from server.database import bind_engine, build_engine, close_engine, describe_engine, open_engine
from server.demo_page import demo_routes
from server.desk.controllers import DeskController
from server.dossiers.controllers import LookupController, SyncController
from server.dossiers.links import dossier_in_app
from server.dossiers.receipt import ReceiptController, status_link
from server.fees.controllers import FeesController
from server.health import live, ready
from server.identity import passwords
from server.identity.captcha.controllers import CaptchaController
from server.identity.controllers import IDENTITY_CONTROLLERS
from server.maintenance import maintenance
from server.notify.dev_mail import notify_routes
from server.notify.dev_sms import sms_routes
from server.notify.worker import notify_worker
from server.observability.exposition import metrics, metrics_process
from server.observability.requests import ObserveRequests
from server.payments.controllers import PaymentProvidersController
from server.payments.dev import dev_payment_routes
from server.problems import EXCEPTION_HANDLERS
from server.pwa_files import pwa_router
from server.request_screen import ScreenRequests
from server.runtime import settle_startup_heap
from server.security_headers import security_headers
from server.settings import Settings, load_settings


def create_app(
    settings: Settings | None = None, clock: Clock | None = None, engine: Engine | None = None
) -> Litestar:
    """`clock`: where the application reads the time (tests pass a SettableClock).
    `engine`: one the caller opened and closes, for several applications in one
    process (tests of many hosts): Piccolo binds its tables to one engine per process."""
    settings = settings or load_settings()
    passwords.use_settings(settings)
    shared_engine = engine is not None
    engine = engine or build_engine(settings)
    # This application's own: see server.app_state.
    state = State({"clock": clock or Clock(), "caches": AppCaches()})

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        bind_engine(engine)
        if not shared_engine:
            await open_engine(engine, settings)
        app.state.engine = engine
        app.state.settings = settings
        app.state.engine_name = describe_engine(engine).split(" ")[0]
        try:
            yield
        finally:
            if not shared_engine:
                await close_engine(engine)

    @asynccontextmanager
    async def own_clock(app: Litestar) -> AsyncIterator[None]:
        # Entered first: the background loops started by the lifespans after it read
        # the application's clock too.
        with clock_in_use(app_clock(app.state)):
            yield

    route_handlers: list = [
        CatalogController,
        FeesController,
        CommunesController,
        live,
        ready,
        metrics,
        CaptchaController,
        *IDENTITY_CONTROLLERS,
        SyncController,
        LookupController,
        ReceiptController,
        status_link,
        dossier_in_app,
        CalendarOverridesController,
        DeskController,
        PaymentProvidersController,
        *attachment_controllers(settings),  # tus uploads and blobs
    ]
    # Background loops and other per-process resources, started after the database.
    lifespans: list = [own_clock, database]
    lifespans.append(notify_worker)
    lifespans.append(metrics_process)  # multiprocess mode: pool gauges, cleanup
    lifespans.append(maintenance)
    lifespans.append(attachments)  # the blob store and the uploads directory
    route_handlers.extend(notify_routes(settings))  # /dev/mail: demo mode without SMTP only
    route_handlers.extend(sms_routes(settings))  # /dev/sms: demo mode without a gateway only
    route_handlers.extend(dev_payment_routes(settings))  # /dev/payments in demo mode
    route_handlers.extend(demo_routes(settings))  # /demo: the demo accounts, in demo mode
    route_handlers.append(admin_mount(settings))  # piccolo-admin, admin role only (server/admin)
    route_handlers.append(pwa_router(settings.pwa_dist))  # last: it serves "/"

    app = Litestar(
        route_handlers=route_handlers,
        lifespan=lifespans,
        on_startup=[settle_startup_heap],  # after the lifespans have loaded what lasts
        exception_handlers=EXCEPTION_HANDLERS,
        state=state,
        middleware=[
            UseAppClock(),  # every request reads the time from this application's clock
            ScreenRequests(),  # NUL, 64-bit overflow, deep nesting: refused before anything reads them
        ],
        before_send=[
            security_headers(settings)
        ],  # CSP and the rest on every answer, errors and /admin too
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=512,
            gzip_compress_level=6,
            exclude_opt_key="skip_compression",
        ),
        openapi_config=OpenAPIConfig(
            title="motcua",
            version="0.1.0",
            description="Civil-status e-services: catalog, communes, dossiers and sync.",
            path="/schema",
            render_plugins=[docs_render_plugin()],
        ),
        debug=False,
        # `motcua serve` configures logging (server/observability/logs.py); Litestar's
        # own configuration would replace it with its own format.
        logging_config=None,
    )
    # Outermost, around Litestar's routing too: the request id, the access log line and
    # the latency histogram see every answer, a 404 and a refused request included.
    app.asgi_handler = ObserveRequests(app.asgi_handler)
    return app
