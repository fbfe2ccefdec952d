"""The metrics a motcua process keeps (prometheus-client).

Every label value comes from a short fixed list (a route template, an HTTP method, a
status code, a mutation kind or outcome, a channel): never a path, an id or anything a
person typed, so the number of series stays bounded.

With PROMETHEUS_MULTIPROC_DIR set (several `motcua serve` processes on one host),
prometheus-client keeps each process's values in files there and /metrics adds up
every process's (server/observability/exposition.py); without it, each process
answers for itself."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Seconds: from the 2 ms of a cached reference answer to a slow push over a busy database.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# Seconds a pull started behind the change it was first handed: live phones are seconds
# behind, a phone back from a day in the field hours.
LAG_BUCKETS = (1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400)

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_SECONDS = Histogram(
    "motcua_http_request_duration_seconds",
    "Time from a request's arrival to its answer's first body bytes, by route template",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
PUSH_MUTATIONS = Counter(
    "motcua_push_mutations",
    "Mutations in push batches, by what became of each: applied, merged, conflict, "
    "rejected (the engine's outcomes); duplicate (a seq answered from the record), "
    "repeat (a mutation applied before under another seq), out_of_order (after a gap, "
    "left for the device to resend)",
    ["outcome"],
)
PUSH_BATCHES_REFUSED = Counter(
    "motcua_push_batches_refused",
    "Push batches refused whole, by reason (seq_reused, recover_first, device_mismatch)",
    ["reason"],
)
PUSH_BATCHES_RETRIED = Counter(
    "motcua_push_batches_retried",
    "Push and put-back batches run again after they crossed another transaction and "
    "the database undid them, by the driver's error (DeadlockDetectedError, "
    "SerializationError, UniqueViolationError)",
    ["error"],
)
MUTATIONS_APPLIED = Counter(
    "motcua_mutations_applied",
    "Mutations that changed a dossier (outcome applied or merged), by kind",
    ["kind"],
)
PULL_LAG = Histogram(
    "motcua_pull_lag_seconds",
    "For a pull with a cursor that found changes: how long before the pull the oldest "
    "change it handed out was made (0: nothing new)",
    buckets=LAG_BUCKETS,
)
PULL_CHANGES = Counter("motcua_pull_changes", "Dossier changes handed out by pulls")
UPLOAD_BYTES = Counter(
    "motcua_upload_bytes_received", "Attachment bytes received and stored by tus PATCH requests"
)
UPLOADS_COMPLETED = Counter("motcua_uploads_completed", "Attachment uploads completed")
DELIVERY_FAILURES = Counter(
    "motcua_notify_delivery_failures",
    "Failed attempts to deliver a notification, by channel and by what follows: "
    "retry (tried again later) or failed (given up)",
    ["channel", "result"],
)
# This process's database pool, refreshed at each scrape and, in multiprocess mode, by
# every process every few seconds (server/observability/exposition.py); summed over the
# live processes. PostgreSQL only: Piccolo's SQLite engine opens a connection per
# query and keeps no pool.
POOL_CONNECTIONS = Gauge(
    "motcua_db_pool_connections",
    "Connections in the PostgreSQL pool, by state (in_use, idle)",
    ["state"],
    multiprocess_mode="livesum",
)
POOL_LIMITS = Gauge(
    "motcua_db_pool_limit_connections",
    "The PostgreSQL pool's bounds (MOTCUA_DB_POOL_MIN and MOTCUA_DB_POOL_MAX), by bound (min, max)",
    ["bound"],
    multiprocess_mode="livesum",
)


def method_label(method: str) -> str:
    """A mounted application (piccolo-admin) is handed any method a client invents."""
    return method if method in HTTP_METHODS else "OTHER"
