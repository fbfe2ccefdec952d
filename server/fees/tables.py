from piccolo.columns import UUID, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.fees.items import FeeItem

# The province code of fees the Ministry of Finance sets for the whole country.
NATIONAL = "00"


class ProvincialFee(Table, tablename="provincial_fee"):
    """One fee item's amount in one province, or nationally (province_code "00").
    Unique on (province_code, item) — a unique index created by migration m0014.
    The provincial schedules are filled in by each province's administrator."""

    id = Serial(primary_key=True)
    # Two digits, e.g. "01" Hà Nội; "00" for a national fee.
    province_code = Varchar(length=2)
    item = Varchar(length=64, choices=FeeItem)
    # In đồng; per dossier, unless the note or the item says per copy / per page.
    amount = Integer(default=0)
    # Tiers, caps, exemptions and the legal source, for people to read.
    note = Text(default="")
    updated_at = Timestamptz()
    updated_by = UUID(null=True, default=None)
