from django.db import migrations

# The tax status of each parcel and signboard in the current run of each year, for the maps:
# one row per (municipality_id, tax_year, parcel_id) or (…, signboard_id); documented in taxes/selectors.py.
VIEW = """
CREATE VIEW taxes_tax_status AS
SELECT s.municipality_id, s.tax_year, s.parcel_id, s.signboard_id, s.tax_due, s.tax_paid, s.due_on,
       CASE
           WHEN s.notice_sent AND s.tax_paid >= s.tax_due THEN 'paid'
           WHEN NOT s.notice_sent THEN 'assessed'
           WHEN s.due_on < (now() AT TIME ZONE 'Asia/Bangkok')::date THEN 'overdue'
           WHEN s.tax_paid > 0 THEN 'part_paid'
           ELSE 'notice_sent'
       END AS status
FROM taxes_taxstatus s
JOIN taxes_assessmentrun r ON r.id = s.run_id AND r.is_current
"""


class Migration(migrations.Migration):
    dependencies = [("taxes", "0001_assessments_notices_payments")]

    operations = [migrations.RunSQL(VIEW, "DROP VIEW taxes_tax_status")]
