"""Read, expand and check the procedure data files. Nothing reaches the database
unless every file is valid; an error names the file and the entry."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import msgspec

from server.catalog.definition import Document, ProcedureDefinition, Text
from sync.forms import SchemaError, parse_schema
from sync.forms.messages import codes_without_message

DATA_DIR = Path(__file__).resolve().parent / "data"
_CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class CatalogDataError(ValueError):
    def __init__(self, file: Path, entry: str, message: str) -> None:
        super().__init__(f"{file}: {entry}: {message}")
        self.file = file
        self.entry = entry


class LoadedProcedure(msgspec.Struct, frozen=True):
    definition: ProcedureDefinition
    # Canonical JSON (sorted keys) of the expanded definition and its SHA-256.
    canonical: bytes
    content_hash: str


def canonical_json(obj: Any) -> bytes:
    return msgspec.json.encode(obj, order="sorted")


def _read_json(path: Path) -> Any:
    try:
        return msgspec.json.decode(path.read_bytes())
    except msgspec.DecodeError as exc:
        raise CatalogDataError(path, "$", f"not valid JSON: {exc}") from None


def load_fragments(data_dir: Path) -> dict[str, dict[str, Any]]:
    fragments = {}
    for path in sorted((data_dir / "sections").glob("*.json")):
        value = _read_json(path)
        if not isinstance(value, dict):
            raise CatalogDataError(path, "$", "a section fragment must be a JSON object")
        fragments[path.stem] = value
    return fragments


def expand_sections(raw: Any, fragments: dict[str, dict[str, Any]], path: Path) -> Any:
    """Replace each {"use": name, ...overrides} section by the fragment, the
    overrides replacing the fragment's own top-level keys."""
    if not isinstance(raw, dict) or not isinstance(raw.get("form"), dict):
        return raw
    sections = raw["form"].get("sections")
    if not isinstance(sections, list):
        return raw
    expanded = []
    for i, section in enumerate(sections):
        if isinstance(section, dict) and "use" in section:
            name = section["use"]
            if name not in fragments:
                raise CatalogDataError(
                    path, f"form.sections[{i}].use", f"no section fragment {name!r}"
                )
            merged = dict(fragments[name])
            merged.update({k: v for k, v in section.items() if k != "use"})
            expanded.append(merged)
        else:
            expanded.append(section)
    return {**raw, "form": {**raw["form"], "sections": expanded}}


def documents_of(definition: ProcedureDefinition) -> list[Document]:
    documents = []
    for section in definition.form.get("sections", []):
        if section.get("id") != "attachments":
            continue
        for field in section.get("fields", []):
            if field.get("type") != "attachment":
                continue
            documents.append(
                Document(
                    id=field["id"],
                    path=f"attachments.{field['id']}",
                    label=Text(**field["label"]),
                    required=bool(field.get("required")),
                    conditional="required_when" in field,
                )
            )
    return documents


def load_procedure(path: Path, fragments: dict[str, dict[str, Any]]) -> LoadedProcedure:
    raw = expand_sections(_read_json(path), fragments, path)
    try:
        definition = msgspec.convert(raw, ProcedureDefinition)
    except msgspec.ValidationError as exc:
        raise CatalogDataError(path, "$", str(exc)) from None
    if definition.code != path.stem or not _CODE.match(definition.code):
        raise CatalogDataError(
            path, "code", f"{definition.code!r} must be a kebab-case slug equal to the file name"
        )
    try:
        schema = parse_schema(definition.form)
    except SchemaError as exc:
        raise CatalogDataError(path, "form", str(exc)) from None
    missing = codes_without_message(schema)
    if missing:
        raise CatalogDataError(
            path, "form.checks", f"no message for {', '.join(missing)} in sync/forms/messages.json"
        )
    if definition.deadline and definition.deadline.field not in schema.fields_by_path():
        raise CatalogDataError(
            path, "deadline.field", f"{definition.deadline.field!r} is not a field of the form"
        )
    if definition.fee.kind == "free_when_on_time" and definition.deadline is None:
        raise CatalogDataError(path, "fee", "free_when_on_time needs a deadline")
    if definition.processing.kind == "working_days" and not definition.processing.days:
        raise CatalogDataError(path, "processing.days", "working_days needs a number of days")
    canonical = canonical_json(definition)
    return LoadedProcedure(
        definition=definition,
        canonical=canonical,
        content_hash=hashlib.sha256(canonical).hexdigest(),
    )


def load_catalog(data_dir: Path = DATA_DIR) -> list[LoadedProcedure]:
    fragments = load_fragments(data_dir)
    files = sorted((data_dir / "procedures").glob("*.json"))
    if not files:
        raise CatalogDataError(data_dir / "procedures", "$", "no procedure files")
    return [load_procedure(path, fragments) for path in files]
