"""Dossiers: the sync endpoints (push, pull, code reservations), public lookup,
and the Piccolo storage behind the protocol in `sync/`."""
