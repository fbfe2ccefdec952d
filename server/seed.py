"""`motcua seed`: all reference data in one write transaction."""

from __future__ import annotations

from pathlib import Path

import msgspec
from piccolo.engine.base import Engine

from server.catalog.loader import load_catalog
from server.catalog.seed import CatalogSeedReport, seed_catalog
from server.communes.seed import CommunesSeedReport, seed_communes
from server.communes.source import load_source
from server.database import write_transaction
from server.fees.seed import FeesSeedReport, seed_fees


class SeedReport(msgspec.Struct):
    communes: CommunesSeedReport
    catalog: CatalogSeedReport
    fees: FeesSeedReport


async def seed_reference_data(engine: Engine, catalog_dir: Path | None = None) -> SeedReport:
    # Read and check every data file before the transaction opens: a broken file
    # stops the seed with nothing written.
    catalog = load_catalog(catalog_dir) if catalog_dir else load_catalog()
    communes = load_source()
    async with write_transaction(engine):
        return SeedReport(
            communes=await seed_communes(communes),
            catalog=await seed_catalog(catalog),
            fees=await seed_fees(),
        )
