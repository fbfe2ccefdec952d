"""Drives the product from the outside, as a phone, a browser's authenticator or a
bad network would: the protocol client, a device signed in as the app signs one in,
the soft passkey authenticator, the installed app driven in Chromium, the shaped and
cutting links, server processes, the chaos run, the authorization table with its
checker and sample files. Shared by the tests (tests/) and the benchmarks (bench/);
test-only helpers stay in tests/support."""
