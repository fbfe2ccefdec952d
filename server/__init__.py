"""motcua server: the Litestar application around the `sync` protocol."""
