"""The schema language as msgspec Structs, and `parse_schema`, which refuses a malformed schema.

Decoding happens in two steps: msgspec checks the shape (types, required keys, unknown keys,
field and check tags), then `_Checker` checks what a type cannot say (id syntax, duplicates,
references to fields). Either way the error names the offending path, e.g.
`sections[2].fields[0].type`, because the procedure catalog is edited by hand.
"""

from __future__ import annotations

import re
from typing import Any, Literal, assert_type, get_args

import msgspec
from msgspec import UNSET, Struct, UnsetType

from .dates import parse_date_value

ID_RE = re.compile(r"[a-z][a-z0-9_]*")


class SchemaError(ValueError):
    """A schema that cannot be used; `path` locates the problem (`""` for the whole document)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class Text(Struct, frozen=True, forbid_unknown_fields=True):
    vi: str
    en: str


class Condition(Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """One node of a condition; exactly one shape is allowed (checked by `parse_schema`):
    `field` + one of `equals`/`in`/`filled`, or one of `all`/`any`/`not`."""

    field: str | UnsetType = UNSET
    equals: Any = UNSET
    in_: tuple[Any, ...] | UnsetType = msgspec.field(name="in", default=UNSET)
    filled: bool | UnsetType = UNSET
    all: tuple[Condition, ...] | UnsetType = UNSET
    any: tuple[Condition, ...] | UnsetType = UNSET
    not_: Condition | UnsetType = msgspec.field(name="not", default=UNSET)


class _Field(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, tag_field="type"):
    id: str
    label: Text
    help: Text | None = None
    required: bool = False
    required_when: Condition | None = None
    visible_when: Condition | None = None

    @property
    def type(self) -> str:
        tag = self.__struct_config__.tag
        assert isinstance(tag, str)  # every kind is declared with a string tag
        return tag


class TextField(_Field, frozen=True, tag="text"):
    max_length: int = 255
    min_length: int | None = None
    multiline: bool = False
    words_of_date: str | None = None  # a `date` field: this text is that date in words


class PersonNameField(_Field, frozen=True, tag="person_name"):
    pass


class DateField(_Field, frozen=True, tag="date"):
    allow_year: bool = False
    not_future: bool = True
    min: str = "1900-01-01"


class TimeField(_Field, frozen=True, tag="time"):
    """A time of day, `"HH:MM"` on the 24-hour clock (the time of death)."""


class YearField(_Field, frozen=True, tag="year"):
    not_future: bool = True
    min: int = 1900


class Option(Struct, frozen=True, forbid_unknown_fields=True):
    value: str
    label: Text


class SelectField(_Field, frozen=True, tag="select"):
    options: tuple[Option, ...]


class SexField(_Field, frozen=True, tag="sex"):
    pass


class EthnicityField(_Field, frozen=True, tag="ethnicity"):
    pass


class NationalityField(_Field, frozen=True, tag="nationality"):
    pass


class PersonalIdField(_Field, frozen=True, tag="personal_id"):
    sex_field: str | None = None
    birth_field: str | None = None


class PhoneField(_Field, frozen=True, tag="phone"):
    pass


class EmailField(_Field, frozen=True, tag="email"):
    pass


class ProvinceField(_Field, frozen=True, tag="province"):
    pass


class CommuneField(_Field, frozen=True, tag="commune"):
    province_field: str | None = None


class NumberField(_Field, frozen=True, tag="number"):
    integer: bool = True
    min: int | float | None = None
    max: int | float | None = None


class CheckboxField(_Field, frozen=True, tag="checkbox"):
    pass


class AttachmentField(_Field, frozen=True, tag="attachment"):
    max_files: int = 5


Field = (
    TextField
    | PersonNameField
    | DateField
    | TimeField
    | YearField
    | SelectField
    | SexField
    | EthnicityField
    | NationalityField
    | PersonalIdField
    | PhoneField
    | EmailField
    | ProvinceField
    | CommuneField
    | NumberField
    | CheckboxField
    | AttachmentField
)

FIELD_TYPES: frozenset[str] = frozenset(cls.__struct_config__.tag for cls in get_args(Field))


class Section(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    id: str
    title: Text
    optional: bool = False
    visible_when: Condition | None = None
    fields: tuple[Field, ...]


class Copy(Struct, frozen=True, forbid_unknown_fields=True):
    from_: str = msgspec.field(name="from")
    to: str


class FillRule(Struct, frozen=True, forbid_unknown_fields=True):
    when: Condition
    copy: tuple[Copy, ...]


Severity = Literal["error", "warning"]


class _Check(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, tag_field="check"):
    severity: Severity = "error"
    when: Condition | None = None  # the check runs only when this holds

    @property
    def kind(self) -> str:
        tag = self.__struct_config__.tag
        assert isinstance(tag, str)  # every kind is declared with a string tag
        return tag


class NotBefore(_Check, frozen=True, tag="not_before", kw_only=True):
    field: str
    reference: str
    code: str = "date_before_reference"


class DaysSince(_Check, frozen=True, tag="days_since", kw_only=True):
    field: str
    min: int | None = None
    max: int | None = None
    code: str


class MinAge(_Check, frozen=True, tag="min_age", kw_only=True):
    field: str
    years: int
    code: str


class UnderAge(_Check, frozen=True, tag="under_age", kw_only=True):
    field: str  # the error goes here (an option the age rules out, or the birth date itself)
    birth: str | None = None  # the birth date; default: `field`
    years: int
    code: str

    @property
    def birth_field(self) -> str:
        return self.birth if self.birth is not None else self.field


class Distinct(_Check, frozen=True, tag="distinct", kw_only=True):
    fields: tuple[str, ...]
    code: str


Check = NotBefore | DaysSince | MinAge | UnderAge | Distinct


class FormSchema(Struct, frozen=True, forbid_unknown_fields=True):
    sections: tuple[Section, ...]
    fill_rules: tuple[FillRule, ...] = ()
    checks: tuple[Check, ...] = ()

    def fields_by_path(self) -> dict[str, tuple[Section, Field]]:
        """`"section.field"` -> (section, field), in schema order. Built once per
        schema: every edit and every validation asks for it. Callers must not
        change the dict they get."""
        return _index_of(self).fields

    def types_by_path(self) -> dict[str, str]:
        """`"section.field"` -> the field's type name, built once per schema (the
        push path checks every edited value's JSON type against it)."""
        return _index_of(self).types


