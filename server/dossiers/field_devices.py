"""How a dossier row stores `field_devices` (path -> the device that last changed it).

Most dossiers are typed on one phone, so the plain map repeats one device id once per
field: about 1.2 KB of a draft's 2.6 KB row, written, sent and parsed on every write.
The stored form names the most common device once:

    [default, exceptions]

`default` is the device of every path in `field_versions` that `exceptions` does not
name; `exceptions` maps a path to its own device, or to null when no device changed it
(an answer set by the server alone). A row written before this form holds the plain
map `{path: device}`; it is read as it is and takes the new form at its next write.
An empty map is stored as `{}` in either reading.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import msgspec

Exceptions = dict[str, str | None]
_Stored = dict[str, str] | tuple[str | None, Exceptions]
_decode = msgspec.json.Decoder(_Stored).decode
_encode = msgspec.json.encode


def stored_field_devices(
    field_devices: Mapping[str, str], field_versions: Mapping[str, int]
) -> str:
    """The column's text; `field_devices_from_stored(text, field_versions)` gives the map back."""
    if not field_devices:
        return "{}"
    default = _most_common(field_devices)
    exceptions: Exceptions = {p: d for p, d in field_devices.items() if d != default}
    for path in field_versions:
        if path not in field_devices:
            exceptions[path] = None
    for path, device in field_devices.items():
        # A path without a version is not covered by the default: name it.
        if device == default and path not in field_versions:
            exceptions[path] = device
    return _encode((default, exceptions)).decode()


def field_devices_from_stored(
    text: str | None, field_versions: Mapping[str, int]
) -> dict[str, str]:
    if not text:
        return {}
    stored = _decode(text)
    if isinstance(stored, dict):
        return stored
    default, exceptions = stored
    devices: dict[str, str] = {} if default is None else dict.fromkeys(field_versions, default)
    for path, device in exceptions.items():
        if device is None:
            devices.pop(path, None)
        else:
            devices[path] = device
    return devices


def _most_common(field_devices: Mapping[str, str]) -> str:
    values = iter(field_devices.values())
    first = next(values)
    if all(device == first for device in values):
        return first
    return Counter(field_devices.values()).most_common(1)[0][0]
