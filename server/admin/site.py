"""The piccolo-admin application: which tables, which columns, what may change."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

from server.settings import Settings

SITE_NAME = "motcua — quản trị"


def build_admin(settings: Settings):
    """piccolo-admin's ASGI app (a FastAPI app). Built on first use: most processes
    and tests never open /admin."""
    from piccolo.apps.user.tables import BaseUser
    from piccolo_admin.endpoints import TableConfig, create_admin
    from piccolo_api.crud.endpoints import OrderBy
    from piccolo_api.session_auth.tables import SessionsBase

    from server.admin import hooks
    from server.calendar.tables import CalendarOverride
    from server.catalog.tables import Procedure
    from server.communes.tables import Commune, Province
    from server.fees.tables import ProvincialFee
    from server.identity.tables import Account

    A, C, F, CO = Account, Commune, ProvincialFee, CalendarOverride
    tables = [
        TableConfig(
            A,
            # The uuid primary key is hidden: the email links to the row instead.
            visible_columns=[
                A.email,
                A.full_name,
                A.role,
                A.commune_code,
                A.kind,
                A.activated_at,
                A.is_demo,
            ],
            visible_filters=[A.email, A.full_name, A.role, A.commune_code, A.kind, A.is_demo],
            link_column=A.email,
            order_by=[OrderBy(A.created_at, ascending=False)],
            hooks=hooks.ACCOUNT_HOOKS,
            validators=hooks.ACCOUNT_VALIDATORS,
            menu_group="Người dùng",
        ),
        TableConfig(
            C,
            visible_filters=[C.code, C.province, C.name, C.kind, C.agency_name],
            hooks=hooks.COMMUNE_HOOKS,
            validators=hooks.COMMUNE_VALIDATORS,
            menu_group="Cơ quan",
        ),
        TableConfig(Province, validators=hooks.READ_ONLY, menu_group="Cơ quan"),
        TableConfig(
            F,
            visible_columns=[F.id, F.province_code, F.item, F.amount, F.note, F.updated_at],
            order_by=[OrderBy(F.province_code), OrderBy(F.item)],
            hooks=hooks.FEE_HOOKS,
            validators=hooks.FEE_VALIDATORS,
            menu_group="Phí, lệ phí",
        ),
        TableConfig(
            CO,
            visible_columns=[CO.id, CO.day, CO.kind, CO.note, CO.updated_at],
            order_by=[OrderBy(CO.day, ascending=False)],
            hooks=hooks.OVERRIDE_HOOKS,
            validators=hooks.OVERRIDE_VALIDATORS,
            menu_group="Lịch làm việc",
        ),
        TableConfig(Procedure, validators=hooks.READ_ONLY, menu_group="Thủ tục"),
    ]
    host = urlparse(settings.base_url).hostname or "localhost"
    return create_admin(
        tables,
        auth_table=BaseUser,
        session_table=SessionsBase,
        # The gate hands piccolo-admin a session of its own on every request
        # (gate.py); these only bound that session's life.
        session_expiry=timedelta(hours=1),
        max_session_expiry=timedelta(hours=settings.session_absolute_hours),
        page_size=50,
        production=settings.base_url.startswith("https://"),
        site_name=SITE_NAME,
        allowed_hosts=[host],
        auto_include_related=False,
        sidebar_links={"motcua": "/"},
    )
