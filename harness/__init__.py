"""Drives the product from the outside, as a phone, a browser's authenticator or a
bad network would: the protocol client, the soft passkey authenticator, the shaped
and cutting links, server processes and the chaos run. Shared by the tests (tests/)
and the benchmarks (bench/); test-only helpers stay in tests/support."""
