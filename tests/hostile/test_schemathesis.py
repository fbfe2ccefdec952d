"""Schemathesis against the app's own OpenAPI document, every operation, on a live
`motcua serve` per engine: no request, valid or not, gets a 5xx, and every refusal
is an RFC 9457 problem.

Requests carry the credentials the operation is meant for (a citizen's session, a
desk official's, an admin's; a device credential for sync), so the generated input
reaches the handlers behind the guards rather than stopping at 401. Positive and
negative generation, derandomized so a run is repeatable, a bounded number of
examples per operation so the whole document fits in CI time."""

from __future__ import annotations

import json
from collections import Counter

import hypothesis
import schemathesis
from hypothesis import HealthCheck, given, strategies as st

from tests.hostile.conftest import LiveApi

EXAMPLES = 10  # per operation and generation mode
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
            return f"{status} as {media or 'no content type'}, not an RFC 9457 problem: {text[:200]}"
        try:
            body = json.loads(response.content)
        except ValueError:
            return f"{status}: a problem body that is not JSON"
        if not isinstance(body, dict) or not body.get("type") or body.get("status") != status:
            return f"{status}: a problem without type or with another status: {text[:200]}"
    return None


def run_operation(api: LiveApi, operation, failures: list[str], statuses: Counter) -> int:
    calls = [0]
    method = operation.method.upper()
    strategy = st.one_of(operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
                         operation.as_strategy(schemathesis.GenerationMode.NEGATIVE))

    @hypothesis.settings(max_examples=EXAMPLES * 2, derandomize=True, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.explicit,
                                                                           hypothesis.Phase.generate])
    @given(case=strategy)
    def probe(case) -> None:
        calls[0] += 1
        response = case.call(base_url=api.url, timeout=60, **credentials(api, method, operation.path))
        statuses[(f"{method} {operation.path}", response.status_code // 100)] += 1
        why = problem_with(response, method)
        if why:
            failures.append(f"{method} {operation.path} {case.as_curl_command()[:600]}\n    -> {why}")

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
    succeeded = {op for (op, klass), n in statuses.items() if klass == 2}
    print(f"{operations} operations, {calls} requests, {len(succeeded)} operations answered 2xx")
    assert len(succeeded) >= operations // 3, sorted(succeeded)
    # Distinct failures, shortest first, so the report stays readable.
    unique = sorted(set(failures), key=len)
    assert not unique, f"{len(unique)} bad answers:\n" + "\n".join(unique[:40])
