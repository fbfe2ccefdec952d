"""The catalog and communes over HTTP, on both databases."""

from __future__ import annotations

import gzip

import httpx


async def test_communes_whole_country(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/communes")
    assert r.status_code == 200
    body = r.json()
    assert len(body["provinces"]) == 34
    assert sum(len(p["communes"]) for p in body["provinces"]) == 3321
    hanoi = next(p for p in body["provinces"] if p["code"] == "01")
    assert hanoi["name"] == "Thành phố Hà Nội"
    assert ["00070", "Hoàn Kiếm", "p"] in hanoi["communes"]
    assert body["kinds"] == {"x": "xã", "p": "phường", "dk": "đặc khu"}
    assert body["version"] and r.headers["etag"] == f'W/"{body["version"]}"'


async def test_communes_small_when_gzipped(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/communes", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    compressed = len(gzip.compress(r.content, 6))
    assert compressed < 60 * 1024, compressed


async def test_a_quality_that_is_no_number_is_not_a_5xx(client: httpx.AsyncClient) -> None:
    """Superscript digits pass `str.isdigit()` but not `float()`: `q=²` was a 500 on
    the reference data every phone keeps offline. A quality no number counts as 1."""
    for path in ("/api/communes", "/api/catalog", "/api/catalog/khai-sinh"):
        for q in (b"\xb2", b"1\xb9", b"0.\xb3", b"x"):
            r = await client.get(path, headers={"Accept-Encoding": b"gzip;q=" + q})
            assert r.status_code == 200, (path, q, r.text)
            assert r.headers["content-encoding"] == "gzip", (path, q)


async def test_reference_bodies_gzipped_once_and_identical_to_plain(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/api/communes", "/api/catalog", "/api/catalog/khai-sinh"):
        plain = await client.get(path, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers, path
        refused = await client.get(path, headers={"Accept-Encoding": "gzip;q=0, identity"})
        assert "content-encoding" not in refused.headers, path
        raw = []
        for _ in range(2):
            # httpx would decode for us; read the bytes as sent.
            async with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as r:
                assert (
                    r.headers["content-encoding"] == "gzip"
                    and r.headers["vary"] == "Accept-Encoding"
                ), path
                raw.append(b"".join([chunk async for chunk in r.aiter_raw()]))
        assert raw[0] == raw[1], path  # byte for byte the same answer each time
        assert gzip.decompress(raw[0]) == plain.content, path


async def test_communes_conditional_get(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/communes")
    again = await client.get("/api/communes", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    other = await client.get("/api/communes", headers={"If-None-Match": 'W/"stale"'})
    assert other.status_code == 200


async def test_catalog_lists_every_family(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/catalog")
    assert r.status_code == 200
    procedures = r.json()["procedures"]
    assert len(procedures) >= 21
    families = {p["family"] for p in procedures}
    assert {
        "birth",
        "death",
        "marriage",
        "extract",
        "guardianship",
        "marital_status",
        "correction",
        "recognition",
        "certified_copy",
    } <= families
    for p in procedures:
        assert p["name"]["vi"] and p["name"]["en"]
        assert p["level"] in (3, 4)
        assert p["version"] >= 1
        assert "form" not in p
    birth = next(p for p in procedures if p["code"] == "khai-sinh")
    certificate = next(d for d in birth["documents"] if d["id"] == "birth_certificate")
    assert certificate["conditional"] and certificate["path"] == "attachments.birth_certificate"


async def test_catalog_filter_and_bad_parameter(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/catalog", params={"family": "death"})
    assert r.status_code == 200
    assert {p["family"] for p in r.json()["procedures"]} == {"death"}
    bad = await client.get("/api/catalog", params={"family": "taxes"})
    assert bad.status_code == 400
    problem = bad.json()
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert problem["status"] == 400
    assert [e["path"] for e in problem["errors"]] == ["family"]


async def test_procedure_detail_with_form_and_etag(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/catalog/khai-sinh")
    assert r.status_code == 200
    detail = r.json()
    section_ids = [s["id"] for s in detail["form"]["sections"]]
    assert section_ids[0] == "agency"
    assert {"requester", "child", "mother", "father", "attachments", "contact"} <= set(section_ids)
    again = await client.get("/api/catalog/khai-sinh", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


async def test_versions_reachable(client: httpx.AsyncClient) -> None:
    versions = (await client.get("/api/catalog/khai-sinh/versions")).json()
    assert versions[0] == 1
    r = await client.get("/api/catalog/khai-sinh/versions/1")
    assert r.status_code == 200 and r.json()["version"] == 1


async def test_unknown_procedure_is_a_problem_in_both_languages(client: httpx.AsyncClient) -> None:
    vi = await client.get("/api/catalog/khong-co")
    assert vi.status_code == 404
    assert vi.json()["title"] == "Không có thủ tục này"
    en = await client.get("/api/catalog/khong-co", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert en.json()["title"] == "No such procedure"
    assert en.json()["type"] == "/problems/unknown_procedure"
    missing_version = await client.get("/api/catalog/khai-sinh/versions/999")
    assert missing_version.status_code == 404
    assert missing_version.json()["type"] == "/problems/unknown_procedure_version"


async def test_malformed_path_parameter_names_it(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/catalog/khai-sinh/versions/0")
    assert r.status_code == 400
    assert [e["path"] for e in r.json()["errors"]] == ["version"]
    # Past the INTEGER column: refused by name, not a database overflow (was a 500 on PostgreSQL).
    for huge in ("2147483648", "36893488147419103233"):
        r = await client.get(f"/api/catalog/khai-sinh/versions/{huge}")
        assert r.status_code == 400, r.text
        assert [e["path"] for e in r.json()["errors"]] == ["version"]


async def test_health_and_openapi(client: httpx.AsyncClient) -> None:
    health = await client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/catalog" in paths and "/api/communes" in paths


async def test_a_form_is_served_in_the_language_level_the_app_speaks(
    client: httpx.AsyncClient,
) -> None:
    """An app released before a feature of the form language reads the form without it
    (the server still applies it at submit); an app that names the current level gets
    the whole form. Each is its own representation, with its own ETag."""
    from sync.forms.language import CURRENT

    def kinds(detail: dict) -> set[str]:
        return {c["check"] for c in detail["form"].get("checks", [])}

    def words_field(detail: dict) -> dict:
        child = next(s for s in detail["form"]["sections"] if s["id"] == "child")
        return next(f for f in child["fields"] if f["id"] == "birth_date_words")

    released = await client.get("/api/catalog/khai-sinh")
    current = await client.get("/api/catalog/khai-sinh", params={"form_language": CURRENT})
    assert released.status_code == current.status_code == 200
    assert "under_age" in kinds(current.json()) and "under_age" not in kinds(released.json())
    assert words_field(current.json())["words_of_date"] == "child.birth_date"
    assert "words_of_date" not in words_field(released.json())
    assert released.headers["etag"] != current.headers["etag"]
    assert released.json()["version"] == current.json()["version"]

    # An app that updated asks with the ETag it holds: the whole form, not a 304.
    upgraded = await client.get(
        "/api/catalog/khai-sinh",
        params={"form_language": CURRENT},
        headers={"If-None-Match": released.headers["etag"]},
    )
    assert upgraded.status_code == 200 and "under_age" in kinds(upgraded.json())
    same = await client.get(
        "/api/catalog/khai-sinh",
        params={"form_language": 1},
        headers={"If-None-Match": released.headers["etag"]},
    )
    assert same.status_code == 304

    version = current.json()["version"]
    old = await client.get(f"/api/catalog/khai-sinh/versions/{version}")
    assert "under_age" not in kinds(old.json())
    new = await client.get(
        f"/api/catalog/khai-sinh/versions/{version}", params={"form_language": CURRENT}
    )
    assert new.json()["form"] == current.json()["form"]


async def test_a_form_language_out_of_range_is_a_400_naming_it(client: httpx.AsyncClient) -> None:
    for bad in ("0", "x", "100000"):
        r = await client.get("/api/catalog/khai-sinh", params={"form_language": bad})
        assert r.status_code == 400, bad
        assert [e["path"] for e in r.json()["errors"]] == ["form_language"], r.json()


async def test_old_units_served_whole_with_an_etag(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/communes/old-units")
    assert r.status_code == 200
    body = r.json()
    assert len(body["provinces"]) == 63
    hanoi = next(p for p in body["provinces"] if p["name"] == "Hà Nội")
    ba_dinh = next(d for d in hanoi["districts"] if d["name"] == "Ba Đình")
    assert ["Phúc Xá", "p", ["00097"]] in ba_dinh["wards"]
    again = await client.get(
        "/api/communes/old-units", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304
    async with client.stream(
        "GET", "/api/communes/old-units", headers={"Accept-Encoding": "gzip"}
    ) as zipped:
        assert zipped.headers["content-encoding"] == "gzip"


async def test_old_address_matched_over_http(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/api/communes/old-units/match",
        params={"q": "12 Hàng Bún, P. Phúc Xá, Q. Ba Đình, Hà Nội"},
    )
    assert r.status_code == 200
    assert r.json() == {
        "matches": [
            {
                "level": "ward",
                "old": "Phường Phúc Xá, Quận Ba Đình, Hà Nội",
                "province": "01",
                "communes": ["00097"],
                "start": 13,
            }
        ]
    }
    alone = await client.get(
        "/api/communes/old-units/match", params={"q": "Phúc Xá", "ward_alone": "true"}
    )
    assert [m["communes"] for m in alone.json()["matches"]] == [["00097"]]


async def test_old_address_match_refuses_bad_queries(client: httpx.AsyncClient) -> None:
    for params in ({}, {"q": ""}, {"q": "x" * 301}, {"q": "a", "ward_alone": "maybe"}):
        r = await client.get("/api/communes/old-units/match", params=params)
        assert r.status_code == 400, (params, r.status_code)


async def test_an_older_app_is_told_how_to_write_the_time_of_death(
    client: httpx.AsyncClient,
) -> None:
    # Levels 1 and 2 have no `time` type: the field comes as text, as long as a time
    # ("8 giờ 30 phút sáng" is refused by the server, which checks the real type, with a
    # code the older app has no message for) and with its help's example.
    for level in (1, 2):
        r = await client.get("/api/catalog/khai-tu", params={"form_language": level})
        death = next(s for s in r.json()["form"]["sections"] if s["id"] == "death")
        time = next(f for f in death["fields"] if f["id"] == "time")
        assert time["type"] == "text" and time["max_length"] == 5, time
        assert "14:30" in time["help"]["vi"], time


async def test_a_written_down_form_has_the_etag_of_its_bytes(client: httpx.AsyncClient) -> None:
    """What a level leaves out, and how, is the server's code, not the catalog's data: a
    tag made of the procedure's hash and the level alone would stay the same when a
    release writes a form down otherwise, and an app holding the old one would get 304."""
    from server.reference.versions import content_etag

    for level in (1, 2):
        r = await client.get(
            "/api/catalog/khai-tu",
            params={"form_language": level},
            headers={"Accept-Encoding": "identity"},
        )
        assert r.headers["etag"] == f'W/"{content_etag(r.content)}"', level


async def test_an_older_app_may_leave_the_date_in_words_to_the_server(
    client: httpx.AsyncClient,
) -> None:
    # Level 1 has no `words_of_date`: the field comes as plain text. Required, the person
    # must type the date in words, which the server (checking the whole form) refuses
    # unless it is exactly the date's; left empty, the server writes it.
    r = await client.get("/api/catalog/khai-sinh", params={"form_language": 1})
    child = next(s for s in r.json()["form"]["sections"] if s["id"] == "child")
    words = next(f for f in child["fields"] if f["id"] == "birth_date_words")
    assert "words_of_date" not in words
    assert not words.get("required") and "required_when" not in words, words
