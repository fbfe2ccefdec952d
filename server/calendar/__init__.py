"""The working-day calendar (Luật Hộ tịch art. 5, in Asia/Ho_Chi_Minh).

Vietnamese public holidays and known swapped working Saturdays come from the
`holidays` package (country VN); the administrator's overrides (table
CalendarOverride, API /api/admin/calendar/overrides) win over it, for làm bù
Saturdays and late government decisions the package does not know yet.

Modules: rules (pure functions: is_working_day, add_working_days, due_date),
tables (CalendarOverride, CalendarVersion), service (overrides loaded from the
database, cached per application and checked against a version row on every use, so
a change made by any process is seen by all at once), controllers (the admin API).

Use from a request handler or service, with the application's cache:
    from server.calendar.service import due_date_for
    due = await due_date_for(received_at, procedure.processing, state.caches.calendar)
"""
