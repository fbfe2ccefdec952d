"""Attachments: photos and scans of documents, resumable over bad links (tus 1.0),
content-addressed by SHA-256, checked, stored behind a small interface, linked to
dossiers and served only to those allowed."""
