from piccolo.columns import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class Procedure(Table, tablename="procedure"):
    code = Varchar(length=64, primary_key=True)
    family = Varchar(length=32)
    current_version = Integer()
    position = Integer(default=0)
    # False once its data file is gone: hidden from the catalog, versions kept.
    active = Boolean(default=True)


class ProcedureVersion(Table, tablename="procedure_version"):
    """One immutable definition of a procedure. A dossier records the version it
    was drafted against, so an older one must stay readable forever."""

    procedure_code = Varchar(length=64, index=True)
    version = Integer()
    content_hash = Varchar(length=64)
    # The procedure's definition, fragments expanded, as canonical JSON.
    definition = Text()
    created_at = Timestamptz()
