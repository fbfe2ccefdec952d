"""The append-only audit log: who did what to which account or dossier."""
