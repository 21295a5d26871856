"""The status rows count each taxpayer's payments up to their tax due (taxes.runs.STATUS_SQL): rows
written before, where a correction had lowered a tax already paid, are counted again; the database
then keeps `tax_paid <= tax_due`.

The current runs' rows are counted again as `refresh_status` counts them (an issued assessment's
payments, those on every assessment of its chain, up to its tax); the maps' triggers on the table
move the difference into the blocks' revenue. A row of an earlier run is kept as it was when its run
was current, paid at most its tax due.
"""

from django.db import migrations, models

PAID = """
UPDATE taxes_taxstatus s SET tax_paid = f.paid
FROM (
    SELECT r.id AS run_id, c.{column} AS subject, sum(least(coalesce(pd.principal, 0), c.tax)) AS paid
    FROM taxes_assessmentrun r
    JOIN taxes_assessment c
      ON c.municipality_id = r.municipality_id AND c.tax_year = r.tax_year AND c.status = 'issued'
    LEFT JOIN (
        SELECT coalesce(a.original_id, a.id) AS chain, sum(p.principal) AS principal
        FROM taxes_payment p JOIN taxes_assessment a ON a.id = p.assessment_id GROUP BY 1
    ) pd ON pd.chain = coalesce(c.original_id, c.id)
    WHERE r.is_current AND c.{column} IS NOT NULL
    GROUP BY 1, 2
) f
WHERE s.run_id = f.run_id AND s.{column} = f.subject AND s.tax_paid <> f.paid;
"""
PAID_UP_TO_DUE = (
    PAID.format(column="parcel_id")
    + PAID.format(column="signboard_id")
    + "UPDATE taxes_taxstatus SET tax_paid = tax_due WHERE tax_paid > tax_due;"
)


class Migration(migrations.Migration):
    dependencies = [
        ("taxes", "0005_instalment_additional"),
    ]

    operations = [
        migrations.RunSQL(PAID_UP_TO_DUE, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="taxstatus",
            constraint=models.CheckConstraint(
                condition=models.Q(("tax_paid__lte", models.F("tax_due"))), name="taxes_taxstatus_paid_within_due"
            ),
        ),
    ]
