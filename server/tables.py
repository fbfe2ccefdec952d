"""Every Piccolo table of the server, in creation order."""

# piccolo-admin's own user and session tables (mirrors of our administrators; see
# server/admin/gate.py): created by migration m0013, bound by bind_engine like ours.
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from server.attachments.tables import Blob, BlobRef, BlobUploader, Upload, UploadPart
from server.audit.tables import AuditEvent
from server.calendar.tables import CalendarOverride, CalendarVersion
from server.catalog.tables import Procedure, ProcedureVersion
from server.communes.tables import Commune, Province
from server.dossiers.tables import (
    AppliedMutation,
    ChangeFeed,
    CodeCounter,
    CodeKey,
    CodeReservation,
    DeviceSequence,
    Dossier,
    DossierConflict,
    DossierHistory,
    DossierTask,
)
from server.fees.tables import ProvincialFee
from server.identity.captcha.tables import CaptchaChallenge
from server.identity.tables import (
    Account,
    Device,
    ExternalIdentity,
    OidcAttempt,
    OneTimeToken,
    Passkey,
    PersonalDocument,
    Session,
    WebauthnChallenge,
)
from server.notify.tables import DemoMail, DemoSms, OutboxMessage
from server.payments.tables import DemoPayment, Payment
from server.ratelimit.tables import RateLimitBucket
from server.recovery.tables import BackupLog, PutBack, ServerGeneration
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
    ExternalIdentity,
    OidcAttempt,
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
    CodeKey,
    CodeReservation,
    DossierTask,
    CalendarOverride,
    CalendarVersion,
    Blob,
    BlobRef,
    BlobUploader,
    Upload,
    UploadPart,
    ProvincialFee,
    Payment,
    ServerGeneration,
    BackupLog,
    PutBack,
    DemoMail,
    DemoSms,
    DemoPayment,
    BaseUser,
    SessionsBase,
)
