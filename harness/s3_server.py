"""moto's S3-compatible server on 127.0.0.1 (a test dependency, moto[server]), and the
settings that point motcua's S3 blob store at a fresh bucket in it."""

from __future__ import annotations

import secrets

import httpx


class S3Server:
    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def start(self) -> S3Server:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.stop()

    def bucket_env(self, prefix: str = "blobs") -> dict[str, str]:
        """A new bucket, and the environment of a server storing its blobs there."""
        bucket = "motcua-" + secrets.token_hex(4)
        httpx.put(f"{self.endpoint}/{bucket}").raise_for_status()  # moto takes unsigned requests
        return {
            "MOTCUA_BLOB_BACKEND": "s3",
            "MOTCUA_S3_BUCKET": bucket,
            "MOTCUA_S3_ENDPOINT": self.endpoint,
            "MOTCUA_S3_REGION": "us-east-1",
            "MOTCUA_S3_ACCESS_KEY_ID": "testing",
            "MOTCUA_S3_SECRET_ACCESS_KEY": "testing",
            "MOTCUA_S3_PREFIX": prefix,
        }
