"""Provinces and communes (two levels since 1 July 2025); each commune's People's
Committee is the agency that receives civil-status dossiers."""
