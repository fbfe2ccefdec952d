"""Wire shapes of the identity API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

Lang = Literal["vi", "en"]


class RegisterRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    full_name: str
    phone: str
    personal_id: str
    password: str
    captcha_id: uuid.UUID
    captcha_answer: str
    kind: Literal["individual", "organisation"] = "individual"
    organisation_name: str = ""
    lang: Lang = "vi"


class RegisterResponse(msgspec.Struct):
    # No account id: the answer is the same when the address already had an account.
    status: Literal["activation_sent"]


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    token: str


class EmailRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    lang: Lang = "vi"


class ResetPasswordRequest(msgspec.Struct, forbid_unknown_fields=True):
    token: str
    password: str


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    password: str


class Accepted(msgspec.Struct):
    status: str


class SessionInfo(msgspec.Struct):
    account_id: uuid.UUID
    email: str
    full_name: str
    role: str
    commune_code: str
    # Send it back in X-CSRF-Token on every write made with the session cookie.
    csrf_token: str
    demo_mode: bool


class Profile(msgspec.Struct):
    id: uuid.UUID
    email: str
    full_name: str
    phone: str
    personal_id: str
    kind: str
    organisation_name: str
    role: str
    commune_code: str
    activated_at: dt.datetime | None
    created_at: dt.datetime


class DeviceRegistration(msgspec.Struct, forbid_unknown_fields=True):
    id: uuid.UUID
    name: str


class DeviceCredential(msgspec.Struct):
    device_id: uuid.UUID
    # "Authorization: Device <credential>" on sync requests. Shown once.
    credential: str


class DeviceInfo(msgspec.Struct):
    id: uuid.UUID
    name: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    revoked_at: dt.datetime | None
    current: bool = False


class PasskeyInfo(msgspec.Struct):
    id: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    backed_up: bool


class PersonalDocumentInfo(msgspec.Struct):
    id: uuid.UUID
    kind: str
    label: str
    sha256: str
    created_at: dt.datetime


class WebauthnOptions(msgspec.Struct):
    challenge_id: uuid.UUID
    # PublicKeyCredentialCreationOptions / RequestOptions as JSON (base64url).
    options: dict[str, Any]


class PasskeyRegistration(msgspec.Struct, forbid_unknown_fields=True):
    challenge_id: uuid.UUID
    credential: dict[str, Any]
    name: str = ""


class PasskeyLogin(msgspec.Struct, forbid_unknown_fields=True):
    challenge_id: uuid.UUID
    credential: dict[str, Any]


class EnrollOptionsRequest(msgspec.Struct, forbid_unknown_fields=True):
    token: str


class EnrollFinish(msgspec.Struct, forbid_unknown_fields=True):
    token: str
    challenge_id: uuid.UUID
    credential: dict[str, Any]
    name: str = ""


class OfficialInvite(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    full_name: str
    role: Literal["outreach", "desk", "agency_admin", "admin"]
    commune_code: str = ""
    lang: Lang = "vi"


class OfficialInvited(msgspec.Struct):
    account_id: uuid.UUID
    status: Literal["enrollment_sent"]


class RatingInfo(msgspec.Struct):
    dossier_id: uuid.UUID
    code: str | None
    procedure_code: str
    stars: int
    comment: str
    at: dt.datetime


class PersonalDocumentAdd(msgspec.Struct, forbid_unknown_fields=True):
    # id_card | passport | residence | birth_certificate | other
    kind: Literal["id_card", "passport", "residence", "birth_certificate", "other"]
    label: str
    sha256: Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
