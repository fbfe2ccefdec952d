"""The statements of the tus upload path (server/attachments/uploads.py), rendered for
SQLite and PostgreSQL by server.sql. They carry each chunk's bytes to and from the
upload_part table straight through the driver."""

from __future__ import annotations

from server.sql import Statement

# The upload row, locked for the transaction (SQLite's IMMEDIATE transaction already
# excludes every other writer).
LOCK_UPLOAD = Statement("lock_upload", "SELECT * FROM upload WHERE id = :id {for_update}")
UPLOAD = Statement("upload", "SELECT * FROM upload WHERE id = :id")
INSERT_PART = Statement(
    "insert_part",
    "INSERT INTO upload_part (upload_id, start, data) VALUES (:upload_id, :start, :data)",
)
# The chunk is in: the offset moves on, the expiry too, a small part is counted
# (`small` is 1 or 0), and this request's receiving lease ends (another request's
# later lease stays).
ADVANCE = Statement(
    "advance",
    "UPDATE upload SET received = :received, expires_at = :expires_at, "
    "small_parts = small_parts + :small, receiving_until = "
    "CASE WHEN receiving_until = :lease THEN NULL ELSE receiving_until END WHERE id = :id",
)
# A PATCH's first look at its upload, which marks it receiving (for every host's HEAD):
# the caller's unfinished, unexpired upload, or no row (then a plain lookup says why).
START_RECEIVING = Statement(
    "start_receiving",
    "UPDATE upload SET receiving_until = :lease WHERE id = :id AND account_id = :account_id "
    "AND completed_at IS NULL AND expires_at > :now RETURNING *",
)
STOP_RECEIVING = Statement(
    "stop_receiving",
    "UPDATE upload SET receiving_until = NULL WHERE id = :id AND receiving_until = :lease",
)
# The first bytes, for sniffing the type: the leading `n` bytes of each part that
# starts before byte `before` (the same number).
HEAD_BYTES = Statement(
    "head_bytes",
    "SELECT start, substr(data, 1, :n) AS head FROM upload_part "
    "WHERE upload_id = :id AND start < :before ORDER BY start",
)
# The parts that begin from `start` up to (not including) `before`: a batch by bytes,
# whatever the parts' sizes (the finish streams them to a file). A client may send a
# file a few bytes a chunk; read a few parts at a time it took hours to read back.
PARTS_FROM = Statement(
    "parts_from",
    "SELECT start, data FROM upload_part WHERE upload_id = :id AND start >= :start "
    "AND start < :before ORDER BY start",
)
# This process finishes the upload: every byte is in, nobody finished it, and nobody
# is finishing it (or their claim lapsed: that process died).
CLAIM_FINISH = Statement(
    "claim_finish",
    "UPDATE upload SET finishing_until = :claim WHERE id = :id AND completed_at IS NULL "
    "AND received = length AND (finishing_until IS NULL OR finishing_until <= :now) "
    "RETURNING *",
)
RELEASE_FINISH = Statement(
    "release_finish",
    "UPDATE upload SET finishing_until = NULL WHERE id = :id AND finishing_until = :claim",
)
COMPLETE = Statement(
    "complete",
    "UPDATE upload SET completed_at = :completed_at, media_type = :media_type, "
    "finishing_until = NULL WHERE id = :id",
)
SET_MEDIA_TYPE = Statement(
    "set_media_type", "UPDATE upload SET media_type = :media_type WHERE id = :id"
)
DELETE_PARTS = Statement("delete_parts", "DELETE FROM upload_part WHERE upload_id = :id")
DELETE_UNFINISHED_UPLOAD = Statement(
    "delete_unfinished_upload", "DELETE FROM upload WHERE id = :id AND completed_at IS NULL"
)
# A termination: the upload goes unless a process is finishing it. Between storing the
# file and recording it, the open upload is what keeps the cleanup off the stored
# object (gc.py); removed then, the cleanup could delete the bytes of a blob about to
# be recorded.
TERMINATE = Statement(
    "terminate",
    "DELETE FROM upload WHERE id = :id "
    "AND (finishing_until IS NULL OR finishing_until <= :now) RETURNING id",
)
# Expired uploads (unfinished ones abandoned, finished ones no longer needed for a
# HEAD), from any host; their parts go with them (ON DELETE CASCADE). The condition
# is checked again at deletion: a PATCH that just extended one keeps it, and one a
# process is finishing stays until it is finished (see TERMINATE).
EXPIRED_UPLOADS = Statement("expired_uploads", "SELECT id FROM upload WHERE expires_at <= :now")
DELETE_EXPIRED_UPLOAD = Statement(
    "delete_expired_upload",
    "DELETE FROM upload WHERE id = :id AND expires_at <= :now "
    "AND (finishing_until IS NULL OR finishing_until <= :now)",
)
# Parts whose upload is gone without them (belt and braces behind the cascade).
DELETE_ORPHAN_PARTS = Statement(
    "delete_orphan_parts",
    "DELETE FROM upload_part WHERE NOT EXISTS "
    "(SELECT 1 FROM upload u WHERE u.id = upload_part.upload_id)",
)
