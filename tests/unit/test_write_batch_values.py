"""WRITE_BATCH's values (server/dossiers/batch_store.py write_batch_values): a dossier's
three documents go beside the rows as text arrays, in the rows' order, and the rows'
JSON leaves them out (PostgreSQL would parse them for nothing)."""

from __future__ import annotations

import json
import uuid

from server.dossiers.batch_store import write_batch_values
from server.sql import DOSSIER_DOCUMENTS, WRITE_BATCH, Dialect


def _row(k: int) -> dict:
    return {
        "id": uuid.UUID(int=k),
        "state": 0,
        "fields": json.dumps({"child.hometown": f"Xã số {k}"}),
        "field_versions": json.dumps({"child.hometown": k}),
        "field_devices": json.dumps({"child.hometown": str(uuid.UUID(int=100 + k))}),
    }


def test_documents_travel_beside_the_rows_in_their_order() -> None:
    device = uuid.uuid4()
    values = write_batch_values([_row(1), _row(2)], [_row(3)], [], [], [], [], [], (device, 7))
    for parameter, ks in (("new_dossiers", (1, 2)), ("changed_dossiers", (3,))):
        rows = json.loads(values[parameter])
        assert [r["id"] for r in rows] == [str(uuid.UUID(int=k)) for k in ks]
        assert all(set(r) == {"id", "state"} for r in rows)  # no document left inside
        for column in DOSSIER_DOCUMENTS:
            assert values[f"{parameter}_{column}"] == [_row(k)[column] for k in ks]
    assert (values["device_id"], values["last_seq"]) == (device, 7)
    # Every parameter the statement names is given, and nothing else.
    rendered = WRITE_BATCH.render(Dialect.POSTGRES)
    assert {name for name, _ in rendered.slots} == set(values)


def test_a_batch_with_no_device_sequence_sets_none() -> None:
    values = write_batch_values([], [], [], [], [], [], [], None)
    assert (values["device_id"], values["last_seq"]) == (None, None)
    assert values["new_dossiers"] == "[]"
