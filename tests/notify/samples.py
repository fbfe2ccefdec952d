"""One set of parameters per template, shared by the notify tests."""

from __future__ import annotations

import uuid
from datetime import date

from piccolo.engine.base import Engine

from server.database import write_transaction
from server.notify.outbox import enqueue_email
from server.notify.schemas import (
    ActivationParams,
    DocumentsRequestedParams,
    DossierApologyParams,
    DossierExtendedParams,
    DossierReceivedParams,
    DossierRefusedParams,
    DossierResultParams,
    DossierSubmittedParams,
    EmailParams,
    OfficialEnrollmentParams,
    PasswordResetParams,
    RegistrationAttemptParams,
)

SAMPLES: list[EmailParams] = [
    ActivationParams(link="http://localhost:8000/activate?t=abc&x=1", name="Nguyễn Thị Hoà"),
    PasswordResetParams(link="http://localhost:8000/reset?t=def"),
    OfficialEnrollmentParams(link="http://localhost:8000/enroll?t=ghi", name="Trần Văn Đức"),
    DossierSubmittedParams(code="01234260000001AK", procedure="Đăng ký khai sinh"),
    DossierReceivedParams(code="01234260000001AK", appointment=date(2026, 11, 25)),
    DocumentsRequestedParams(
        code="01234260000001AK",
        documents=["Giấy chứng sinh (bản chính)", "Giấy chứng nhận kết hôn <bản sao>"],
        reason="Ảnh chụp giấy chứng sinh bị mờ, không đọc được số",
        due_date=date(2026, 12, 1),
        link="http://localhost:8000/d/01234260000001AK",
    ),
    DossierResultParams(code="01234260000001AK"),
    DossierRefusedParams(code="01234260000001AK", reason="Không thuộc thẩm quyền của UBND xã"),
    RegistrationAttemptParams(
        link="http://localhost:8000/reset-password?token=jkl", name="Lê Văn Bình"
    ),
    DossierExtendedParams(
        code="01234260000001AK",
        procedure="Đăng ký kết hôn",
        reason="Cần xác minh tình trạng hôn nhân của bên nam tại nơi cư trú trước đây",
        appointment=date(2026, 12, 1),
        link="http://localhost:8000/d/01234260000001AK",
    ),
    DossierApologyParams(
        code="01234260000001AK",
        reason="Chưa nhận được kết quả xác minh <từ nơi cư trú>",
        original_date=date(2026, 11, 23),
        appointment=date(2026, 11, 27),
    ),
]

RECEIVED = DossierReceivedParams(code="01234260000001AK", appointment=date(2026, 11, 25))
RECEIVED_SUBJECT_VI = "Hồ sơ 01234260000001AK đã được tiếp nhận"


async def enqueue_committed(
    engine: Engine, count: int = 1, prefix: str = "nguoi"
) -> list[uuid.UUID]:
    """`count` messages enqueued in one committed transaction."""
    async with write_transaction(engine):
        return [
            await enqueue_email(f"{prefix}{i}@example.vn", "dossier_received", "vi", RECEIVED)
            for i in range(count)
        ]
