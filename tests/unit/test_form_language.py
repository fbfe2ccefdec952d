"""The levels of the form language (sync/forms/language.json) describe the parser
exactly, and a form written down to a level holds only what that level knows."""

from __future__ import annotations

import copy
from typing import Any, get_args

import msgspec
import pytest

from server.catalog.loader import load_catalog
from sync.forms import parse_schema
from sync.forms.language import CURRENT, LANGUAGE, for_level, vocabulary
from sync.forms.schema import (
    Check,
    Condition,
    Field,
    FillRule,
    FormSchema,
    Section,
    _Check,
    _Field,
)


def _names(cls: type) -> set[str]:
    return {f.encode_name for f in msgspec.structs.fields(cls)}


def _tag(cls: Any) -> str:
    return cls.__struct_config__.tag


def _union(attr: str) -> set[str]:
    out: set[str] = set()
    for level in LANGUAGE.levels:
        out.update(getattr(level, attr))
    return out


def test_the_levels_name_every_key_and_kind_the_parser_takes():
    words = vocabulary(CURRENT)
    assert _union("schema_keys") == _names(FormSchema)
    assert _union("section_keys") == _names(Section)
    assert _union("fill_rule_keys") == _names(FillRule)
    assert _union("conditions") == _names(Condition)
    assert words.field_keys | {"type"} == _names(_Field) | {"type"}
    assert {_tag(c): _names(c) - _names(_Field) for c in get_args(Field)} == {
        kind: set(options) for kind, options in words.field_types.items()
    }
    assert words.check_keys | {"check"} == _names(_Check) | {"check"}
    assert {_tag(c): _names(c) - _names(_Check) for c in get_args(Check)} == {
        kind: set(keys) for kind, keys in words.checks.items()
    }


def test_levels_are_numbered_in_order_from_one():
    assert [level.level for level in LANGUAGE.levels] == list(range(1, CURRENT + 1))


def _outside(form: dict[str, Any], level: int) -> list[str]:
    """What in `form` the level does not know."""
    words = vocabulary(level)
    found = []
    for section in form["sections"]:
        for field in section["fields"]:
            options = words.field_types.get(field["type"])
            if options is None:
                found.append(f"{section['id']}.{field['id']}: type {field['type']}")
                continue
            found += [
                f"{section['id']}.{field['id']}: {key}"
                for key in field
                if key not in words.field_keys and key not in options
            ]
    for check in form.get("checks", ()):
        keys = words.checks.get(check["check"])
        if keys is None:
            found.append(f"check {check['check']}")
            continue
        found += [
            f"check {check['check']}: {key}"
            for key in check
            if key not in keys and key not in words.check_keys
        ]
    return found


CATALOG = load_catalog()


@pytest.mark.parametrize("level", range(1, CURRENT + 1))
@pytest.mark.parametrize("item", CATALOG, ids=[p.definition.code for p in CATALOG])
def test_every_procedure_written_down_to_every_level_parses_and_holds_only_that_level(item, level):
    form = item.definition.form
    served = for_level(form, level)
    parse_schema(served)
    assert _outside(served, level) == []


def test_the_current_level_is_served_as_it_is():
    form = CATALOG[0].definition.form
    assert for_level(form, CURRENT) is form
    assert for_level(form, CURRENT + 5) is form


BIRTH = {
    "sections": [
        {
            "id": "child",
            "title": {"vi": "Trẻ", "en": "Child"},
            "fields": [
                {"id": "birth_date", "type": "date", "label": {"vi": "Ngày sinh", "en": "Born"}},
                {
                    "id": "birth_date_words",
                    "type": "text",
                    "label": {"vi": "Bằng chữ", "en": "In words"},
                    "required": True,
                    "words_of_date": "child.birth_date",
                },
                {"id": "bhyt", "type": "checkbox", "label": {"vi": "BHYT", "en": "Card"}},
            ],
        }
    ],
    "checks": [
        {"check": "min_age", "field": "child.birth_date", "years": 0, "code": "c"},
        {
            "check": "under_age",
            "field": "child.bhyt",
            "birth": "child.birth_date",
            "years": 6,
            "code": "bhyt_child_too_old",
            "when": {"field": "child.bhyt", "equals": True},
        },
        {
            "check": "days_since",
            "field": "child.birth_date",
            "max": 60,
            "code": "late",
            "when": {"field": "child.bhyt", "equals": True},
        },
    ],
}


def test_level_one_leaves_out_new_checks_whole_and_new_options():
    form = copy.deepcopy(BIRTH)
    served = for_level(form, 1)
    assert form == BIRTH, "the form itself is never changed"
    assert [c["check"] for c in served["checks"]] == ["min_age"]
    words = served["sections"][0]["fields"][1]
    # Not required either: the server writes the words when the field is left empty.
    assert "words_of_date" not in words and "required" not in words
    assert served["sections"][0]["fields"][0] is form["sections"][0]["fields"][0]


def test_a_type_a_level_does_not_know_is_served_as_text_with_its_common_keys():
    form = copy.deepcopy(BIRTH)
    form["sections"][0]["fields"].append(
        {
            "id": "died_at",
            "type": "clock_time",
            "label": {"vi": "Giờ", "en": "Time"},
            "required": True,
            "precision": "minute",
        }
    )
    served = for_level(form, 1)
    assert served["sections"][0]["fields"][-1] == {
        "id": "died_at",
        "type": "text",
        "label": {"vi": "Giờ", "en": "Time"},
        "required": True,
    }
