"""Realistic mutations: birth registration drafts as a phone queues them.

A dossier is `create_draft` (procedure khai-sinh with the complete 20-field answer
set of harness/sync_client.birth_answers, the child's name varied), then
`attach` (the hospital birth certificate, by SHA-256) and `edit_draft` (the person
corrects two fields). For the pull benchmark it is also submitted (a state change
that gets a dossier code)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from bench.devices import Device
from harness.sync_client import birth_answers, uuid7

PROCEDURE = "khai-sinh"
# Distinct birth-certificate files; dossier i attaches file i % ATTACHMENT_POOL. The
# servers' databases hold them as already uploaded (bench/servers.py).
ATTACHMENT_POOL = 2048
_SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
_MIDDLE = [
    "Văn",
    "Minh",
    "Đức",
    "Quang",
    "Thành",
    "Hữu",
    "Gia",
    "Bảo",
    "Anh",
    "Công",
    "Thị",
    "Ngọc",
    "Thu",
    "Khánh",
    "Phương",
    "Hoài",
]
_GIVEN = [
    "Khang",
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hiếu",
    "Hùng",
    "Khoa",
    "Lâm",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Ngân",
    "Nhi",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Trí",
    "Tú",
    "Uyên",
    "Việt",
    "Vy",
    "Yến",
]


def vn_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def child_name(i: int) -> str:
    """A distinct, valid Vietnamese name for each i below 7,680 (then they repeat)."""
    a, rest = i % len(_SURNAMES), i // len(_SURNAMES)
    b, rest = rest % len(_MIDDLE), rest // len(_MIDDLE)
    c = rest % len(_GIVEN)
    return f"{_SURNAMES[a]} {_MIDDLE[b]} {_GIVEN[c]}"


def birth_fields(i: int, email: bool = True) -> dict[str, Any]:
    fields = birth_answers(vn_today(), child=child_name(i))
    if not email:
        # A submission with an email queues a confirmation message; the pull
        # benchmark leaves it out so no mail delivery runs while it measures.
        fields.pop("contact.email", None)
    return fields


def create_draft_payload(i: int, email: bool = True) -> dict[str, Any]:
    return {"procedure_code": PROCEDURE, "fields": birth_fields(i, email)}


def attachment_sha256(i: int) -> str:
    return hashlib.sha256(f"giấy chứng sinh {i % ATTACHMENT_POOL}".encode()).hexdigest()


def attachment_pool() -> list[str]:
    return [attachment_sha256(i) for i in range(ATTACHMENT_POOL)]


def attach_payload(i: int) -> dict[str, Any]:
    return {"path": "attachments.birth_certificate", "sha256": attachment_sha256(i)}


def edit_payload(i: int) -> dict[str, Any]:
    return {
        "changes": {
            "child.hometown": "Nam Định",
            "requester.residence": f"Số {i % 200 + 1} đường Trần Hưng Đạo, Nam Định",
        }
    }


def draft_mutations(device: Device, start: int, count: int) -> list[dict[str, Any]]:
    """`count` mutations in the create, attach, edit rhythm (the last dossier may be
    cut short), numbered on the device's seq."""
    out: list[dict[str, Any]] = []
    i = start
    while len(out) < count:
        dossier = uuid7()
        steps = [
            ("create_draft", create_draft_payload(i), 0),
            ("attach", attach_payload(i), 1),
            ("edit_draft", edit_payload(i), 2),
        ]
        for kind, payload, base in steps:
            if len(out) == count:
                break
            out.append(device.mutation(kind, dossier, payload, base))
        i += 1
    return out


def submitted_dossier(device: Device, i: int) -> tuple[uuid.UUID, list[dict[str, Any]]]:
    """create_draft, attach, submit: a dossier that changed state and has a code."""
    dossier = uuid7()
    return dossier, [
        device.mutation("create_draft", dossier, create_draft_payload(i, email=False), 0),
        device.mutation("attach", dossier, attach_payload(i), 1),
        device.mutation("submit", dossier, {}, 2),
    ]


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for k in range(0, len(items), size):
        yield items[k : k + size]
