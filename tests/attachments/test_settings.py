"""The attachment settings and their checks."""

from __future__ import annotations

import pytest

from server.settings import SettingsError, load_settings


def test_attachment_defaults() -> None:
    s = load_settings({})
    assert s.blob_backend == "local"
    assert s.upload_chunk_size == 256 * 1024
    assert s.max_file_bytes == 10 * 1024 * 1024 and s.max_dossier_bytes == 50 * 1024 * 1024
    assert s.upload_expiry_hours == 24 and s.blob_retention_days == 30


def test_s3_settings_are_read() -> None:
    s = load_settings(
        {
            "MOTCUA_BLOB_BACKEND": "S3",
            "MOTCUA_S3_BUCKET": "ho-so",
            "MOTCUA_S3_PREFIX": "/blobs/",
            "MOTCUA_S3_ENDPOINT": "http://127.0.0.1:9000/",
            "MOTCUA_UPLOAD_CHUNK_SIZE": "1048576",
        }
    )
    assert (s.blob_backend, s.s3_bucket, s.s3_prefix, s.s3_endpoint) == (
        "s3",
        "ho-so",
        "blobs",
        "http://127.0.0.1:9000",
    )
    assert s.upload_chunk_size == 1024 * 1024


@pytest.mark.parametrize(
    "env, name",
    [
        ({"MOTCUA_BLOB_BACKEND": "ftp"}, "MOTCUA_BLOB_BACKEND"),
        ({"MOTCUA_BLOB_BACKEND": "s3"}, "MOTCUA_S3_BUCKET"),
        ({"MOTCUA_UPLOAD_CHUNK_SIZE": "100"}, "MOTCUA_UPLOAD_CHUNK_SIZE"),
        ({"MOTCUA_UPLOAD_CHUNK_SIZE": "big"}, "MOTCUA_UPLOAD_CHUNK_SIZE"),
        (
            {"MOTCUA_MAX_FILE_BYTES": "20000000", "MOTCUA_MAX_DOSSIER_BYTES": "1000000"},
            "MOTCUA_MAX_DOSSIER_BYTES",
        ),
        ({"MOTCUA_S3_ENDPOINT": "minio:9000"}, "MOTCUA_S3_ENDPOINT"),
    ],
)
def test_bad_attachment_settings_name_the_variable(env: dict, name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(env)
