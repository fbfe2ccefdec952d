"""Every email about a dossier links to the dossier in the app, not to the public
lookup (which asks for a robot check even on the owner's phone): the submission,
the receipt and the request for documents ("gửi giấy tờ bổ sung ngay trên ứng dụng"),
read back from a real SMTP server, on both databases. The link is a plain path the
server redirects to the app's dossier route (#/ho-so/<id>)."""

from __future__ import annotations

import datetime as dt
import re

import httpx
from asgi_lifespan import LifespanManager  # noqa: F401  (the fixtures of test_deadlines use it)

from harness.sync_client import SyncDevice
from tests.desk.conftest import DeskOfficial
from tests.desk.test_deadlines import (  # noqa: F401  (fixtures)
    app,
    clock,
    delivered,
    gateway,
    notify_settings,
    smtp,
    submitted_marriage,
)
from tests.support.sms_gateway import Gateway
from tests.support.smtp import SmtpServer

_HREF = re.compile(r'href="([^"]+)"')


def _links(mail) -> tuple[list[str], str]:
    html = mail.get_body(preferencelist=("html",)).get_content()
    text = mail.get_body(preferencelist=("plain",)).get_content()
    return _HREF.findall(html), text


async def test_dossier_emails_open_the_dossier_in_the_app(
    app, person: SyncDevice, desk: DeskOfficial, smtp: SmtpServer, gateway: Gateway
) -> None:
    dossier = await submitted_marriage(person)
    assert (await desk.act(dossier, "receive")).status_code == 200
    asked = await desk.act(
        dossier,
        "request_documents",
        {
            "documents": ["Giấy xác nhận tình trạng hôn nhân"],
            "reason": "Cần đối chiếu.",
            "due_date": (dt.date(2026, 11, 20) + dt.timedelta(days=5)).isoformat(),
        },
    )
    assert asked.status_code == 200, asked.text

    base_url = app.state.settings.base_url
    in_app = f"{base_url}/ho-so/{dossier}"
    for subject, sms in (
        ("đã được gửi", "da duoc gui"),
        ("tiếp nhận", "da duoc tiep nhan"),
        ("bổ sung", "bo sung"),
    ):
        [mail], _ = await delivered(app, smtp, gateway, subject, sms)
        hrefs, text = _links(mail)
        assert in_app in hrefs, (subject, hrefs)
        assert in_app in text, subject
        assert not [h for h in hrefs if "tra-cuu" in h], hrefs
        assert "tra-cuu" not in text
    [requested], _ = await delivered(app, smtp, gateway, "bổ sung", "bo sung")
    hrefs, _ = _links(requested)
    assert hrefs.count(in_app) == 1  # "bổ sung giấy tờ" itself

    # The path opens the app on the dossier's route.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        opened = await http.get(in_app, follow_redirects=False)
        assert opened.status_code in (301, 302, 303, 307, 308)
        assert opened.headers["location"] == f"/#/ho-so/{dossier}"
        assert (await http.get(f"{base_url}/ho-so/not-a-dossier")).status_code == 404
