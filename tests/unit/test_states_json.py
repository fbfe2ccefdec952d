"""sync/states.json, which the PWA imports, is what sync/states.py says: the states'
numbers and labels, what the device may send in each and the desk's actions cannot
drift apart between the server and the app unnoticed, and the app names states rather
than typing their numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sync import states_export
from sync.states import DESK_ACTIONS, DEVICE_MUTATIONS, LABELS, OPEN_STATES, State

ROOT = Path(__file__).resolve().parents[2]


def test_states_json_is_made_from_states_py():
    assert states_export.PATH.read_text("utf-8") == states_export.render(), (
        "sync/states.json is stale: run `python -m sync.states_export`"
    )


def test_the_json_reads_back_as_the_server_table():
    table = json.loads(states_export.PATH.read_text("utf-8"))
    back = {
        action: (
            frozenset(State(s) for s in entry["allowed_in"]),
            None if entry["leads_to"] is None else State(entry["leads_to"]),
        )
        for action, entry in table["desk_actions"].items()
    }
    assert back == DESK_ACTIONS
    assert table["states"] == {s.name.lower(): int(s) for s in State}
    assert {State[name.upper()]: tuple(words) for name, words in table["labels"].items()} == LABELS
    assert {
        kind: frozenset(State(s) for s in allowed)
        for kind, allowed in table["device_mutations"].items()
    } == DEVICE_MUTATIONS
    assert frozenset(State(s) for s in table["open_states"]) == OPEN_STATES


def test_the_desk_screens_take_their_states_from_the_json():
    """No state list is typed out in actions.ts: each action's states come from the JSON."""
    source = (ROOT / "pwa/src/desk/actions.ts").read_text("utf-8")
    assert "sync/states.json" in source
    assert not re.search(r"\bstates:\s*\[", source), (
        "actions.ts lists states by hand; use allowedIn(...)"
    )
    offered = re.findall(r"\baction:\s*'([a-z_]+)'", source)
    assert offered and set(offered) <= set(DESK_ACTIONS), offered


# A state's number typed into the app: compared, assigned, listed, or in a class name.
STATE_NUMBER = re.compile(
    r"\bstate\s*(?:[!=]==?|[<>]=?)\s*\d"
    r"|\d\s*[!=]==?\s*[\w.?!]*\bstate\b"
    r"|(?<![&?'\"])\bstate\s*[:=]\s*\d"  # not a query string's state=5: the wire's number
    r"|\.state\)\.toBe\(\d"
    r"|\[[\d,\s]+\]\.includes\([\w.?!]*state\)"
    r"|\bstate-\d"
)


def test_the_app_names_states_instead_of_numbering_them():
    """pwa/src and its tests say State.SUPPLEMENT_REQUESTED (pwa/src/states.ts, from the
    JSON), never 5: a renumbering in states.py reaches every comparison."""
    found = []
    for path in sorted((ROOT / "pwa/src").rglob("*")):
        if path.suffix not in (".ts", ".tsx", ".css") or path.name == "schema.d.ts":
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if STATE_NUMBER.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "states by number:\n" + "\n".join(found)


def test_the_number_pattern_catches_what_it_is_for():
    for line in (
        "if (d.state === 5) {",
        "dossier.state >= 1 && dossier.state < 9",
        "{ seq: 1, state: 0 }",
        "d.state = 4;",
        "expect(local.state).toBe(5);",
        "[1, 2, 4].includes(dossier.state)",
        ".state-3 { color: red }",
        "5 === view.state",
    ):
        assert STATE_NUMBER.search(line), line
    for line in (
        "d.state === State.DRAFT",
        "state: State.SUBMITTED",
        "useState(0)",
        "setState(1)",
        "'view=overdue&state=5'",
    ):
        assert not STATE_NUMBER.search(line), line
