"""`sync/states.json`: the states of `states.State`, their labels (`states.LABELS`) and
what the device and the desk may do in each (`states.DEVICE_MUTATIONS`,
`states.DESK_ACTIONS`), and where a dossier can be overdue (`states.OPEN_STATES`), for
the PWA.

states.py is the one source; the PWA (pwa/src/states.ts, pwa/src/desk/actions.ts)
imports the JSON made from it, and tests/unit/test_states_json.py fails when the file
is stale. Remake it with `python -m sync.states_export`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

from sync.states import DESK_ACTIONS, DEVICE_MUTATIONS, LABELS, OPEN_STATES, State

PATH = Path(__file__).with_name("states.json")


def export() -> dict[str, object]:
    return {
        "_comment": "Made from sync/states.py by `python -m sync.states_export`; do not edit.",
        "states": {state.name.lower(): int(state) for state in State},
        # [vi, en] by state name, as `states.label` words them.
        "labels": {state.name.lower(): list(LABELS[state]) for state in State},
        # The states each mutation kind of the person's device is allowed in.
        "device_mutations": {
            kind: sorted(int(s) for s in allowed) for kind, allowed in DEVICE_MUTATIONS.items()
        },
        # Where the date promised to the person can pass (the overdue rule).
        "open_states": sorted(int(s) for s in OPEN_STATES),
        "desk_actions": {
            action: {
                "allowed_in": sorted(int(s) for s in allowed),
                "leads_to": None if to is None else int(to),
            }
            for action, (allowed, to) in DESK_ACTIONS.items()
        },
    }


def render() -> str:
    """Indented, one state or action a line, so that a change reads as a one-line diff."""
    lines: list[str] = []
    for key, value in export().items():
        if isinstance(value, dict):
            inner = ",\n".join(
                f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                for k, v in cast(dict[str, object], value).items()
            )
            lines.append(f"  {json.dumps(key)}: {{\n{inner}\n  }}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


if __name__ == "__main__":
    PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {PATH}")
