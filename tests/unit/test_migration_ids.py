"""Piccolo orders migrations by their ID and records each ID once applied: two files
with one ID would leave the second never run, and an ID out of file order would run
a migration before the one it builds on."""

from __future__ import annotations

import ast

from server.piccolo_app import MIGRATIONS_DIR


def _ids() -> list[tuple[str, str]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("m[0-9][0-9][0-9][0-9]_*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "ID" for t in node.targets
            ):
                assert isinstance(node.value, ast.Constant)
                found.append((path.name, str(node.value.value)))
    return found


def test_every_migration_has_its_own_id_in_file_order() -> None:
    ids = _ids()
    assert len(ids) == len(list(MIGRATIONS_DIR.glob("m[0-9][0-9][0-9][0-9]_*.py")))
    values = [value for _, value in ids]
    assert len(set(values)) == len(values), ids
    assert values == sorted(values), ids
