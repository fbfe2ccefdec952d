"""server/dossiers/field_devices.py: the stored form gives back exactly the map it was
made from, names a one-phone dossier's device once, and reads the plain map of older rows."""

from __future__ import annotations

import uuid

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.dossiers.field_devices import field_devices_from_stored, stored_field_devices

PHONE, TABLET = str(uuid.uuid4()), str(uuid.uuid4())
PATHS = [f"child.f{k}" for k in range(20)]


def test_a_one_phone_draft_names_its_device_once() -> None:
    versions = dict.fromkeys(PATHS, 1)
    devices = dict.fromkeys(PATHS, PHONE)
    text = stored_field_devices(devices, versions)
    assert text.count(PHONE) == 1
    assert len(text) < len(msgspec.json.encode(devices)) / 10
    assert field_devices_from_stored(text, versions) == devices


def test_another_devices_fields_and_the_servers_own_stay_apart() -> None:
    versions = {**dict.fromkeys(PATHS, 2), "agency.commune": 3, "fee.paid": 4}
    devices = {**dict.fromkeys(PATHS, PHONE), "agency.commune": TABLET}
    # fee.paid was set by no device: it must not be taken for the phone's.
    back = field_devices_from_stored(stored_field_devices(devices, versions), versions)
    assert back == devices and "fee.paid" not in back


def test_an_older_rows_plain_map_is_read_as_it_is() -> None:
    devices = {"child.full_name": PHONE, "child.hometown": TABLET}
    text = msgspec.json.encode(devices).decode()
    assert field_devices_from_stored(text, {"child.full_name": 1, "x": 2}) == devices
    assert field_devices_from_stored("{}", {"x": 1}) == {}
    assert field_devices_from_stored(None, {"x": 1}) == {}


def test_an_empty_map_is_stored_as_before() -> None:
    assert stored_field_devices({}, {"x": 1}) == "{}"


@pytest.mark.parametrize("text", ["[1, {}]", '["a"]', '{"x": 1}', '["a", {"x": 2}]', "[", '"a"'])
def test_a_damaged_column_is_refused_not_misread(text: str) -> None:
    with pytest.raises(msgspec.DecodeError):
        field_devices_from_stored(text, {"x": 1})


_paths = st.text(min_size=0, max_size=6)
_devices = st.sampled_from([PHONE, TABLET, str(uuid.uuid4()), ""])


@settings(max_examples=400, deadline=None)
@given(
    devices=st.dictionaries(_paths, _devices, max_size=12),
    versions=st.dictionaries(_paths, st.integers(0, 9), max_size=12),
)
def test_the_stored_form_gives_back_exactly_the_map(
    devices: dict[str, str], versions: dict[str, int]
) -> None:
    # Any map against any versions, including paths the other side lacks and "".
    text = stored_field_devices(devices, versions)
    assert field_devices_from_stored(text, versions) == devices
