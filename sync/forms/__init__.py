"""The form schema language (see README.md): parse a procedure's schema, validate answers.

This package is the authority on whether a submission is accepted; `pwa/src/forms/` mirrors it
offline and `tests/vectors/forms.json` keeps the two in agreement.
"""

from .messages import render
from .results import Context, Issue, ValidationResult
from .schema import FormSchema, SchemaError, parse_schema
from .validator import validate

__all__ = [
    "Context",
    "FormSchema",
    "Issue",
    "SchemaError",
    "ValidationResult",
    "parse_schema",
    "render",
    "validate",
]
