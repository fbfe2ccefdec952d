"""Every Piccolo table of the server, in creation order."""

from server.catalog.tables import Procedure, ProcedureVersion
from server.communes.tables import Commune, Province
from server.dossiers.tables import (
    AppliedMutation,
    ChangeFeed,
    CodeCounter,
    CodeReservation,
    DeviceSequence,
    Dossier,
    DossierConflict,
    DossierHistory,
)
from server.audit.tables import AuditEvent
from server.identity.captcha.tables import CaptchaChallenge
from server.identity.tables import (
    Account,
    Device,
    OneTimeToken,
    Passkey,
    PersonalDocument,
    Session,
    WebauthnChallenge,
)
from server.notify.tables import OutboxMessage
from server.ratelimit.tables import RateLimitBucket
from server.reference.tables import ReferenceDataset

ALL_TABLES = (
    ReferenceDataset,
    Province,
    Commune,
    Procedure,
    ProcedureVersion,
    Account,
    Session,
    Device,
    Passkey,
    WebauthnChallenge,
    OneTimeToken,
    PersonalDocument,
    AuditEvent,
    RateLimitBucket,
    CaptchaChallenge,
    OutboxMessage,
    Dossier,
    DossierConflict,
    DossierHistory,
    DeviceSequence,
    AppliedMutation,
    ChangeFeed,
    CodeCounter,
    CodeReservation,
)
