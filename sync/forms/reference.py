"""Fixed national reference lists shipped next to the spec (ethnicities, nationalities, ID province codes).

Provinces and communes are not here: they change with administrative reorganisations, so the
caller passes them in the validation context.
"""

from __future__ import annotations

import functools
import json
from importlib import resources


def _load(name: str):
    return json.loads(
        resources.files("sync.forms").joinpath("reference").joinpath(name).read_text("utf-8")
    )


@functools.cache
def ethnicity_codes() -> frozenset[str]:
    return frozenset(item["code"] for item in _load("ethnicities.json"))


@functools.cache
def nationality_codes() -> frozenset[str]:
    return frozenset(_load("nationalities.json"))


@functools.cache
def id_province_codes() -> frozenset[str]:
    return frozenset(_load("id_province_codes.json"))
