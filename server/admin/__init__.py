"""piccolo-admin at /admin, for the admin role only: fees, holiday overrides, agency
names, accounts and their roles. Signed in through our own session (gate.py); edits
are checked and written to the audit log by the hooks in hooks.py."""
