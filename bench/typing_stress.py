"""Typing stress in the real app (issue #14 item 1, "typed fields vanish while drafting
online"): the built PWA (pwa/dist, served by `motcua serve` on SQLite) in Chromium
(/usr/bin/chromium, Playwright), signed in and online, with the CPU slowed 4× (CDP
`Emulation.setCPUThrottlingRate`). Birth drafts are typed fast, every text field and
choice of the form, while sync passes, the service worker's Background Sync, a second
device's edits pulled back, the desk official's messages about another dossier and
visibility changes come at random moments (the driver:
harness/typing_stress.py, shared with tests/e2e/test_typing_stress.py, which runs
3 drafts in `make test`). Every field's final value is checked on the screen, in
IndexedDB, on the server and after a reload; pushes (POST /api/sync/push) are counted
per draft. One draft in four is typed with no events around it ("quiet"): its pushes
are those of a form typed in one burst.

Prints runs, fields, losses (must be 0) and pushes per draft. The seed is printed;
MOTCUA_TYPING_SEED replays it. `--quick`: 3 drafts.

`python -m bench.typing_stress [--quick]`."""

from __future__ import annotations

from bench.app_budget import CHROMIUM, CHROMIUM_ARGS
from bench.common import REPO, Report, cli, percentile
from bench.servers import PASSWORD, BenchSetupError, motcua

THROTTLE = 4
QUIET_EVERY = 4


async def run(quick: bool = False) -> Report:
    from playwright.async_api import async_playwright

    from harness.app_pages import install_app, sign_in
    from harness.typing_stress import BURST_PUSHES, run_typing_stress, seed_from_env

    if not (REPO / "pwa" / "dist" / "index.html").exists():
        raise BenchSetupError("pwa/dist is missing: run `make pwa` first")
    drafts = 3 if quick else 20
    report = Report(
        "typing_stress",
        f"Typing stress: birth drafts typed fast while syncing, {THROTTLE}× slower CPU",
    )
    with motcua("sqlite") as cluster:
        server = cluster.servers[0]
        [email] = cluster.database.insert_accounts(1)
        [desk] = cluster.database.insert_accounts(1, role="desk", commune="00070")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                context = await browser.new_context(
                    base_url=server.base_url, service_workers="allow"
                )
                page = await context.new_page()
                await install_app(page, timeout_ms=90_000)
                await sign_in(page, email, PASSWORD)
                result = await run_typing_stress(
                    page,
                    server.base_url,
                    email,
                    PASSWORD,
                    drafts=drafts,
                    seed=seed_from_env(),
                    throttle=THROTTLE,
                    quiet_every=QUIET_EVERY,
                    desk=(desk, PASSWORD),
                )
                await context.close()
            finally:
                await browser.close()

    table = report.table(
        "drafts",
        [
            "draft",
            "kind",
            "fields",
            "lost",
            "pushes",
            "typing pauses ≥ 1.5 s",
            "events (each may push at once)",
        ],
    )
    for d in result.drafts:
        table.add(
            d.index + 1,
            "quiet" if d.quiet else "stirred",
            d.fields,
            len(d.losses),
            d.pushes,
            d.pauses,
            ", ".join(f"{k} {v}" for k, v in sorted(d.events.items())) or "none",
        )
    quiet = [d.pushes for d in result.drafts if d.quiet]
    stirred = [d.pushes for d in result.drafts if not d.quiet]
    totals = report.table("totals", ["measure", "value"])
    totals.add("runs (drafts)", len(result.drafts))
    totals.add("fields checked (screen, IndexedDB, server, after reload)", result.fields)
    totals.add("fields lost", result.losses)
    totals.add("drafts with a loss", result.drafts_with_losses)
    totals.add("desk messages not reaching the app", len(result.other_losses))
    totals.add("pushes per quiet draft (typed in one burst), max", max(quiet) if quiet else None)
    totals.add(
        f"pushes per quiet draft, target ≤ {BURST_PUSHES} + its typing pauses",
        "reached"
        if all(d.pushes <= d.allowed_pushes for d in result.drafts if d.quiet)
        else "not reached",
    )
    if stirred:
        totals.add(
            "pushes per stirred draft, p50 / max", f"{percentile(stirred, 50):.0f} / {max(stirred)}"
        )
    for d in result.drafts:
        for loss in d.losses:
            report.note(f"draft {d.index + 1} LOST {loss}")
    for loss in result.other_losses:
        report.note(f"LOST {loss}")
    report.note(
        f"seed {result.seed}: MOTCUA_TYPING_SEED={result.seed} replays the same typing and events "
        "(their interleaving also depends on timing)."
    )
    report.figures.update(
        {
            "drafts": len(result.drafts),
            "fields": result.fields,
            "lost": result.losses,
            "quiet_pushes_max": max(quiet) if quiet else None,
            "stirred_pushes_p50": percentile(stirred, 50) if stirred else None,
        }
    )
    report.summary = (
        f"{len(result.drafts)} drafts, {result.fields} fields, {result.losses} lost "
        f"({THROTTLE}× CPU, seed {result.seed}); pushes per draft: quiet max "
        f"{max(quiet) if quiet else '–'} (≤ {BURST_PUSHES}), stirred p50 "
        f"{percentile(stirred, 50) if stirred else 0:.0f}"
    )
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
