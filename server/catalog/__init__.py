"""The procedure catalog: procedures, their versioned definitions and form schemas."""
