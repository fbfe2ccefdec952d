"""Levels of the form schema language, and a form written down for an app that speaks an
older level.

Phones run the app they installed until its service worker updates, and an app throws
away a form holding a check or field type it does not know. So an app names the level
it speaks, and the server serves each form in that level: what the level does not have
is left out, and the server, which validates every submission with the whole form,
still applies it at submit (sync/forms/README.md, Language levels)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec


class Level(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What one level added to the one before (keys of the JSON schema)."""

    level: int
    schema_keys: tuple[str, ...] = ()
    section_keys: tuple[str, ...] = ()
    field_keys: tuple[str, ...] = ()
    field_types: dict[str, tuple[str, ...]] = {}  # type -> its options
    fill_rule_keys: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    check_keys: tuple[str, ...] = ()
    checks: dict[str, tuple[str, ...]] = {}  # kind -> its keys


class Language(msgspec.Struct, frozen=True):
    levels: tuple[Level, ...]


class Vocabulary(msgspec.Struct, frozen=True):
    """Everything a level knows: its own additions and all earlier ones."""

    field_keys: frozenset[str]
    field_types: dict[str, frozenset[str]]
    check_keys: frozenset[str]
    checks: dict[str, frozenset[str]]


LANGUAGE = msgspec.json.decode(
    (Path(__file__).parent / "language.json").read_bytes(), type=Language
)
CURRENT = LANGUAGE.levels[-1].level


def vocabulary(level: int) -> Vocabulary:
    field_keys: set[str] = set()
    field_types: dict[str, set[str]] = {}
    check_keys: set[str] = set()
    checks: dict[str, set[str]] = {}
    for added in LANGUAGE.levels:
        if added.level > level:
            break
        field_keys.update(added.field_keys)
        check_keys.update(added.check_keys)
        for kind, options in added.field_types.items():
            field_types.setdefault(kind, set()).update(options)
        for kind, keys in added.checks.items():
            checks.setdefault(kind, set()).update(keys)
    return Vocabulary(
        field_keys=frozenset(field_keys),
        field_types={k: frozenset(v) for k, v in field_types.items()},
        check_keys=frozenset(check_keys),
        checks={k: frozenset(v) for k, v in checks.items()},
    )


_VOCABULARIES = {added.level: vocabulary(added.level) for added in LANGUAGE.levels}

# A type drafted as text, with what tells the person how the server will read it (text
# options every level has): without it "8h30" is refused with a code the app cannot say.
_AS_TEXT: dict[str, dict[str, Any]] = {
    "time": {
        "max_length": 5,
        "help": {"vi": "Giờ:phút, 24 giờ, ví dụ 08:30", "en": "HH:MM, 24-hour, e.g. 08:30"},
    },
}


def _field_for(field: dict[str, Any], words: Vocabulary) -> dict[str, Any]:
    options = words.field_types.get(field["type"])
    if options is None:
        # A type the app does not know: free text it can show and keep. The server
        # checks the value against the real type at submit.
        kept = {k: v for k, v in field.items() if k in words.field_keys}
        return {**_AS_TEXT.get(field["type"], {}), **kept, "type": "text"}
    allowed = words.field_keys | options
    if all(key in allowed for key in field):
        return field
    kept = {k: v for k, v in field.items() if k in allowed}
    if "words_of_date" in field and "words_of_date" not in allowed:
        # The server writes the words when the field is empty, and refuses any but the
        # date's: an app that cannot write them must not make the person type them.
        kept.pop("required", None)
        kept.pop("required_when", None)
    return kept


def _keeps(check: dict[str, Any], words: Vocabulary) -> bool:
    """A check the app cannot read whole is left out, not half-read: a check without
    its `when` would refuse what it should allow."""
    keys = words.checks.get(check["check"])
    return keys is not None and all(k in keys or k in words.check_keys for k in check)


def for_level(form: dict[str, Any], level: int) -> dict[str, Any]:
    """`form` (a valid schema of the current level) as an app speaking `level` can read
    it. The same object when nothing needs leaving out."""
    if level >= CURRENT:
        return form
    words = _VOCABULARIES.get(level) or _VOCABULARIES[LANGUAGE.levels[0].level]
    sections: list[dict[str, Any]] = []
    changed = False
    section: dict[str, Any]
    for section in form["sections"]:
        fields = [_field_for(field, words) for field in section["fields"]]
        if any(new is not old for new, old in zip(fields, section["fields"], strict=True)):
            changed = True
            section = {**section, "fields": fields}
        sections.append(section)
    checks: list[dict[str, Any]] = [c for c in form.get("checks", ()) if _keeps(c, words)]
    if len(checks) != len(form.get("checks", ())):
        changed = True
    if not changed:
        return form
    served: dict[str, Any] = {**form, "sections": sections}
    if "checks" in form:
        served["checks"] = checks
    return served
