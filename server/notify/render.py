"""Render an outbox message from its Jinja2 templates: subject, plain text, HTML.

Each template exists per language as `<name>.<lang>.txt` (whose `subject` block is
the subject line) and `<name>.<lang>.html`; HTML is autoescaped, text is not."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import msgspec
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from server.notify.schemas import EmailParams, Language, Rendered, template_of

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def vi_date(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def en_date(value: date) -> str:
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default=False),
    # A missing parameter is a bug to see, not a blank to send.
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["vi_date"] = vi_date
_env.filters["en_date"] = en_date


def render(params: EmailParams, lang: Language) -> Rendered:
    """The message for `params` (its Struct type names the template) in `lang`."""
    if lang not in ("vi", "en"):
        raise ValueError(f"unsupported language {lang!r}")
    name = template_of(params)
    context = {**msgspec.structs.asdict(params), "lang": lang}
    text_template = _env.get_template(f"{name}.{lang}.txt")
    subject_block = text_template.blocks["subject"]
    subject = " ".join("".join(subject_block(text_template.new_context(context))).split())
    text = _tidy(text_template.render(context))
    html = _env.get_template(f"{name}.{lang}.html").render({**context, "subject": subject})
    return Rendered(subject=subject, text=text, html=html)


def _tidy(text: str) -> str:
    # Templates leave blank lines where optional parts were skipped.
    lines = [line.rstrip() if line != "-- " else line for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"
