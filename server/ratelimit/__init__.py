"""Rate limits shared by every server process, counted in the database."""
