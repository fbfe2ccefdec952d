"""Human messages for issue codes, in Vietnamese and English (`messages.json`)."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources

from .results import Issue
from .schema import FormSchema

LANGUAGES = ("vi", "en")
FALLBACK = "_default"  # for a check code the catalog did not give a message
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@functools.cache
def messages() -> dict[str, dict[str, str]]:
    return json.loads(resources.files("sync.forms").joinpath("messages.json").read_text("utf-8"))


def placeholders(template: str) -> set[str]:
    return set(_PLACEHOLDER.findall(template))


def render(issue: Issue, lang: str = "vi") -> str:
    """The issue's message in `lang` with `{param}` placeholders filled; a placeholder without a
    param is left visible rather than raising, since a message is worse missing than imperfect."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    table = messages()
    template = table.get(issue.code, table[FALLBACK])[lang]
    return _PLACEHOLDER.sub(lambda m: str(issue.params.get(m[1], m[0])), template)


def codes_without_message(schema: FormSchema) -> list[str]:
    """Check codes of `schema` that would be shown with the generic message (for catalog linting)."""
    table = messages()
    return sorted({c.code for c in schema.checks if c.code not in table})
