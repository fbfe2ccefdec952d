"""The deployment of deploy/, on one machine: several `motcua serve` hosts (each its
own process, port and data directory; one database; blobs in a shared bucket) behind
nginx with deploy/nginx/motcua.conf. For tests/deployment and bench/multi_host.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from harness.nginx import Nginx
from harness.server_process import ServerProcess, free_port, server_env
from server.settings import Settings


class Deployment:
    def __init__(
        self, settings: Settings, workdir: Path, hosts: int = 3, env: dict[str, str] | None = None
    ) -> None:
        """`settings` names the shared database; `env` adds to every host's environment
        (the S3 bucket, the chunk size)."""
        self.workdir = workdir
        ports = [free_port() for _ in range(hosts)]
        self.servers = []
        for i, port in enumerate(ports):
            data_dir = workdir / f"host{i}"
            data_dir.mkdir(parents=True, exist_ok=True)
            environment = server_env(settings, MOTCUA_DATA_DIR=str(data_dir), **(env or {}))
            self.servers.append(ServerProcess(environment, workdir, f"host{i}", port=port))
        self.nginx = Nginx(workdir / "nginx", ports)

    @property
    def url(self) -> str:
        return self.nginx.url

    def host_named(self, upstream: str) -> int:
        """Which host an access-log upstream address ("127.0.0.1:port") is."""
        port = int(upstream.rsplit(":", 1)[1])
        return next(i for i, s in enumerate(self.servers) if s.port == port)

    async def start(self) -> Deployment:
        """Every host at once (as systemd starts them after a boot), then nginx."""
        for server in self.servers:
            server.start()
        await asyncio.gather(*(s.wait_ready() for s in self.servers))
        self.nginx.start()
        await self.nginx.wait_ready()
        return self

    async def restart(self, i: int) -> None:
        """Host i again, on its port: nginx finds it there once its fail_timeout is over."""
        self.servers[i].start()
        await self.servers[i].wait_ready()

    def stop(self) -> None:
        self.nginx.stop()
        for server in self.servers:
            server.stop()

    async def __aenter__(self) -> Deployment:
        try:
            return await self.start()
        except BaseException:
            self.stop()
            raise

    async def __aexit__(self, *exc: Any) -> None:
        self.stop()

    def logs(self) -> str:
        return "\n".join([*(s.log_text() for s in self.servers), self.nginx.log_text()])
