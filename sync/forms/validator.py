"""`validate`: normalize, fill, decide visibility, then apply field rules and checks."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from . import schema as s
from .checks import run_checks
from .conditions import holds
from .date_words import date_in_words, is_date_in_words
from .dates import field_date_value, parse_date_value
from .field_rules import SEXES, field_problems
from .normalize import copy_json, is_empty, normalize
from .personal_id import Problem, id_problem
from .results import Context, Issue, ValidationResult


def validate(
    schema: s.FormSchema | Mapping[str, Any], answers: Mapping[str, Any], context: Context
) -> ValidationResult:
    """Validate one dossier's flat answers (`"section.field"` -> JSON value).

    Issues come in schema order (field by field), then checks, then unknown paths (sorted).
    """
    if not isinstance(schema, s.FormSchema):
        schema = s.parse_schema(schema)
    index = schema.fields_by_path()
    fields = {path: field for path, (_, field) in index.items()}

    # Normalized, non-empty answers to known paths: what conditions, fill rules and checks read.
    filled: dict[str, Any] = {}
    # Known paths the person answered, even with an empty value: no fill rule overrides them.
    answered: set[str] = set()
    unknown: list[str] = []
    for path, raw in answers.items():
        field = fields.get(path)
        if field is None:
            unknown.append(path)
            continue
        if raw is not None:
            answered.add(path)
        value = normalize(field.type, raw)
        if not is_empty(value):
            filled[path] = value

    for rule in schema.fill_rules:
        if holds(rule.when, filled):
            for copy in rule.copy:
                # An unanswered target receives the source's value as it is (already normalized);
                # one the person emptied (`""`) stays empty.
                if copy.to not in answered and copy.to not in filled and copy.from_ in filled:
                    filled[copy.to] = copy_json(filled[copy.from_])

    # A date in words follows its date: an empty one (even emptied: unlike a fill rule's
    # target, there is nothing else it could say) receives the generated words.
    for path, field in fields.items():
        if isinstance(field, s.TextField) and field.words_of_date is not None:
            day = _full_date(filled.get(field.words_of_date))
            if day is not None and path not in filled:
                filled[path] = date_in_words(day)

    visible: dict[str, bool] = {}
    for section in schema.sections:
        section_visible = section.visible_when is None or holds(section.visible_when, filled)
        for field in section.fields:
            own = field.visible_when is None or holds(field.visible_when, filled)
            visible[f"{section.id}.{field.id}"] = section_visible and own

    found: dict[str, list[Issue]] = {path: [] for path in fields}

    def add(path: str, code: str, params: dict[str, str | int] | None = None) -> None:
        found[path].append(Issue(path=path, code=code, severity="error", params=params or {}))

    for section in schema.sections:
        paths = [f"{section.id}.{f.id}" for f in section.fields]
        # An optional section nobody started (no visible field filled) has nothing required.
        started = not section.optional or any(visible[p] and p in filled for p in paths)
        for path, field in zip(paths, section.fields, strict=True):
            if not visible[path]:
                continue
            required = started and (
                field.required
                or (field.required_when is not None and holds(field.required_when, filled))
            )
            if path not in filled:
                if required:
                    add(path, "required")
                continue
            value = filled[path]
            if isinstance(field, s.CheckboxField) and value is False and required:
                add(path, "required")
            for code, params in field_problems(field, value, context):
                add(path, code, params)

    def usable(path: str) -> bool:
        """Visible, filled and free of errors of its own: safe for another rule to read."""
        return (
            visible[path] and path in filled and not any(i.severity == "error" for i in found[path])
        )

    # Rules that read another field, run once the fields they read (sex, date, year, province:
    # types without such rules) have been through their own rules.
    cross: list[tuple[str, Problem]] = []
    for path, field in fields.items():
        if usable(path):
            problem = _linked_problem(field, filled[path], fields, filled, visible, usable, context)
            if problem is not None:
                cross.append((path, problem))
    for path, (code, params) in cross:
        add(path, code, params)

    issues = [issue for path in fields for issue in found[path]]
    issues += run_checks(schema.checks, fields, filled, usable, context.filing_day)
    issues += [Issue(path=path, code="unknown_field", severity="error") for path in sorted(unknown)]
    values = {path: filled[path] for path in fields if visible[path] and path in filled}
    return ValidationResult(values=values, issues=issues)


def _linked_problem(
    field: s.Field,
    value: Any,
    fields: Mapping[str, s.Field],
    filled: Mapping[str, Any],
    visible: Mapping[str, bool],
    usable: Callable[[str], bool],
    context: Context,
) -> Problem | None:
    """The personal ID's and the commune's rules that compare with the field they name."""
    if isinstance(field, s.PersonalIdField):
        sex = birth_year = None
        if field.sex_field is not None and visible[field.sex_field]:
            chosen = filled.get(field.sex_field)
            sex = chosen if isinstance(chosen, str) and chosen in SEXES else None
        if field.birth_field is not None and visible[field.birth_field]:
            # "a valid date or year": a real one, even if outside the field's own limits
            # (a birth date before `min` still says which year the person was born).
            born_field = fields[field.birth_field]
            born = field_date_value(
                born_field.type,
                filled.get(field.birth_field),
                allow_year=getattr(born_field, "allow_year", False),
            )
            birth_year = born.year if born is not None else None
        return id_problem(value, context.today, sex=sex, birth_year=birth_year)
    if isinstance(field, s.TextField) and field.words_of_date is not None:
        day = _full_date(filled.get(field.words_of_date))
        if day is not None and not is_date_in_words(value, day):
            return "date_words_mismatch", {"expected": date_in_words(day)}
        return None
    if isinstance(field, s.CommuneField) and field.province_field is not None:
        province = field.province_field
        # Only against a valid choice: an unknown province has an error of its own.
        if usable(province) and context.communes[value] != filled[province]:
            return "commune_not_in_province", {"province": filled[province]}
    return None


def _full_date(value: Any) -> datetime.date | None:
    """A real `YYYY-MM-DD` date (even one outside its field's limits), read whether or not
    its field is visible, as fill rules read; a year alone has no day to put in words."""
    parsed = parse_date_value(value, allow_year=False)
    return parsed.date if parsed is not None else None
