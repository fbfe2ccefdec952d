"""Schemathesis against the app's own OpenAPI document, every operation, on a live
`motcua serve` per engine: no request, valid or not, gets a 5xx, and every refusal
is an RFC 9457 problem.

Requests carry the credentials the operation is meant for (a citizen's session, a
desk official's, an admin's; a device credential for sync), so the generated input
reaches the handlers behind the guards rather than stopping at 401. Positive and
negative generation, derandomized so a run is repeatable, a bounded number of
examples per operation so the whole document fits in CI time
(MOTCUA_SCHEMATHESIS_EXAMPLES raises it for a longer run by hand).

A third, hostile mode takes a valid case and puts in one place (a query or path
parameter, a body value or the whole body) what no database column holds and no
decoder should meet: a NUL character, an integer past 64 bits, or nesting 2,000
deep. Schemathesis alone would seldom draw these: its NULs come at random among
all characters, and it nests only as deep as the schema says."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from tests.hostile.conftest import LiveApi

# Every operation of the OpenAPI document, many generated requests each: a minute or more.
pytestmark = pytest.mark.slow

EXAMPLES = int(
    os.environ.get("MOTCUA_SCHEMATHESIS_EXAMPLES", "10")
)  # per operation and generation mode
DEEP = 2000  # levels: past msgspec's recursion limit, far past the app's 32
# Stands in the case for the deep value, which goes into the body only as it is sent:
# schemathesis and the JSON encoder would recurse through 2,000 levels themselves.
DEEP_MARK = "\ue000deep\ue000"
# Refusals with no body to carry a problem: HEAD answers, 304s.
BODYLESS = {"HEAD"}


def credentials(api: LiveApi, method: str, path: str) -> dict:
    """headers and cookies for the role an operation is meant for."""
    if path.startswith("/api/sync/codes"):
        return {"headers": {"Authorization": f"Device {api.devices['outreach']}"}}
    if path.startswith("/api/sync/"):
        return {"headers": {"Authorization": f"Device {api.devices['citizen']}"}}
    if path.startswith("/api/auth/logout"):
        if not api.spares:  # every spare session has been ended: ask anonymously
            return {}
        session = api.spares.pop()
    elif path.startswith("/api/admin/"):
        session = api.sessions["admin"]
    elif path.startswith("/api/desk/"):
        session = api.sessions["desk"]
    else:
        session = api.sessions["citizen"]
    return {"headers": {"X-CSRF-Token": session.csrf}, "cookies": session.cookies()}


def problem_with(response: schemathesis.Response, method: str) -> str | None:
    """Why this answer breaks the rules, or None."""
    status = response.status_code
    text = response.content[:300].decode("utf-8", "replace")
    if status >= 500:
        return f"{status}: {text}"
    if 400 <= status < 500 and method not in BODYLESS:
        media = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
        if media != "application/problem+json":
            return (
                f"{status} as {media or 'no content type'}, not an RFC 9457 problem: {text[:200]}"
            )
        try:
            body = json.loads(response.content)
        except ValueError:
            return f"{status}: a problem body that is not JSON"
        if not isinstance(body, dict) or not body.get("type") or body.get("status") != status:
            return f"{status}: a problem without type or with another status: {text[:200]}"
    return None


def _trails(value: Any, trail: tuple = ()) -> list[tuple]:
    """The place of every value inside a JSON body, the body itself first."""
    found = [trail]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _trails(item, (*trail, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _trails(item, (*trail, i))
    return found


def _put(body: Any, trail: tuple, value: Any) -> Any:
    if not trail:
        return value
    body[trail[0]] = _put(body[trail[0]], trail[1:], value)
    return body


def _poison(how: str, old: Any, at: int, in_body: bool) -> Any:
    if how == "deep" and in_body:
        return DEEP_MARK
    if how == "int64":
        return 2**63 if in_body else str(2**63)
    text = old if isinstance(old, str) else ("" if old is None else str(old))
    at %= len(text) + 1
    return text[:at] + "\x00" + text[at:]


@st.composite
def hostile(draw, operation):
    """A valid case with one value made hostile (see the module's docstring)."""
    case = draw(operation.as_strategy(schemathesis.GenerationMode.POSITIVE))
    places = [("query", k) for k in case.query or {}] + [
        ("path_parameters", k) for k in case.path_parameters or {}
    ]
    if "json" in (case.media_type or "") and isinstance(case.body, (dict, list)):
        places += [("body", trail) for trail in _trails(case.body)]
    if not places:
        return case
    where, key = draw(st.sampled_from(places))
    how = draw(st.sampled_from(["nul", "int64", "deep"]))
    at = draw(st.integers(0, 64))
    if where == "body":
        old = case.body
        for step in key:
            old = old[step]
        case.body = _put(case.body, key, _poison(how, old, at, True))
    else:
        getattr(case, where)[key] = _poison(how, getattr(case, where)[key], at, False)
    return case


def deep_body(case) -> bytes | None:
    """The JSON body with its DEEP_MARK made 2,000 levels of arrays, or None."""
    if "json" not in (case.media_type or "") or not isinstance(case.body, (dict, list, str)):
        return None
    text = json.dumps(case.body, ensure_ascii=False)
    mark = json.dumps(DEEP_MARK, ensure_ascii=False)
    return text.replace(mark, "[" * DEEP + "]" * DEEP).encode() if mark in text else None


HOSTILE_CODES = {"nul_character", "out_of_range", "too_deep"}


def _hostile_codes(response: schemathesis.Response) -> str | None:
    """The code a refusal of hostile input names, if it is one."""
    if response.status_code not in (400, 422):
        return None
    try:
        codes = {e.get("code") for e in json.loads(response.content).get("errors") or []}
    except (ValueError, AttributeError):
        return None
    return next(iter(sorted(codes & HOSTILE_CODES)), None)


def run_operation(api: LiveApi, operation, failures: list[str], statuses: Counter) -> int:
    calls = [0]
    method = operation.method.upper()
    strategy = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
        hostile(operation),
    )

    @hypothesis.settings(
        max_examples=EXAMPLES * 3,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @given(case=strategy)
    def probe(case) -> None:
        calls[0] += 1
        deep = deep_body(case)
        response = case.call(
            base_url=api.url,
            timeout=60,
            **credentials(api, method, operation.path),
            **({"data": deep} if deep is not None else {}),
        )
        statuses[(f"{method} {operation.path}", response.status_code // 100)] += 1
        refused_for = _hostile_codes(response)
        if refused_for:
            statuses[("hostile", refused_for)] += 1
        why = problem_with(response, method)
        if why:
            failures.append(
                f"{method} {operation.path} {case.as_curl_command()[:600]}\n    -> {why}"
            )

    probe()
    return calls[0]


def test_every_operation_answers_without_a_server_error(live_api: LiveApi) -> None:
    schema = schemathesis.openapi.from_url(f"{live_api.url}/schema/openapi.json")
    failures: list[str] = []
    statuses: Counter = Counter()
    operations = 0
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        calls += run_operation(live_api, operation, failures, statuses)
    assert operations >= 50, f"only {operations} operations in the OpenAPI document"
    assert calls >= operations * 2
    # The credentials work: most operations were answered with a success at least once,
    # so the generated input reached the handlers, not only the guards.
    succeeded = {op for (op, klass), n in statuses.items() if klass == 2 and op != "hostile"}
    hostile = {code: n for (op, code), n in statuses.items() if op == "hostile"}
    print(
        f"{operations} operations, {calls} requests, {len(succeeded)} operations answered 2xx, "
        f"hostile input refused by name: {hostile}"
    )
    # The hostile mode reaches the server: each kind is refused by name somewhere.
    assert set(hostile) == HOSTILE_CODES, hostile
    assert len(succeeded) >= operations // 3, sorted(succeeded)
    # Distinct failures, shortest first, so the report stays readable.
    unique = sorted(set(failures), key=len)
    assert not unique, f"{len(unique)} bad answers:\n" + "\n".join(unique[:40])
