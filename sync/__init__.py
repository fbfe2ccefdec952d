"""motcua sync server (framework-free core)."""
