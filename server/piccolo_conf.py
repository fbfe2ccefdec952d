"""Piccolo's configuration module (PICCOLO_CONF=server.piccolo_conf).

Piccolo reads `DB` from here. It is the engine the application bound
(`server.database.bind_engine`), or before any binding, one built from the
environment's settings, so that Piccolo's own CLI works too. `DB` is looked up on
each read (a module `__getattr__`), so binding never writes this module."""

from __future__ import annotations

import functools

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

from server import engines
from server.settings import load_settings

APP_REGISTRY = AppRegistry(apps=["server.piccolo_app"])


@functools.cache
def _from_environment() -> Engine:
    return engines.build_engine(load_settings())


def __getattr__(name: str) -> Engine:
    if name == "DB":
        return engines.bound() or _from_environment()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
