"""Outgoing notifications: a transactional outbox, its templates and its delivery."""
