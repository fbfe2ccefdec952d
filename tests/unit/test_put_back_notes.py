"""The notes a put-back leaves for the agency administrator (sync/recovery.py) are
each explained by the desk's "After a restore" screen, never shown as a raw code."""

from __future__ import annotations

from pathlib import Path

from sync.recovery import PUT_BACK_NOTES

SCREEN = Path(__file__).resolve().parents[2] / "pwa" / "src" / "desk" / "recovery.ts"


def test_every_note_has_a_sentence_on_the_desk() -> None:
    text = SCREEN.read_text()
    missing = [note for note in PUT_BACK_NOTES if f"case '{note}':" not in text]
    assert not missing, f"pwa/src/desk/recovery.ts explains no {missing}"
