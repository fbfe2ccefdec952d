"""Signing in with an OpenID Connect provider (the national e-ID, VNeID, first): the
relying party's configuration, the login flow, and the accounts bound to a provider's
subject."""
