"""The yearly assessment run: register → holdings → the same rules as the calculator → rows, in bulk."""

import pytest
from django.test import TestCase

from municipalities.models import Municipality
from municipalities.tenancy import platform_scope, scoped_to
from taxes import calculator
from taxes.choices import AssessmentStatus, RunStatus, TaxKind
from taxes.models import Assessment, AssessmentRun
from taxes.selectors import parcel_tax_status, signboard_tax_status
from taxes.services import assessment_run, recompute
from tests.maps.revenue import kept, recount
from tests.taxes import scenario


def by_subject(run):
    return {
        (a.owner_id, a.parcel.parcel_code if a.parcel else a.signboard.signboard_code): a
        for a in Assessment.objects.filter(run=run).select_related("parcel", "signboard")
    }


class AssessmentRunOnAScenarioTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, cls.sign = scenario.build()
        with scoped_to(cls.m):
            cls.first_run = assessment_run(municipality=cls.m, tax_year=2026)

    def test_each_taxpayer_is_assessed_on_each_parcel_by_the_mapping_rules(self):
        with scoped_to(self.m):
            found = by_subject(self.first_run)
        expected = {(self.people[who].pk, code): tax for (who, code), tax in scenario.EXPECTED.items()}
        expected[(self.people["company"].pk, "01A006-P001")] = scenario.SIGN_TAX
        assert {key: a.tax for key, a in found.items()} == expected

    def test_the_stored_facts_say_how_the_register_was_read(self):
        with scoped_to(self.m):
            found = by_subject(self.first_run)
        p = self.people
        second_house = found[(p["somchai"].pk, "01A002")].calculator_input
        assert second_house["land"]["uses"] == [{"use": "residential_other", "share": "1"}]
        assert found[(p["somchai"].pk, "01A001")].calculator_input["land"]["uses"][0]["use"] == "residential_main"
        co_owned = found[(p["malee"].pk, "01A003")].calculator_input
        assert (co_owned["land"]["share"], co_owned["buildings"][0]["share"]) == ("0.5", "0.5")
        assert found[(p["prasert"].pk, "01A005")].calculator_input["agriculture_exemption_used"] == "50000000"
        malee_house = found[(p["malee"].pk, "01A007")].calculator_input
        assert "land" not in malee_house
        assert malee_house["buildings"][0]["uses"][0]["use"] == "residential_main_building_only"
        assert malee_house["buildings"][0]["price_per_m2"] == "7250"  # Treasury table, type 100
        company = found[(p["company"].pk, "01A006")].calculator_input
        assert (company["owner_kind"], company["land"]["uses"][0]["use"]) == ("juristic", "residential_other")

    def test_the_run_records_its_parameters_totals_and_the_problems_found(self):
        run = self.first_run
        assert (run.status, run.is_current) == (RunStatus.DONE, True)
        assert run.stats["holdings"] == 9
        assert run.stats["signboards"] == 1
        assert run.stats["tax_land_building"] == "3404.00"
        assert run.stats["problems"] == {"no_owner": {"count": 1, "examples": ["01A008"]}}
        rates = run.parameters["land_building"]["land_building.rates.residential_other"]
        assert rates["reference"] and rates["since"] == "2024-01-01"
        assert "signboard.rates" in run.parameters["signboard"]

    def test_every_row_recomputes_to_the_same_tax_through_the_public_calculator(self):
        with scoped_to(self.m):
            for assessment in Assessment.objects.filter(run=self.first_run):
                assert recompute(assessment)["tax"] == str(assessment.tax)

    def test_the_maps_see_each_parcel_and_sign_as_assessed_with_its_tax(self):
        with scoped_to(self.m):
            parcels = parcel_tax_status(tax_year=2026)
            signs = signboard_tax_status(tax_year=2026)
        assert parcels[self.parcels["01A003"].pk].tax_due == 552
        assert parcels[self.parcels["01A007"].pk].status == "assessed"
        assert self.parcels["01A008"].pk not in parcels  # not assessed
        assert signs[self.sign.pk].tax_due == scenario.SIGN_TAX
        with scoped_to(Municipality.objects.model._base_manager.exclude(pk=self.m.pk).first()):
            assert parcel_tax_status(tax_year=2026) == {} or self.parcels["01A003"].pk not in parcel_tax_status(
                tax_year=2026
            )

    def test_a_rerun_is_a_new_run_and_the_old_one_stays(self):
        with scoped_to(self.m):
            again = assessment_run(municipality=self.m, tax_year=2026)
            self.first_run.refresh_from_db()
            assert (self.first_run.is_current, again.is_current) == (False, True)
            assert Assessment.objects.filter(run=self.first_run).count() == 10
            assert Assessment.objects.filter(run=again).count() == 10

    def test_the_rules_in_two_processes_give_exactly_the_rows_of_one(self):
        with scoped_to(self.m):
            forked = assessment_run(municipality=self.m, tax_year=2026, workers=2)
            one, two = (
                sorted(
                    Assessment.objects.filter(run=r).values_list(
                        "kind", "owner_id", "parcel_id", "signboard_id", "facts", "tax"
                    )
                )
                for r in (self.first_run, forked)
            )
        assert one == two

    def test_a_year_without_rates_is_refused_in_thai(self):
        from django.core.exceptions import ValidationError
        from django.utils import translation

        with translation.override("th"), scoped_to(self.m), pytest.raises(ValidationError) as error:
            assessment_run(municipality=self.m, tax_year=2019)
        assert "ไม่มีอัตราภาษีสำหรับปี 2562" in error.value.message_dict["tax_year"][0]
        assert not AssessmentRun.objects.filter(municipality=self.m, tax_year=2019).exists()