class _Index(Struct, frozen=True):
    schema: FormSchema  # kept, so its id cannot be reused while the index is cached
    fields: dict[str, tuple[Section, Field]]
    types: dict[str, str]


# id(schema) -> its index. Schemas are few (one per procedure version), so a small
# bound suffices.
_INDEXES: dict[int, _Index] = {}
_INDEXES_KEPT = 512


def _index_of(schema: FormSchema) -> _Index:
    found = _INDEXES.get(id(schema))
    if found is None or found.schema is not schema:
        fields = {f"{s.id}.{f.id}": (s, f) for s in schema.sections for f in s.fields}
        found = _Index(schema, fields, {path: f.type for path, (_, f) in fields.items()})
        _INDEXES[id(schema)] = found
        while len(_INDEXES) > _INDEXES_KEPT:
            del _INDEXES[next(iter(_INDEXES))]
    return found


def parse_schema(obj: Any) -> FormSchema:
    """Decode a schema from a dict (or JSON text/bytes); raise `SchemaError` naming the bad path."""
    if isinstance(obj, FormSchema):
        obj = msgspec.to_builtins(obj)
    try:
        if isinstance(obj, (str, bytes, bytearray)):
            schema = msgspec.json.decode(obj, type=FormSchema)
        else:
            schema = msgspec.convert(obj, FormSchema)
    except msgspec.ValidationError as exc:
        raise _schema_error_from_msgspec(str(exc)) from None
    except msgspec.DecodeError as exc:
        raise SchemaError("", f"not valid JSON: {exc}") from None
    _Checker(schema).run()
    return schema


_MSGSPEC_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_MSGSPEC_KEY = re.compile(
    r"^Object (?P<what>missing required field|contains unknown field) `(?P<key>[^`]*)`$"
)


