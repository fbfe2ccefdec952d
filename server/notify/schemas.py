"""The shapes that cross module boundaries: each template's parameters, and a
rendered message."""

from __future__ import annotations

from datetime import date
from typing import Literal, cast

import msgspec

Language = Literal["vi", "en"]
TemplateName = Literal[
    "activation",
    "password_reset",
    "registration_attempt",
    "official_enrollment",
    "dossier_submitted",
    "dossier_received",
    "documents_requested",
    "dossier_result",
    "dossier_refused",
    "dossier_extended",
    "dossier_apology",
]


class _Params(msgspec.Struct, frozen=True, kw_only=True, tag_field="template"):
    # The recipient's name for the greeting; the greeting is generic without it.
    name: str = ""


class ActivationParams(_Params, frozen=True, tag="activation", kw_only=True):
    link: str
    valid_hours: int = 24


class PasswordResetParams(_Params, frozen=True, tag="password_reset", kw_only=True):
    link: str
    valid_hours: int = 1


class RegistrationAttemptParams(_Params, frozen=True, tag="registration_attempt", kw_only=True):
    # Someone registered with the address of an existing account. A password-reset
    # link for citizens, empty for officials (they sign in with passkeys).
    link: str = ""
    valid_hours: int = 1


class OfficialEnrollmentParams(_Params, frozen=True, tag="official_enrollment", kw_only=True):
    # One-time link that lets an official add a passkey.
    link: str
    valid_hours: int = 24


class _DossierParams(_Params, frozen=True, kw_only=True):
    code: str
    # The procedure's name in the message's language, and a link to the dossier.
    procedure: str = ""
    link: str = ""


class DossierSubmittedParams(_DossierParams, frozen=True, tag="dossier_submitted", kw_only=True):
    pass


class DossierReceivedParams(_DossierParams, frozen=True, tag="dossier_received", kw_only=True):
    appointment: date


class DocumentsRequestedParams(
    _DossierParams, frozen=True, tag="documents_requested", kw_only=True
):
    documents: list[str]
    reason: str
    due_date: date


class DossierResultParams(_DossierParams, frozen=True, tag="dossier_result", kw_only=True):
    pass


class DossierRefusedParams(_DossierParams, frozen=True, tag="dossier_refused", kw_only=True):
    reason: str


class DossierExtendedParams(_DossierParams, frozen=True, tag="dossier_extended", kw_only=True):
    reason: str
    # The new appointment for the result.
    appointment: date


class DossierApologyParams(_DossierParams, frozen=True, tag="dossier_apology", kw_only=True):
    reason: str
    # The date that was missed, and the new appointment.
    original_date: date
    appointment: date


EmailParams = (
    ActivationParams
    | PasswordResetParams
    | RegistrationAttemptParams
    | OfficialEnrollmentParams
    | DossierSubmittedParams
    | DossierReceivedParams
    | DocumentsRequestedParams
    | DossierResultParams
    | DossierRefusedParams
    | DossierExtendedParams
    | DossierApologyParams
)


class Rendered(msgspec.Struct, frozen=True):
    subject: str
    text: str
    html: str


def template_of(params: EmailParams) -> TemplateName:
    """The template a parameter Struct belongs to (its msgspec tag)."""
    # Each kind is tagged with its template's name; msgspec types a tag as str | int | None.
    return cast(TemplateName, type(params).__struct_config__.tag)


def language_of(raw: str) -> Language:
    """A language read back from the outbox; ValueError for one the product lacks."""
    if raw not in ("vi", "en"):
        raise ValueError(f"unsupported language {raw!r}")
    return raw


_decoder = msgspec.json.Decoder(EmailParams)
_encoder = msgspec.json.Encoder()


def encode_params(params: EmailParams) -> str:
    return _encoder.encode(params).decode()


def decode_params(raw: str) -> EmailParams:
    return _decoder.decode(raw)
