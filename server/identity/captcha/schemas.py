"""Wire shapes of the robot check."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class CaptchaOut(msgspec.Struct, omit_defaults=True):
    id: uuid.UUID
    # The picture as a data URL: "data:image/png;base64,...".
    image: str
    # The same characters read aloud: "/api/captcha/{id}/audio" (audio/wav).
    audio_url: str
    expires_at: datetime
    # Demo mode only: "/api/captcha/{id}/answer", where a tester reads the answer.
    # Absent outside demo mode, where that URL answers 404.
    answer_url: str | None = None


class CaptchaAnswer(msgspec.Struct):
    answer: str
