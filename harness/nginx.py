"""Debian's nginx in front of `motcua serve` processes, with the deployment's own
configuration: deploy/nginx/motcua.conf is included as committed; the two files it
includes are written here for the test (the upstream lines of
motcua-upstreams.conf.example with this machine's ports, and a plain-HTTP listen on a
free port of 127.0.0.1 with the access log in the work directory)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.server_process import REPO, free_port

NGINX = Path(os.environ.get("MOTCUA_TEST_NGINX", "/usr/sbin/nginx"))
DEPLOY = REPO / "deploy" / "nginx"
SITE = DEPLOY / "motcua.conf"
UPSTREAMS_EXAMPLE = DEPLOY / "motcua-upstreams.conf.example"
LISTEN_EXAMPLE = DEPLOY / "motcua-listen.conf.example"
SERVER_LINE = re.compile(r"^server\s+(\S+)(.*;)\s*$")


def nginx_problem() -> str | None:
    """Why nginx cannot be run here, or None."""
    if not NGINX.exists():
        return f"{NGINX} not found (apt-get install nginx-light, or `make nginx`)"
    if not os.access(NGINX, os.X_OK):
        return f"{NGINX} is not executable"
    return None


def upstream_lines(ports: list[int]) -> str:
    """The example's `server` lines with their parameters (max_fails, fail_timeout),
    one per port, in order; the example must have a line for each."""
    lines = [
        m
        for line in UPSTREAMS_EXAMPLE.read_text().splitlines()
        if (m := SERVER_LINE.match(line.strip()))
    ]
    if len(lines) < len(ports):
        raise ValueError(f"{UPSTREAMS_EXAMPLE} has {len(lines)} server lines, not {len(ports)}")
    return "".join(
        f"server 127.0.0.1:{port}{m.group(2)}\n" for port, m in zip(ports, lines, strict=False)
    )


@dataclass
class AccessLine:
    method: str
    path: str
    status: int
    upstream: str  # the host(s) tried, as nginx writes them ("a, b" when it went on)
    request_id: str


ACCESS = re.compile(
    r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) .* upstream=(?P<upstream>.*?) '
    r"ust=\S+(?: \S+)* id=(?P<id>\S+)$"
)


class Nginx:
    def __init__(self, workdir: Path, upstream_ports: list[int], listen: str = "") -> None:
        """`listen`: the text of motcua-listen.conf; by default plain HTTP on a free
        port of 127.0.0.1, logging into the work directory."""
        self.workdir = workdir
        self.upstream_ports = upstream_ports
        self.listen = listen
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.workdir / "access.log"

    @property
    def error_log(self) -> Path:
        return self.workdir / "error.log"

    def render(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        (self.workdir / "motcua-upstreams.conf").write_text(upstream_lines(self.upstream_ports))
        (self.workdir / "motcua-listen.conf").write_text(
            self.listen
            or (
                f"listen 127.0.0.1:{self.port};\n"
                f"access_log {self.access_log} motcua;\n"
                f"error_log {self.error_log} info;\n"
            )
        )
        conf = self.workdir / "nginx.conf"
        # The part of Debian's /etc/nginx/nginx.conf the site needs, in the work directory.
        # As root the workers stay root: they must reach pytest's private temp directories.
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf.write_text(
            f"{user}worker_processes 2;\n"
            f"pid {self.workdir / 'nginx.pid'};\n"
            f"error_log {self.error_log} info;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"    client_body_temp_path {self.workdir / 'body'};\n"
            f"    proxy_temp_path {self.workdir / 'proxy'};\n"
            f"    fastcgi_temp_path {self.workdir / 'fastcgi'};\n"
            f"    uwsgi_temp_path {self.workdir / 'uwsgi'};\n"
            f"    scgi_temp_path {self.workdir / 'scgi'};\n"
            "    sendfile on;\n"
            f"    include {SITE};\n"
            "}\n"
        )
        return conf

    def check(self) -> str:
        """`nginx -t` on the rendered configuration: its output; raises when it fails."""
        conf = self.render()
        done = subprocess.run(
            [str(NGINX), "-t", "-p", str(self.workdir), "-c", str(conf)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{done.stderr}")
        return done.stderr

    def start(self) -> Nginx:
        conf = self.render()
        with open(self.workdir / "stderr.log", "wb") as err:
            self.process = subprocess.Popen(
                [str(NGINX), "-p", str(self.workdir), "-c", str(conf), "-g", "daemon off;"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        return self

    async def wait_ready(self) -> None:
        for _ in range(400):
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"nginx exited at start:\n{self.log_text()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.025)
        raise RuntimeError(f"nginx never listened on {self.port}:\n{self.log_text()}")

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def access(self) -> list[AccessLine]:
        if not self.access_log.exists():
            return []
        lines = []
        for line in self.access_log.read_text(errors="replace").splitlines():
            m = ACCESS.search(line)
            if m:
                lines.append(
                    AccessLine(m["method"], m["path"], int(m["status"]), m["upstream"], m["id"])
                )
        return lines

    def log_text(self) -> str:
        parts = []
        for path in (self.workdir / "stderr.log", self.error_log):
            if path.exists():
                parts.append(f"----- nginx {path.name} -----\n{path.read_text()[-20000:]}")
        return "\n".join(parts)
