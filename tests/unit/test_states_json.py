"""sync/states.json, which the PWA's desk screens import, is what sync/states.py says:
the server's DESK_ACTIONS and the desk's buttons cannot drift apart unnoticed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sync import states_export
from sync.states import DESK_ACTIONS, State

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


def test_the_desk_screens_take_their_states_from_the_json():
    """No state list is typed out in actions.ts: each action's states come from the JSON."""
    source = (ROOT / "pwa/src/desk/actions.ts").read_text("utf-8")
    assert "sync/states.json" in source
    assert not re.search(r"\bstates:\s*\[", source), (
        "actions.ts lists states by hand; use allowedIn(...)"
    )
    offered = re.findall(r"\baction:\s*'([a-z_]+)'", source)
    assert offered and set(offered) <= set(DESK_ACTIONS), offered
