"""Writes tests/vectors/forms_death.json: the `time` field type and the death section's
rules (time of death unless unknown, cause, the notice's date not before the death).

Every expected result follows from sync/forms/README.md. Run from the repository root:
    .venv/bin/python tests/vectors/make_forms_death.py
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "forms_death.json"
TODAY = "2026-03-01"


def days_before(n: int) -> str:
    return (dt.date.fromisoformat(TODAY) - dt.timedelta(days=n)).isoformat()


def label(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


TIME_KNOWN = {"not": {"field": "death.time_unknown", "equals": True}}

SCHEMAS: dict[str, Any] = {
    "time": {
        "sections": [
            {
                "id": "t",
                "title": label("Giờ", "Time"),
                "fields": [
                    {"id": "at", "type": "time", "label": label("Giờ, phút", "Time")},
                    {
                        "id": "needed",
                        "type": "time",
                        "label": label("Giờ bắt buộc", "Required time"),
                        "required": True,
                    },
                ],
            }
        ]
    },
    "death": {
        "sections": [
            {
                "id": "death",
                "title": label("Thông tin về việc chết", "The death"),
                "fields": [
                    {
                        "id": "date",
                        "type": "date",
                        "label": label("Ngày chết", "Date of death"),
                        "required": True,
                    },
                    {
                        "id": "time",
                        "type": "time",
                        "label": label("Giờ, phút chết", "Time of death"),
                        "required_when": TIME_KNOWN,
                        "visible_when": TIME_KNOWN,
                    },
                    {
                        "id": "time_unknown",
                        "type": "checkbox",
                        "label": label("Không xác định được giờ chết", "Time of death unknown"),
                    },
                    {
                        "id": "cause",
                        "type": "text",
                        "label": label("Nguyên nhân chết", "Cause of death"),
                        "required": True,
                    },
                    {
                        "id": "notice_date",
                        "type": "date",
                        "label": label("Ngày cấp giấy báo tử", "Date the death notice was issued"),
                        "required": True,
                    },
                ],
            }
        ],
        "checks": [
            {"check": "not_before", "field": "death.notice_date", "reference": "death.date"}
        ],
    },
}

VECTORS: list[dict[str, Any]] = []


def vector(
    name: str,
    schema: str,
    answers: dict[str, Any],
    errors: Sequence[tuple[str, str]] = (),
    values: dict[str, Any] | None = None,
) -> None:
    v: dict[str, Any] = {
        "name": name,
        "schema": schema,
        "today": TODAY,
        "answers": answers,
        "errors": [{"path": p, "code": c} for p, c in errors],
    }
    if values is not None:
        v["values"] = values
    VECTORS.append(v)


NEEDED = {"t.needed": "12:00"}

# ---------------------------------------------------------------- the time type
for ok in ("00:00", "07:05", "12:30", "19:59", "23:59"):
    vector(f"time: {ok} is valid", "time", {"t.at": ok, **NEEDED}, values={"t.at": ok, **NEEDED})
vector(
    "time: white space around is trimmed",
    "time",
    {"t.at": " 07:05 ", **NEEDED},
    values={"t.at": "07:05", **NEEDED},
)
vector(
    "time: tabs and newlines around are trimmed",
    "time",
    {"t.at": "\t23:10\n", **NEEDED},
    values={"t.at": "23:10", **NEEDED},
)
for bad, why in (
    ("24:00", "hour 24"),
    ("25:00", "hour 25"),
    ("07:60", "minute 60"),
    ("7:5", "one-digit hour and minute"),
    ("7:05", "one-digit hour"),
    ("07:5", "one-digit minute"),
    ("07:05:00", "with seconds"),
    ("0705", "no colon"),
    ("07.05", "a dot"),
    ("07h05", "an h"),
    ("07 : 05", "spaces inside"),
    ("7 giờ 5 phút", "words"),
    ("07:05 AM", "12-hour clock"),
    ("-1:00", "negative"),
    ("\uff10\uff17:\uff10\uff15", "full-width digits"),
    ("\u0660\u0667:\u0660\u0665", "Arabic-Indic digits"),
):
    vector(
        f"time: {why} ({bad!r}) is invalid_time",
        "time",
        {"t.at": bad, **NEEDED},
        [("t.at", "invalid_time")],
        values={"t.at": bad.strip(), **NEEDED},
    )
vector("time: a number is wrong_type", "time", {"t.at": 705, **NEEDED}, [("t.at", "wrong_type")])
vector("time: true is wrong_type", "time", {"t.at": True, **NEEDED}, [("t.at", "wrong_type")])
vector("time: empty optional time is left out", "time", {"t.at": "  ", **NEEDED}, values=NEEDED)
vector("time: a required time left empty is required", "time", {}, [("t.needed", "required")])
vector(
    "time: a required time that is blank is required",
    "time",
    {"t.needed": " "},
    [("t.needed", "required")],
)

# ---------------------------------------------------------------- the death section
DIED = days_before(3)
DEATH = {
    "death.date": DIED,
    "death.time": "14:20",
    "death.cause": "Suy tim",
    "death.notice_date": DIED,
}


def death(**changes: Any) -> dict[str, Any]:
    out = dict(DEATH)
    for key, value in changes.items():
        path = f"death.{key}"
        if value is None:
            out.pop(path, None)
        else:
            out[path] = value
    return out


vector("death: complete answers are accepted", "death", DEATH, values=DEATH)
vector(
    "death: the time of death is required",
    "death",
    death(time=None),
    [("death.time", "required")],
)
vector(
    "death: the time of death may be unknown when so ticked",
    "death",
    death(time=None, time_unknown=True),
    values=death(time=None, time_unknown=True),
)
vector(
    "death: a time given while ticked unknown is hidden and dropped",
    "death",
    death(time="25:00", time_unknown=True),
    values=death(time=None, time_unknown=True),
)
vector(
    "death: an unticked unknown box still asks for the time",
    "death",
    death(time=None, time_unknown=False),
    [("death.time", "required")],
)
vector(
    "death: a time of death of the wrong shape is invalid_time",
    "death",
    death(time="24:00"),
    [("death.time", "invalid_time")],
)
vector(
    "death: the time of death is trimmed",
    "death",
    death(time=" 07:05 "),
    values=death(time="07:05"),
)
vector("death: the cause is required", "death", death(cause=None), [("death.cause", "required")])
vector(
    "death: a blank cause is required",
    "death",
    death(cause="   "),
    [("death.cause", "required")],
)
vector(
    "death: the notice's date is required",
    "death",
    death(notice_date=None),
    [("death.notice_date", "required")],
)
vector(
    "death: a notice dated before the death is refused",
    "death",
    death(notice_date=days_before(4)),
    [("death.notice_date", "date_before_reference")],
)
vector(
    "death: a notice dated after the death is accepted",
    "death",
    death(notice_date=days_before(1)),
)
vector(
    "death: a notice dated after today is date_in_future",
    "death",
    death(notice_date="2026-03-02"),
    [("death.notice_date", "date_in_future")],
)


def main() -> None:
    names = [v["name"] for v in VECTORS]
    assert len(names) == len(set(names)), "vector names must be unique"
    doc = {
        "reference": {"provinces": ["01"], "communes": {"00070": "01"}},
        "schemas": SCHEMAS,
        "vectors": VECTORS,
    }
    # non-ASCII digits and white space as \u escapes, so that they stay visible
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    text = "".join(
        c if c.isascii() or c.isalpha() or c in "“”…" else f"\\u{ord(c):04x}" for c in text
    )
    assert json.loads(text) == doc
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"{len(VECTORS)} vectors written to {OUT}")


if __name__ == "__main__":
    main()
