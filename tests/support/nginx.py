"""A real nginx (Debian's /usr/sbin/nginx) for tests, from a config file or text.

    proxy = nginx.start(CONFIG, tmp_path / "nginx", replace={"@upstream@": server_address})
    try:
        httpx.get(proxy.url + "/health")
    finally:
        proxy.stop()

The config is a complete nginx.conf (events {} and http {} blocks). Before it is
written to the working directory, "@port@" is replaced by a free port of 127.0.0.1
(also `proxy.port`), then each key of `replace` by its value (e.g. a deploy config's
upstream addresses). The helper sets `daemon off`, the pid file and an error log in
the working directory (and `user root` when run as root and the config names no
user), so the config must not set `pid` or `daemon`. Relative paths in the config
are relative to the working directory (nginx's -p), which has logs/ and temp/.
Started, waited for until it accepts connections, stopped with SIGQUIT (graceful),
then SIGKILL; `error_log()` shows what it said, for a failing test."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

NGINX = "/usr/sbin/nginx"
PORT = "@port@"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    def __init__(self, process: subprocess.Popen, directory: Path, port: int) -> None:
        self.process = process
        self.directory = directory
        self.port = port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def error_log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(3)  # SIGQUIT: finish the requests under way, then exit
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start(
    config: str | Path,
    directory: Path,
    *,
    replace: Mapping[str, str] | None = None,
    port: int | None = None,
    timeout: float = 10.0,
) -> Nginx:
    """nginx serving `config` (text, or the path of a file) from `directory`."""
    text = config.read_text() if isinstance(config, Path) else config
    port = port or free_port()
    text = text.replace(PORT, str(port))
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    directory.mkdir(parents=True, exist_ok=True)
    for relative in ("logs", "temp"):  # for the config's relative log and temp paths
        (directory / relative).mkdir(exist_ok=True)
    conf = directory / "nginx.conf"
    conf.write_text(text)
    error_log = directory / "error.log"
    main = f"daemon off; pid {directory / 'nginx.pid'}; error_log {error_log} notice;"
    if os.geteuid() == 0 and not re.search(r"^\s*user\s", text, re.MULTILINE):
        # As root, workers would run as nobody, who cannot enter pytest's 0700 temp dirs.
        main += " user root;"
    command = [
        NGINX,
        "-p",
        str(directory),
        "-c",
        str(conf),
        "-e",
        str(error_log),
        "-g",
        main,
    ]
    with open(directory / "stdout.log", "wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    proxy = Nginx(process, directory, port)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited ({process.returncode}):\n{proxy.error_log()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proxy
        except OSError:
            if time.monotonic() > deadline:
                proxy.stop()
                raise RuntimeError(
                    f"nginx never listened on {port}:\n{proxy.error_log()}"
                ) from None
            time.sleep(0.05)


def stop(proxy: Nginx) -> None:
    proxy.stop()
