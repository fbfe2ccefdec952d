"""Piccolo's configuration module (PICCOLO_CONF=server.piccolo_conf).

The engine is chosen from settings at run time by `server.database.bind_engine`;
until then `DB` is built from the environment so Piccolo's own CLI works too."""

from piccolo.conf.apps import AppRegistry

from server.engines import build_engine
from server.settings import load_settings

DB = build_engine(load_settings())

APP_REGISTRY = AppRegistry(apps=["server.piccolo_app"])
