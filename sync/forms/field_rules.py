"""Per-type rules for one filled, normalized value, apart from the ones that read another field."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from sync.digests import is_sha256

from . import schema as s
from .conditions import is_number
from .dates import DateValue, before, parse_date_value
from .personal_id import Problem, id_problem
from .reference import ethnicity_codes, nationality_codes
from .results import Context

MAX_NAME_LENGTH = 100
SEXES = frozenset({"male", "female"})
_PHONE = re.compile(r"0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-9])[0-9]{7}")
EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
# The longest address a mailbox may have (RFC 5321's path, less its brackets).
MAX_EMAIL = 254


def is_email(value: str) -> bool:
    return len(value) <= MAX_EMAIL and EMAIL_PATTERN.fullmatch(value) is not None


# ASCII digits only: re's [0-9] is ASCII, unlike \d, so both validators read the same
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_list(v: Any) -> bool:
    return isinstance(v, list)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


_JSON_TYPE: dict[str, Callable[[Any], bool]] = {
    "text": _is_str,
    "person_name": _is_str,
    "date": _is_str,
    "time": _is_str,
    "year": is_number,  # 2024.5 is a number of the right type, but not a valid year
    "select": _is_str,
    "sex": _is_str,
    "ethnicity": _is_str,
    "nationality": _is_str,
    "personal_id": _is_str,
    "phone": _is_str,
    "email": _is_str,
    "province": _is_str,
    "commune": _is_str,
    "number": is_number,
    "checkbox": _is_bool,
    "attachment": _is_list,
}


def _integral(n: int | float) -> bool:
    return isinstance(n, int) or n.is_integer()


def has_json_type(field: s.Field, value: Any) -> bool:
    return _JSON_TYPE[field.type](value)


def has_json_type_of(type_name: str, value: Any) -> bool:
    """`has_json_type` by the field's type name (see FormSchema.types_by_path)."""
    return _JSON_TYPE[type_name](value)


def number_param(n: int | float) -> str | int:
    """Params are str|int: keep integers, print other numbers as JSON would."""
    if isinstance(n, float) and n.is_integer():
        return int(n)
    return n if isinstance(n, int) else repr(n)


def _name_char_ok(c: str) -> bool:
    return c in " '-" or unicodedata.category(c)[0] in "LM"


def field_problems(field: s.Field, value: Any, ctx: Context) -> list[Problem]:
    """Every rule of the field's type that fails; `wrong_type` alone when the JSON type is wrong.

    Rules of one type are independent (a long name with digits is both `invalid_name` and
    `too_long`); only the personal ID stops at its first failure, as the spec says.
    """
    if not has_json_type(field, value):
        return [("wrong_type", {"type": field.type})]
    out: list[Problem] = []
    match field:
        case s.TextField():
            if len(value) > field.max_length:
                out.append(("too_long", {"max": field.max_length}))
            if field.min_length is not None and len(value) < field.min_length:
                out.append(("too_short", {"min": field.min_length}))
        case s.PersonNameField():
            # at least one letter: a lone "-" or "'" is not a name
            if not all(_name_char_ok(c) for c in value) or not any(
                unicodedata.category(c)[0] == "L" for c in value
            ):
                out.append(("invalid_name", {}))
            if len(value) > MAX_NAME_LENGTH:
                out.append(("too_long", {"max": MAX_NAME_LENGTH}))
        case s.DateField():
            parsed = parse_date_value(value, allow_year=field.allow_year)
            if parsed is None:
                return [("invalid_date", {})]
            today = ctx.today
            minimum = parse_date_value(field.min, allow_year=True)
            assert minimum is not None  # checked by parse_schema
            future = before(DateValue(today.year, today), parsed)
            early = before(parsed, minimum)
            if field.not_future and future:
                out.append(("date_in_future", {}))
            if early:
                out.append(("date_too_early", {"min": field.min}))
        case s.TimeField():
            if not _TIME.fullmatch(value):
                out.append(("invalid_time", {}))
        case s.YearField():
            if not (_integral(value) and 1000 <= value <= 9999):
                return [("invalid_year", {})]
            if field.not_future and value > ctx.today.year:
                out.append(("date_in_future", {}))
            if value < field.min:
                out.append(("date_too_early", {"min": field.min}))
        case s.SelectField():
            if value not in {o.value for o in field.options}:
                out.append(("not_an_option", {}))
        case s.SexField():
            if value not in SEXES:
                out.append(("not_an_option", {}))
        case s.EthnicityField():
            if value not in ethnicity_codes():
                out.append(("not_an_option", {}))
        case s.NationalityField():
            if value not in nationality_codes():
                out.append(("not_an_option", {}))
        case s.PersonalIdField():
            problem = id_problem(value, ctx.today)
            if problem is not None:
                out.append(problem)
        case s.PhoneField():
            if not _PHONE.fullmatch(value):
                out.append(("invalid_phone", {}))
        case s.EmailField():
            if not is_email(value):
                out.append(("invalid_email", {}))
        case s.ProvinceField():
            if value not in ctx.provinces:
                out.append(("unknown_province", {}))
        case s.CommuneField():
            if value not in ctx.communes:
                out.append(("unknown_commune", {}))
        case s.NumberField():
            if field.integer and not _integral(value):
                out.append(("not_integer", {}))
            if field.min is not None and value < field.min:
                out.append(("too_small", {"min": number_param(field.min)}))
            if field.max is not None and value > field.max:
                out.append(("too_large", {"max": number_param(field.max)}))
        case s.CheckboxField():
            pass  # `false` on a required checkbox is reported as `required` by the validator
        case s.AttachmentField():
            if not all(is_sha256(h) for h in value):
                out.append(("invalid_attachment", {}))
            if len(value) > field.max_files:
                out.append(("too_many_files", {"max": field.max_files}))
    return out


assert set(_JSON_TYPE) == s.FIELD_TYPES
