from piccolo.columns import UUID, Date, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class CalendarOverride(Table, tablename="calendar_override"):
    """One day whose status the administrator sets, whatever the `holidays` package says."""

    id = Serial(primary_key=True)
    day = Date(unique=True)
    # holiday | working_day (a swapped working Saturday, làm bù)
    kind = Varchar(length=16)
    note = Text(default="")
    updated_at = Timestamptz()
    updated_by = UUID(null=True, default=None)


class CalendarVersion(Table, tablename="calendar_version"):
    """A single row (id 1) whose token changes in the same transaction as every
    change to CalendarOverride: processes compare it with the token of their cached
    copy and reload on a difference. "initial" means no override was ever written."""

    id = Integer(primary_key=True)
    token = Varchar(length=36, default="initial")
    changed_at = Timestamptz(null=True, default=None)
