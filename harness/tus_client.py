"""A small tus 1.0 client in Python (httpx), as a phone would drive the server:
ask which hashes the server lacks, create an upload, send chunks with a SHA-256
Upload-Checksum each, and on a broken connection ask where the upload stands (HEAD)
and go on from there. Used by tests/attachments and bench/upload_throughput.py;
the PWA uses tus-js-client (tests/tus_js)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass, field

import httpx

TUS = {"Tus-Resumable": "1.0.0"}
_BROKEN = (httpx.TransportError,)


class _Resume(Exception):
    """An answer that means the request broke on the way (see TusClient.resume_on)."""


@dataclass
class UploadReport:
    url: str | None = None
    status: int | None = None  # the final answer's status
    problem: dict | None = None  # its problem document when it failed
    body_bytes_sent: int = 0  # PATCH/POST body bytes handed to the connection
    requests: int = 0
    resumes: int = 0
    offsets: list[int] = field(default_factory=list)  # where each PATCH started
    seal: str | None = None  # Motcua-File-Seal of the answer that completed the upload

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 300


def metadata(values: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


class TusClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        headers: dict[str, str],
        endpoint: str = "/api/uploads",
        chunk_size: int = 256 * 1024,
        checksum: bool = True,
        max_retries: int = 30,
        retry_delay: float = 0.0,
        resume_on: tuple[int, ...] = (),
    ) -> None:
        self.http = http
        self.headers = {**headers, **TUS}
        self.endpoint = endpoint
        self.chunk_size = chunk_size
        self.checksum = checksum
        self.max_retries = max_retries
        self.retry_delay = retry_delay
        # Statuses taken like a broken connection: ask where the upload stands, go on.
        # Behind a proxy, 502/504 mean the host behind it broke (as tus-js-client does).
        self.resume_on = resume_on

    async def missing(self, hashes: list[str]) -> list[str]:
        r = await self.http.post(
            "/api/blobs/missing", json={"hashes": hashes}, headers=self.headers
        )
        r.raise_for_status()
        return r.json()["missing"]

    async def upload_if_missing(self, data: bytes, filename: str = "scan.pdf") -> UploadReport:
        sha = hashlib.sha256(data).hexdigest()
        report = UploadReport()
        if sha not in await self.missing([sha]):
            report.status = 200  # the server has it: nothing to send
            return report
        return await self.upload(data, filename=filename, report=report)

    async def upload(
        self,
        data: bytes,
        filename: str = "scan.pdf",
        sha256: str | None = None,
        report: UploadReport | None = None,
    ) -> UploadReport:
        report = report or UploadReport()
        sha256 = sha256 or hashlib.sha256(data).hexdigest()
        retries = 0
        offset = 0
        while True:
            try:
                if report.url is None:
                    report.requests += 1
                    r = await self.http.post(
                        self.endpoint,
                        headers={
                            **self.headers,
                            "Upload-Length": str(len(data)),
                            "Upload-Metadata": metadata({"sha256": sha256, "filename": filename}),
                        },
                    )
                    if r.status_code != 201:
                        return self._failed(report, r)
                    report.url = r.headers["location"]
                    offset = 0
                elif report.resumes or retries:
                    report.requests += 1
                    r = await self.http.head(report.url, headers=self.headers)
                    if r.status_code in self.resume_on:
                        raise _Resume
                    if r.status_code != 200:
                        return self._failed(report, r)
                    offset = int(r.headers["upload-offset"])
                    if offset == len(data):
                        report.status = 200
                        return report
                while offset < len(data):
                    chunk = data[offset : offset + self.chunk_size]
                    headers = {
                        **self.headers,
                        "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream",
                    }
                    if self.checksum:
                        digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
                        headers["Upload-Checksum"] = f"sha256 {digest}"
                    report.requests += 1
                    report.offsets.append(offset)
                    report.body_bytes_sent += len(chunk)
                    r = await self.http.patch(report.url, content=chunk, headers=headers)
                    if r.status_code == 409:  # the server stands elsewhere: go on from there
                        offset = int(r.headers["upload-offset"])
                        continue
                    if r.status_code in self.resume_on:
                        raise _Resume
                    if r.status_code != 204:
                        return self._failed(report, r)
                    offset = int(r.headers["upload-offset"])
                    report.seal = r.headers.get("motcua-file-seal") or report.seal
                report.status = 204
                return report
            except (*_BROKEN, _Resume):
                retries += 1
                report.resumes += 1
                if retries > self.max_retries:
                    raise
                if self.retry_delay:
                    await asyncio.sleep(self.retry_delay)

    @staticmethod
    def _failed(report: UploadReport, r: httpx.Response) -> UploadReport:
        report.status = r.status_code
        try:
            report.problem = r.json()
        except ValueError:
            report.problem = None
        return report
