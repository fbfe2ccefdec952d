"""Reference data shared by every process: dataset versions and conditional GETs."""
