"""A real HTTP server on 127.0.0.1 for a test double written as an ASGI callable
(an SMS gateway, a payment gateway), run by uvicorn in a thread of its own so the
server under test reaches it over TCP as it would reach the real service."""

from __future__ import annotations

import threading

import uvicorn

from tests.support.waiting import wait_until_sync


class ThreadedASGI:
    def __init__(self, app, port: int, name: str) -> None:
        self.name = name
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                log_level="warning",
                lifespan="off",
                access_log=False,
            )
        )
        self._thread = threading.Thread(target=self._server.run, name=name, daemon=True)

    def start(self, timeout: float = 10) -> ThreadedASGI:
        self._thread.start()
        wait_until_sync(
            lambda: self._server.started,
            seconds=timeout,
            interval=0.02,
            message=f"the test {self.name} did not start",
        )
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
