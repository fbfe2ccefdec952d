from piccolo.columns import UUID, Boolean, Timestamptz, Varchar
from piccolo.table import Table


class Account(Table, tablename="account"):
    id = UUID(primary_key=True)
    # Stored lower-cased, so uniqueness ignores case.
    email = Varchar(length=254, unique=True)
    full_name = Varchar(length=100)
    phone = Varchar(length=16, default="")
    personal_id = Varchar(length=12, default="")
    # individual | organisation
    kind = Varchar(length=16, default="individual")
    organisation_name = Varchar(length=200, default="")
    role = Varchar(length=16, index=True)
    # Officials belong to one commune; empty for citizens and administrators.
    commune_code = Varchar(length=5, default="", index=True)
    # argon2id; empty for an official who signs in with passkeys only.
    password_hash = Varchar(length=200, default="")
    activated_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    # Created by `motcua demo`; such officials may sign in with a password while
    # demo mode is on.
    is_demo = Boolean(default=False)
