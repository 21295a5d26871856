"""The blocks' revenue as kept (maps_blockrevenue) and as counted again from the status rows."""

from decimal import Decimal

from django.db import connection

from maps.models import BlockRevenue
from municipalities.tenancy import scoped_to

ZERO = (Decimal(0), Decimal(0))


def recount(municipality) -> dict:
    """(run, block) → (tax due, tax paid), counted from the status rows themselves."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.run_id, p.block_id, sum(s.tax_due), sum(s.tax_paid) FROM taxes_taxstatus s
            LEFT JOIN assets_signboard g ON g.id = s.signboard_id
            JOIN assets_parcel p ON p.id = COALESCE(s.parcel_id, g.parcel_id)
            WHERE s.municipality_id = %s AND p.block_id IS NOT NULL GROUP BY 1, 2
            """,
            [municipality.pk],
        )
        counted = {(run, block): (due, paid) for run, block, due, paid in cursor.fetchall()}
    return {key: value for key, value in counted.items() if value != ZERO}


def kept(municipality) -> dict:
    with scoped_to(municipality):
        rows = {(r.run_id, r.block_id): (r.expected, r.collected) for r in BlockRevenue.objects.all()}
    return {key: value for key, value in rows.items() if value != ZERO}
