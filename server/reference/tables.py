from piccolo.columns import Timestamptz, Varchar
from piccolo.table import Table


class ReferenceDataset(Table, tablename="reference_dataset"):
    """The version (ETag) of each reference dataset, changed by `motcua seed`, so
    every server process answers conditional requests alike."""

    name = Varchar(length=32, primary_key=True)
    etag = Varchar(length=64)
    updated_at = Timestamptz()
