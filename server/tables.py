"""Every Piccolo table of the server, in creation order."""

from server.catalog.tables import Procedure, ProcedureVersion
from server.communes.tables import Commune, Province
from server.identity.tables import Account
from server.reference.tables import ReferenceDataset

ALL_TABLES = (ReferenceDataset, Province, Commune, Procedure, ProcedureVersion, Account)