@pytest.mark.django_db
def test_the_bulk_run_and_the_single_calculator_agree_on_the_demo_town(client):
    """Every assessment of Lam Phaya recomputed from its facts through the calculator (and some through the API)."""
    with platform_scope():
        lam_phaya = Municipality.objects.get(code="730514")
    with scoped_to(lam_phaya):
        run = assessment_run(municipality=lam_phaya, tax_year=2026)
        rows = list(Assessment.objects.filter(run=run))
    assert run.stats["holdings"] > 1500 and run.stats["signboards"] > 200
    assert len(rows) == run.stats["holdings"] + run.stats["signboards"]
    for assessment in rows:
        compute = calculator.signboard if assessment.kind == TaxKind.SIGNBOARD else calculator.land_building
        assert compute(assessment.calculator_input)["tax"] == str(assessment.tax), assessment.pk
    assert sum(a.tax for a in rows if a.kind == TaxKind.LAND_BUILDING) == __import__("decimal").Decimal(
        run.stats["tax_land_building"]
    )
    assert all(a.status == AssessmentStatus.DRAFT for a in rows)

    from municipalities.models import Membership

    officer = Membership._base_manager.get(user__username="lamphaya-officer").user
    client.force_login(officer)
    for assessment in rows[:: max(1, len(rows) // 15)]:
        kind = "signboard" if assessment.kind == TaxKind.SIGNBOARD else "land-building"
        answer = client.post(
            f"/api/v1/tax/calculate/{kind}/", assessment.calculator_input, content_type="application/json"
        )
        assert answer.json()["tax"] == str(assessment.tax)


def _rows_of(run) -> tuple[list, list]:
    from taxes.models import TaxStatus

    assessments = Assessment.objects.filter(run=run).values_list(
        "kind", "owner_id", "parcel_id", "signboard_id", "facts", "tax", "status"
    )
    status = TaxStatus._base_manager.filter(run=run).values_list(
        "parcel_id", "signboard_id", "tax_year", "tax_due", "tax_paid", "notice_sent", "due_on"
    )
    return sorted(assessments, key=str), sorted(status, key=str)


@pytest.mark.django_db(transaction=True)
def test_a_run_on_two_connections_writes_what_a_run_on_one_does(monkeypatch):
    """A run that owns its transactions reads half the register and writes the status rows on a second
    connection (taxes/runs.py); inside a caller's transaction it uses one. The rows are the same."""
    from django.db import transaction

    from taxes import runs

    opened = []
    monkeypatch.setattr(runs.Beside, "__init__", lambda self, init=runs.Beside.__init__: opened.append(init(self)))
    m, _people, _parcels, _sign = scenario.build()
    with scoped_to(m):
        two = assessment_run(municipality=m, tax_year=2026)
        assert len(opened) == 1
        with transaction.atomic():
            one = assessment_run(municipality=m, tax_year=2026)
        assert len(opened) == 1
        assert _rows_of(two) == _rows_of(one)
        assessments, status = _rows_of(two)
        assert len(assessments) == 10 and len(status) == 8  # 7 assessed parcels and the sign
        assert parcel_tax_status(tax_year=2026)  # the maps see the current run
    # Both brought their blocks' revenue along (taxes.runs.copy_status), as the triggers count it.
    assert {run for run, _block in kept(m)} == {two.pk, one.pk} and kept(m) == recount(m)


def _status_vacuums() -> int:
    from django.db import connection

    with connection.cursor() as cursor:  # each statement its own transaction: fresh statistics
        cursor.execute("SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'taxes_taxstatus'::regclass")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_run_of_its_own_vacuums_its_status_rows_for_the_maps(caplog):
    """The tiles read a feature's status from the index alone on pages a vacuum marked all-visible
    (taxes.services._vacuum_status); a run inside a caller's transaction cannot vacuum and leaves it."""
    from django.db import transaction

    m, _people, _parcels, _sign = scenario.build()
    with scoped_to(m):
        before = _status_vacuums()
        with transaction.atomic():
            inside = assessment_run(municipality=m, tax_year=2026)
        assert _status_vacuums() == before
        own = assessment_run(municipality=m, tax_year=2026)
        assert _status_vacuums() == before + 1
    # Both committed (a VACUUM tried inside the caller's transaction would have aborted it), nothing failed.
    assert list(
        AssessmentRun._base_manager.filter(pk__in=[inside.pk, own.pk]).order_by("pk").values_list("status", flat=True)
    ) == [
        RunStatus.DONE,
        RunStatus.DONE,
    ]
    assert "vacuum" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_failing_vacuum_after_a_run_is_logged_and_the_run_stands(monkeypatch, caplog):
    from taxes import services

    monkeypatch.setattr(services, "VACUUM_STATUS", "VACUUM (ANALYZE) taxes_no_such_table")
    m, _people, _parcels, _sign = scenario.build()
    with scoped_to(m):
        run = assessment_run(municipality=m, tax_year=2026)
    run = AssessmentRun._base_manager.get(pk=run.pk)
    assert (run.status, run.is_current) == (RunStatus.DONE, True)
    assert f"vacuum of the status rows after run {run.pk} failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_run_that_fails_on_two_connections_leaves_no_rows(monkeypatch):
    from taxes import runs
    from taxes.models import TaxStatus

    m, _people, _parcels, _sign = scenario.build()

    def broken_copy(cursor, paths):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(runs, "copy_in", broken_copy)
    with scoped_to(m), pytest.raises(RuntimeError):
        assessment_run(municipality=m, tax_year=2026)
    run = AssessmentRun._base_manager.get(municipality=m)
    assert (run.status, run.is_current) == (RunStatus.FAILED, False)
    assert not Assessment._base_manager.filter(run=run).exists()
    assert not TaxStatus._base_manager.filter(run=run).exists()  # committed beside, then deleted


@pytest.mark.django_db(transaction=True)
def test_a_run_the_server_stopped_is_closed_by_the_next_run_of_its_year():
    """A run whose process or server stopped mid-run stays "running" with the status rows it had
    committed beside it; the next run of the same year marks it failed and deletes them."""
    from django.db import connection, transaction

    from maps.models import BlockRevenue
    from taxes import runs
    from taxes.models import TaxStatus

    m, _people, parcels, _sign = scenario.build()
    parcel = parcels["01A002"]
    with scoped_to(m):
        dead = AssessmentRun.objects.create(municipality=m, tax_year=2026, status=RunStatus.RUNNING)
        elsewhere = AssessmentRun.objects.create(municipality=m, tax_year=2025, status=RunStatus.RUNNING)
        with transaction.atomic(), connection.cursor() as cursor:  # what it had committed on its second connection
            runs.copy_status(
                cursor.cursor,
                runs.StatusRows(
                    f"{m.pk}\t{dead.pk}\t2026\t{parcel.pk}\t{runs.NULL}\t552.00\t0\tf\t{runs.NULL}\n",
                    f"{m.pk}\t{dead.pk}\t{parcel.block_id}\t552.00\t0\n",
                ),
            )
        assert TaxStatus.objects.filter(run=dead).exists() and BlockRevenue.objects.get(run=dead).expected == 552
        new = assessment_run(municipality=m, tax_year=2026)
        dead.refresh_from_db()
        elsewhere.refresh_from_db()
    assert (dead.status, dead.is_current) == (RunStatus.FAILED, False) and dead.finished_at is not None
    assert "หยุดกลางคัน" in dead.message
    assert not TaxStatus._base_manager.filter(run=dead).exists()
    assert BlockRevenue._base_manager.get(run=dead).expected == 0  # its tax taken back off the block
    assert elsewhere.status == RunStatus.RUNNING  # another year's run may be alive
    assert (new.status, new.is_current) == (RunStatus.DONE, True)


@pytest.mark.django_db(transaction=True)
def test_status_rows_are_copied_only_inside_a_transaction():
    """The copy tells the maps' trigger that it brings its revenue for that transaction only (taxes.runs)."""
    from django.db import connection

    from taxes import runs

    with connection.cursor() as cursor, pytest.raises(RuntimeError):
        runs.copy_status(cursor.cursor, runs.StatusRows("", ""))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "table, index",
    [
        ("parcels", "assets_parcel_unique_code"),
        ("buildings", "assets_building_run_read"),
        ("owners", "assets_owner_run_read"),
    ],
)
def test_the_run_reads_the_widest_tables_from_an_index_alone(table, index):
    """Each of these indexes carries every column the run reads of its table (taxes.runs.REGISTER), so a
    yearly run whose register is not in memory reads the index from disk, not the table's geometries,
    names and addresses. Vacuumed, as a town's register is between its runs, the index alone is the
    cheapest read; a column added to the read without its index fails here."""
    from django.db import connection

    from taxes.runs import REGISTER

    m, _people, _parcels, _sign = scenario.build()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) assets_parcel, assets_building, assets_owner")
        cursor.execute("SET enable_seqscan = off")  # a scenario's few rows fit in a page or two
        try:
            cursor.execute("EXPLAIN " + REGISTER[table].sql, {"m": m.pk})
            plan = "\n".join(line for (line,) in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
    assert f"Index Only Scan using {index} on" in plan, plan
