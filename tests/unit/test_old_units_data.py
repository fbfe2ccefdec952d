"""server/communes/old_units.json is what old_units_build.py makes from the
vietnamadminunits data and our communes: one fact in one place, the file never edited
by hand and never stale against either source."""

from __future__ import annotations

import json

from server.communes import old_units_build
from server.communes.source import load_source


def test_old_units_json_is_made_by_its_generator():
    assert old_units_build.PATH.read_text("utf-8") == old_units_build.render(), (
        "server/communes/old_units.json is stale: run `python -m server.communes.old_units_build`"
    )


def test_the_data_keeps_its_licence():
    assert old_units_build.LICENCE_PATH.read_text("utf-8") == old_units_build.licence()
    assert "MIT License" in old_units_build.LICENCE_PATH.read_text("utf-8")
    data = json.loads(old_units_build.PATH.read_text("utf-8"))
    assert "MIT License" in data["source"] and "vietnamadminunits 1.0.4" in data["source"]


def test_every_old_unit_maps_into_our_communes():
    data = json.loads(old_units_build.PATH.read_text("utf-8"))
    ours = {p.code: {c.code for c in p.communes} for p in load_source()}
    provinces = data["provinces"]
    assert len(provinces) == 63
    assert {p["to"] for p in provinces} == set(ours)  # 63 provinces into 34
    wards = reached = 0
    reached_codes: set[str] = set()
    for p in provinces:
        for d in p["districts"]:
            codes = list(d.get("to", []))
            for _name, _kind, to in d.get("wards", []):
                assert to, (p["name"], d["name"], _name)
                codes += to
                wards += 1
            # A commune of today lies in the province its old units went to.
            assert set(codes) <= ours[p["to"]], (p["name"], d["name"])
            reached += len(codes)
            reached_codes |= set(codes)
    assert wards == 10035  # every ward of the 2024 list; 5 island districts had none
    assert reached_codes == set().union(*ours.values())  # every commune of today is reached
