from piccolo.columns import (
    UUID,
    BigInt,
    BigSerial,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Blob(Table, tablename="blob"):
    """A verified file, known by the SHA-256 of its bytes; stored once whoever sends it."""

    sha256 = Varchar(length=64, primary_key=True)
    size = BigInt()
    media_type = Varchar(length=64)  # sniffed from the bytes, never the client's word
    width = Integer(null=True, default=None)
    height = Integer(null=True, default=None)
    has_thumbnail = Boolean(default=False)  # a JPEG thumbnail is stored beside it
    created_at = Timestamptz()
    created_by = UUID(null=True, default=None)  # the first uploader's account
    # When the last dossier stopped referencing it; `motcua gc` counts from here
    # (or from created_at when no dossier ever did).
    released_at = Timestamptz(null=True, default=None)


class BlobRef(Table, tablename="blob_ref"):
    """Which dossier's fields hold which hash: kept in step with every dossier write."""

    id = BigSerial(primary_key=True)
    sha256 = Varchar(length=64, index=True)
    dossier_id = UUID(index=True)


class BlobUploader(Table, tablename="blob_uploader"):
    """Accounts that sent a blob's bytes: they may read it before any dossier holds it."""

    id = BigSerial(primary_key=True)
    sha256 = Varchar(length=64, index=True)
    account_id = UUID()
    device_id = UUID(null=True, default=None)
    at = Timestamptz()
    # The name it was first sent under by this account, for display only: the upload's
    # own record (Upload.filename) is removed a day after it completes.
    filename = Varchar(length=255, default="")


class Upload(Table, tablename="upload"):
    """A tus upload; the bytes so far are its upload_part rows, so that any server
    process sharing the database continues it."""

    id = Varchar(length=32, primary_key=True)  # 128 random bits, hex
    account_id = UUID(index=True)
    device_id = UUID(null=True, default=None)
    sha256 = Varchar(length=64)  # declared in Upload-Metadata, checked on completion
    length = BigInt()
    received = BigInt(default=0)  # the tus Upload-Offset
    media_type = Varchar(length=64, default="")  # sniffed from the first bytes
    filename = Varchar(length=255, default="")  # the client's name, for display only
    metadata = Text(default="")  # Upload-Metadata as sent, echoed on HEAD
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)
    completed_at = Timestamptz(null=True, default=None)
    # A PATCH is receiving a chunk of it until then (a lease, cleared when it ends):
    # a HEAD on any host waits for it, briefly, to learn the offset that includes it.
    receiving_until = Timestamptz(null=True, default=None)
    # A process is finishing it (hash, checks, store) until then: the others wait for
    # the finished row rather than finish it twice; a lapsed claim is taken over.
    finishing_until = Timestamptz(null=True, default=None)
    # Committed parts smaller than the smallest chunk size that did not complete it
    # (uploads.MAX_SMALL_PARTS bounds them): cut chunks, or a client's tiny ones.
    small_parts = Integer(default=0)


class UploadPart(Table, tablename="upload_part"):
    """One committed chunk of an unfinished upload: its bytes from `start` on. Removed
    with its upload (ON DELETE CASCADE) and once the file is stored."""

    id = BigSerial(primary_key=True)
    upload_id = ForeignKey(Upload, on_delete=OnDelete.cascade)
    start = BigInt()  # the offset of its first byte; unique per upload
    data = Bytea()
