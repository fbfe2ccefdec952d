"""What one application keeps for as long as it runs: its clock and its caches.

Made by server.app.create_app and kept on the application's state (`state.clock`,
`state.caches`), so each application, and each test's, has its own: nothing learnt
from one database is served to an application on another. Handlers reach them
through the `state` they are given; `app_clock` makes the application's clock the
current one (server.clock) while it serves a request."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from server.calendar.service import OverridesCache
from server.clock import Clock, clock_in_use
from server.dossiers.pull import FeedEpoch
from server.dossiers.store import StoreCaches
from server.identity.oidc.discovery import DiscoveryCache


class AppCaches:
    """Copies of database content an application reuses between requests."""

    def __init__(self) -> None:
        self.calendar = OverridesCache()  # checked against the calendar's version row
        self.feed_epoch = FeedEpoch()  # kept with the generation it was read in
        self.dossiers = StoreCaches()  # communes and provinces, procedure versions
        # Encoded reference answers, by dataset version (and filter).
        self.catalog_bodies: dict[tuple[str, str], bytes] = {}
        self.communes_bodies: dict[str, bytes] = {}
        # OpenID providers' configurations and signing keys (not database content:
        # fetched from each provider, and kept an hour).
        self.oidc = DiscoveryCache()


def app_caches(state: State) -> AppCaches:
    return state.caches


def app_clock(state: State) -> Clock:
    return state.clock


class UseAppClock(ASGIMiddleware):
    """Every request reads the time from its application's clock."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        with clock_in_use(app_clock(scope["litestar_app"].state)):
            await next_app(scope, receive, send)
