"""Wire shapes of the identity API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

from sync.digests import Sha256Digest

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
    # What an OpenID provider (the e-ID) verified about this person at their latest
    # sign-in with it; None when the account has no such binding. The app keeps it to
    # pre-fill the requester's section of a new draft, offline too.
    verified: VerifiedIdentityInfo | None = None


class VerifiedIdentityInfo(msgspec.Struct):
    provider: str
    provider_label: str
    # As the forms spell them; "" where the provider gave none.
    id_number: str
    full_name: str
    birth_date: str  # YYYY-MM-DD
    sex: str  # "male" | "female"
    residence: str
    verified_at: dt.datetime


class OidcProviderInfo(msgspec.Struct):
    name: str
    label: str  # in the request's language


class OidcStartRequest(msgspec.Struct, forbid_unknown_fields=True):
    # sign_in: anyone; link: the signed-in account (session cookie and CSRF token).
    purpose: Literal["sign_in", "link"] = "sign_in"
    # The app's hash-route path to land on afterwards ("/ho-so/…"); "/" by default.
    return_to: Annotated[str, msgspec.Meta(max_length=200, pattern=r"^/[A-Za-z0-9/_.-]*$")] = "/"
    lang: Lang = "vi"


class OidcStart(msgspec.Struct):
    # Send the browser there (a top-level navigation, not fetch).
    authorization_url: str


class LinkedIdentityInfo(msgspec.Struct):
    id: uuid.UUID
    provider: str
    provider_label: str
    # Only the last 4 digits, the rest masked.
    id_number_masked: str
    linked_at: dt.datetime
    verified_at: dt.datetime


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
    sha256: Sha256Digest