def _schema_error_from_msgspec(text: str) -> SchemaError:
    # msgspec says "... - at `$.sections[2].fields[0]`"; rewrite it so the path ends at the bad key.
    m = _MSGSPEC_AT.match(text)
    assert m is not None
    msg, path = m["msg"], (m["path"] or "").lstrip(".")
    key = _MSGSPEC_KEY.match(msg)
    if key:
        path = f"{path}.{key['key']}" if path else key["key"]
        msg = "missing" if key["what"].startswith("missing") else "unknown key"
    elif msg.startswith("Invalid value") and path.endswith(".type"):
        msg = f"unknown field type {msg.removeprefix('Invalid value ')}; expected one of {', '.join(sorted(FIELD_TYPES))}"
    elif msg.startswith("Invalid value") and path.endswith(".check"):
        msg = f"unknown check {msg.removeprefix('Invalid value ')}"
    return SchemaError(path, msg)


_DATE_TYPES = ("date", "year")


class _Checker:
    """The rules a msgspec type cannot express; stops at the first problem, in document order."""

    def __init__(self, schema: FormSchema):
        self.schema = schema
        self.fields: dict[str, Field] = {}

    def run(self) -> None:
        self._collect_fields()
        for i, section in enumerate(self.schema.sections):
            p = f"sections[{i}]"
            if section.visible_when is not None:
                self._condition(section.visible_when, f"{p}.visible_when")
            for j, field in enumerate(section.fields):
                self._field(field, f"{p}.fields[{j}]")
        for i, rule in enumerate(self.schema.fill_rules):
            self._fill_rule(rule, f"fill_rules[{i}]")
        for i, check in enumerate(self.schema.checks):
            self._check(check, f"checks[{i}]")

    def _collect_fields(self) -> None:
        section_ids: set[str] = set()
        for i, section in enumerate(self.schema.sections):
            p = f"sections[{i}]"
            self._id(section.id, f"{p}.id", section_ids, "section")
            self._text(section.title, f"{p}.title")
            field_ids: set[str] = set()
            for j, field in enumerate(section.fields):
                fp = f"{p}.fields[{j}]"
                self._id(field.id, f"{fp}.id", field_ids, "field")
                self.fields[f"{section.id}.{field.id}"] = field

    def _id(self, value: str, path: str, seen: set[str], what: str) -> None:
        if not ID_RE.fullmatch(value):
            raise SchemaError(path, f"{what} id {value!r} must match [a-z][a-z0-9_]*")
        if value in seen:
            raise SchemaError(path, f"duplicate {what} id {value!r}")
        seen.add(value)

    def _text(self, text: Text, path: str) -> None:
        for lang in ("vi", "en"):
            if not getattr(text, lang).strip():
                raise SchemaError(f"{path}.{lang}", "must not be empty")

    def _ref(self, ref: str, path: str, types: tuple[str, ...] | None = None) -> None:
        field = self.fields.get(ref)
        if field is None:
            raise SchemaError(path, f"unknown field {ref!r} (expected 'section.field')")
        if types is not None and field.type not in types:
            raise SchemaError(
                path, f"field {ref!r} is a {field.type}, expected {' or '.join(types)}"
            )

    def _field(self, field: Field, p: str) -> None:
        self._text(field.label, f"{p}.label")
        if field.help is not None:
            self._text(field.help, f"{p}.help")
        if field.required_when is not None:
            self._condition(field.required_when, f"{p}.required_when")
        if field.visible_when is not None:
            self._condition(field.visible_when, f"{p}.visible_when")
        if isinstance(field, TextField):
            if field.words_of_date is not None:
                self._ref(field.words_of_date, f"{p}.words_of_date", ("date",))
            if field.max_length < 1:
                raise SchemaError(f"{p}.max_length", "must be at least 1")
            if field.min_length is not None:
                if field.min_length < 0:
                    raise SchemaError(f"{p}.min_length", "must not be negative")
                if field.min_length > field.max_length:
                    raise SchemaError(f"{p}.min_length", "must not exceed max_length")
        elif isinstance(field, DateField):
            if parse_date_value(field.min, allow_year=True) is None:
                raise SchemaError(
                    f"{p}.min", f"{field.min!r} is not a date YYYY-MM-DD or a year YYYY"
                )
        elif isinstance(field, SelectField):
            if not field.options:
                raise SchemaError(f"{p}.options", "must not be empty")
            values: set[str] = set()
            for k, option in enumerate(field.options):
                if option.value in values:
                    raise SchemaError(
                        f"{p}.options[{k}].value", f"duplicate option {option.value!r}"
                    )
                values.add(option.value)
                self._text(option.label, f"{p}.options[{k}].label")
        elif isinstance(field, PersonalIdField):
            if field.sex_field is not None:
                self._ref(field.sex_field, f"{p}.sex_field", ("sex",))
            if field.birth_field is not None:
                self._ref(field.birth_field, f"{p}.birth_field", _DATE_TYPES)
        elif isinstance(field, CommuneField) and field.province_field is not None:
            self._ref(field.province_field, f"{p}.province_field", ("province",))
        elif isinstance(field, NumberField):
            if field.min is not None and field.max is not None and field.min > field.max:
                raise SchemaError(f"{p}.min", "must not exceed max")
        elif isinstance(field, AttachmentField) and field.max_files < 1:
            raise SchemaError(f"{p}.max_files", "must be at least 1")

    def _condition(self, cond: Condition, p: str) -> None:
        leaf_ops = [op for op in ("equals", "in_", "filled") if getattr(cond, op) is not UNSET]
        tree_ops = [op for op in ("all", "any", "not_") if getattr(cond, op) is not UNSET]
        if cond.field is not UNSET:
            if tree_ops or len(leaf_ops) != 1:
                raise SchemaError(
                    p, "a condition on a field needs exactly one of equals, in, filled"
                )
            self._ref(cond.field, f"{p}.field")
            return
        if leaf_ops:
            raise SchemaError(f"{p}.field", "missing (equals, in and filled apply to a field)")
        if len(tree_ops) != 1:
            raise SchemaError(p, "a condition needs exactly one of field, all, any, not")
        if cond.not_ is not UNSET:
            self._condition(cond.not_, f"{p}.not")
            return
        op = tree_ops[0]
        children = getattr(cond, op)
        if not children:
            raise SchemaError(f"{p}.{op}", "must not be empty")
        for k, child in enumerate(children):
            self._condition(child, f"{p}.{op}[{k}]")

    def _fill_rule(self, rule: FillRule, p: str) -> None:
        self._condition(rule.when, f"{p}.when")
        if not rule.copy:
            raise SchemaError(f"{p}.copy", "must not be empty")
        for k, copy in enumerate(rule.copy):
            self._ref(copy.from_, f"{p}.copy[{k}].from")
            self._ref(copy.to, f"{p}.copy[{k}].to")
            if copy.from_ == copy.to:
                raise SchemaError(f"{p}.copy[{k}].to", "copies a field onto itself")

    def _check(self, check: Check, p: str) -> None:
        if not check.code.strip():
            raise SchemaError(f"{p}.code", "must not be empty")
        if check.when is not None:
            self._condition(check.when, f"{p}.when")
        if isinstance(check, NotBefore):
            self._ref(check.field, f"{p}.field", _DATE_TYPES)
            self._ref(check.reference, f"{p}.reference", _DATE_TYPES)
        elif isinstance(check, DaysSince):
            self._ref(check.field, f"{p}.field", _DATE_TYPES)
            if check.min is None and check.max is None:
                raise SchemaError(p, "needs min, max or both")
            if check.min is not None and check.max is not None and check.min > check.max:
                raise SchemaError(f"{p}.min", "must not exceed max")
        elif isinstance(check, MinAge):
            self._ref(check.field, f"{p}.field", _DATE_TYPES)
            if check.years < 0:
                raise SchemaError(f"{p}.years", "must not be negative")
        elif isinstance(check, UnderAge):
            if check.birth is None:
                self._ref(check.field, f"{p}.field", _DATE_TYPES)
            else:
                self._ref(check.field, f"{p}.field")
                self._ref(check.birth, f"{p}.birth", _DATE_TYPES)
            if check.years < 1:
                raise SchemaError(f"{p}.years", "must be at least 1")
        else:
            assert_type(check, Distinct)  # the last kind; a new kind needs its own branch
            if len(check.fields) < 2:
                raise SchemaError(f"{p}.fields", "needs at least two fields")
            for k, ref in enumerate(check.fields):
                self._ref(ref, f"{p}.fields[{k}]")
                if ref in check.fields[:k]:
                    raise SchemaError(f"{p}.fields[{k}]", f"field {ref!r} listed twice")
