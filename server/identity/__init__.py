"""Accounts, roles, sessions, devices and passkeys."""
