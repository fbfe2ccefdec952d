"""tests/vectors/forms_verified.json (run by pytest's and vitest's form-vector runners)
holds requester sections pre-filled from the local provider's demo identities: it must
be what tests/vectors/make_verified_vectors.py writes from today's identities and
shipped sections, so the two validators are held to the facts a sign-in gives.
(tests/unit/test_demo_identities.py checks each verified number against its verified
sex and birth year with sync.forms.personal_id.id_problem directly.)"""

from __future__ import annotations

import json

from tests.vectors import make_verified_vectors as gen


def test_the_vectors_are_written_from_the_demo_identities_and_the_shipped_sections() -> None:
    assert gen.OUT.read_text("utf-8") == gen.render(), (
        "run .venv/bin/python tests/vectors/make_verified_vectors.py"
    )


def test_every_demo_identity_prefills_every_requester_section_acceptably() -> None:
    data = json.loads(gen.OUT.read_text("utf-8"))
    accepted = {(v["name"].split(":")[0], v["schema"]) for v in data["vectors"] if not v["errors"]}
    logins = [i["login"] for i in gen.identities()]
    assert len(logins) == 3
    assert accepted == {(login, schema) for login in logins for schema in data["schemas"]}
    # The checks against sex and birth year do run in these vectors.
    refused = sorted({e["code"] for v in data["vectors"] for e in v["errors"]})
    assert refused == ["id_birth_year_mismatch", "id_sex_mismatch"]
