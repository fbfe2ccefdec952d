"""The catalog README's "Fields and the law" table has a row for every procedure file, and
names no procedure that does not exist, so the table cannot go stale silently."""

from __future__ import annotations

import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "server" / "catalog" / "data"
HEADING = "## Fields and the law"
# A table row whose first cell is a procedure code in backticks.
ROW = re.compile(r"^\|\s*`(?P<code>[a-z0-9-]+)`\s*\|(?P<rest>.*)\|\s*$")


def _section() -> str:
    text = (DATA / "README.md").read_text("utf-8")
    assert HEADING in text, f"server/catalog/data/README.md has no {HEADING!r} section"
    section = text.split(HEADING, 1)[1]
    return re.split(r"^## ", section, maxsplit=1, flags=re.MULTILINE)[0]


def _rows() -> dict[str, list[str]]:
    """The rows of the table whose first column is headed "procedure"."""
    rows: dict[str, list[str]] = {}
    in_table = False
    for line in _section().splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        if re.match(r"^\|\s*procedure\s*\|", line):
            in_table = True
            continue
        m = ROW.match(line)
        if in_table and m:
            cells = [c.strip() for c in m["rest"].split("|")]
            rows.setdefault(m["code"], []).append(" ".join(cells))
    return rows


def test_every_procedure_has_a_row_in_the_law_table() -> None:
    codes = {p.stem for p in (DATA / "procedures").glob("*.json")}
    assert len(codes) >= 27
    rows = _rows()
    assert sorted(codes - set(rows)) == [], "procedures missing from the table"
    assert sorted(set(rows) - codes) == [], "rows for procedures that do not exist"


def test_every_row_names_its_fields_and_a_law() -> None:
    laws = ("Luật", "Nghị định", "Thông tư", "Bộ luật")
    for code, cells in _rows().items():
        for row in cells:
            assert "`" in row, f"{code}: the row names no section or field"
            assert any(law in row for law in laws), f"{code}: the row names no law"
