from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.table import Table


class RateLimitBucket(Table, tablename="rate_limit_bucket"):
    """A fixed-window counter per key, e.g. "signin:ip:203.0.113.7"."""

    key = Varchar(length=200, primary_key=True)
    window_start = Timestamptz()
    hits = Integer(default=0)
