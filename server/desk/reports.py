"""Reports for a commune (or the country, for an administrator): counts by
procedure, state, commune and month; on time against late; processing time;
ratings."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

import msgspec

from server.clock import VIETNAM, vn_date
from server.dossiers.tables import Dossier
from server.identity.principal import Principal
from server.identity.roles import Role
from server.problems import ProblemError
from sync.states import State


class Count(msgspec.Struct):
    key: str
    count: int


class Report(msgspec.Struct):
    since: dt.date
    until: dt.date
    total: int
    by_procedure: list[Count]
    by_state: list[Count]
    by_commune: list[Count]
    by_month: list[Count]
    on_time: int
    late: int
    # Hours from submission to result, over dossiers with a result
    average_processing_hours: float | None
    ratings: int
    average_rating: float | None


REPORT_YEARS = (1900, 2999)


async def build_report(
    principal: Principal, since: dt.date, until: dt.date, commune: str | None
) -> Report:
    if until < since:
        raise ProblemError(400, "invalid_parameter", detail="until is before since")
    for name, day in (("until", until), ("since", since)):
        # The day after `until` must exist (9999-12-31 has none): a report spans real years.
        if not REPORT_YEARS[0] <= day.year <= REPORT_YEARS[1]:
            raise ProblemError(
                400,
                "invalid_parameter",
                detail=f"{name} must be between {REPORT_YEARS[0]} and {REPORT_YEARS[1]}",
            )
    query = (
        Dossier.select(
            Dossier.procedure_code,
            Dossier.state,
            Dossier.commune_code,
            Dossier.submitted_at,
            Dossier.due_date,
            Dossier.completed_at,
            Dossier.rating_stars,
        )
        .where(Dossier.state != State.DRAFT)
        .where(Dossier.submitted_at.is_not_null())
    )
    if principal.role is not Role.admin:
        if commune and commune != principal.commune_code:
            raise ProblemError(403, "forbidden", detail="another commune's report")
        query = query.where(Dossier.commune_code == principal.commune_code)
    elif commune:
        query = query.where(Dossier.commune_code == commune)
    # Days and months as Vietnam counts them.
    start = dt.datetime.combine(since, dt.time(), VIETNAM)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), VIETNAM)
    rows = await query.where((Dossier.submitted_at >= start) & (Dossier.submitted_at < end))
    by_procedure, by_state, by_commune, by_month = Counter(), Counter(), Counter(), Counter()
    on_time = late = 0
    hours: list[float] = []
    stars: list[int] = []
    for r in rows:
        by_procedure[r["procedure_code"]] += 1
        by_state[str(r["state"])] += 1
        by_commune[r["commune_code"]] += 1
        by_month[r["submitted_at"].astimezone(VIETNAM).strftime("%Y-%m")] += 1
        if r["completed_at"] is not None:
            hours.append((r["completed_at"] - r["submitted_at"]).total_seconds() / 3600)
            if r["due_date"] is not None:
                if vn_date(r["completed_at"]) <= r["due_date"]:
                    on_time += 1
                else:
                    late += 1
        if r["rating_stars"]:
            stars.append(r["rating_stars"])

    def counts(c: Counter) -> list[Count]:
        return [Count(key=k, count=v) for k, v in sorted(c.items())]

    return Report(
        since=since,
        until=until,
        total=len(rows),
        by_procedure=counts(by_procedure),
        by_state=counts(by_state),
        by_commune=counts(by_commune),
        by_month=counts(by_month),
        on_time=on_time,
        late=late,
        average_processing_hours=round(sum(hours) / len(hours), 1) if hours else None,
        ratings=len(stars),
        average_rating=round(sum(stars) / len(stars), 2) if stars else None,
    )


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["dimension", "key", "count"])
    for name in ("by_procedure", "by_state", "by_commune", "by_month"):
        for c in getattr(report, name):
            writer.writerow([name.removeprefix("by_"), c.key, c.count])
    writer.writerow(["timeliness", "on_time", report.on_time])
    writer.writerow(["timeliness", "late", report.late])
    writer.writerow(["processing", "average_hours", report.average_processing_hours or ""])
    writer.writerow(["rating", "count", report.ratings])
    writer.writerow(["rating", "average", report.average_rating or ""])
    return out.getvalue()
