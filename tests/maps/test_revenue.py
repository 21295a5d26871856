"""The blocks' revenue that the zone and block tiles show (maps_blockrevenue, kept by triggers) stays
equal to a recount of the tax status rows whatever changes them: a run, notices, payments, a parcel
or a sign moved to another block, a bulk write of status rows."""

import datetime
from decimal import Decimal
from importlib import import_module

from django.contrib.gis.geos import MultiPolygon
from django.db import connection
from django.test import TestCase

from assets.models import Parcel
from assets.services import parcel_update, signboard_update
from municipalities.choices import Role
from municipalities.tenancy import platform_scope, scoped_to
from taxes.models import Assessment, TaxStatus
from taxes.selectors import parcel_tax_status
from taxes.services import assessment_correct, assessment_run, notices_issue, payment_record
from tests.factories import BlockFactory, MembershipFactory, ParcelFactory, ZoneFactory, _inside
from tests.maps.conftest import features, tile_of, tile_url
from tests.maps.revenue import kept, recount
from tests.taxes import scenario

D = datetime.date


class BlockRevenueTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, cls.sign = scenario.build()
        cls.block_a = cls.parcels["01A002"].block
        cls.block_b = BlockFactory(zone=cls.block_a.zone, code="01B")
        cls.zone2 = ZoneFactory(municipality=cls.m, code="02")
        cls.block_2a = BlockFactory(zone=cls.zone2, code="02A")
        cls.officer = MembershipFactory(municipality=cls.m, role=Role.TAX_OFFICER).user
        with scoped_to(cls.m):
            cls.first_run = assessment_run(municipality=cls.m, tax_year=2026)

    def assert_kept(self):
        assert kept(self.m) == recount(self.m)

    def test_a_run_counts_each_blocks_tax_due(self):
        expected = sum(scenario.EXPECTED.values()) + scenario.SIGN_TAX
        assert kept(self.m) == {(self.first_run.pk, self.block_a.pk): (expected, Decimal(0))}
        self.assert_kept()

    def test_a_run_counts_a_sign_in_the_block_of_its_parcel_even_a_retired_one(self):
        """A run brings its blocks' revenue along (taxes.runs.copy_status) instead of the triggers
        counting it: the sign on 01A006 still counts in 01A when 01A006 has been split away."""
        with platform_scope():
            Parcel.objects.filter(pk=self.sign.parcel_id).update(retired_on=D(2025, 12, 31))
        with scoped_to(self.m):
            run = assessment_run(municipality=self.m, tax_year=2026)
        without_01a006 = sum(scenario.EXPECTED.values()) - scenario.EXPECTED["company", "01A006"]
        assert kept(self.m)[run.pk, self.block_a.pk] == (without_01a006 + scenario.SIGN_TAX, Decimal(0))
        self.assert_kept()

    def test_payments_moves_and_a_new_run_keep_the_revenue_equal_to_a_recount(self):
        house = self.parcels["01A002"]
        with scoped_to(self.m):
            assessment = Assessment.objects.get(run=self.first_run, parcel=house)
            notices_issue(assessments=[assessment], issued_on=D(2026, 2, 15), acting_user=self.officer)
            payment_record(
                assessment=assessment, receipt_number="R-1", amount=Decimal("100.00"), paid_on=D(2026, 3, 1),
                acting_user=self.officer,
            )  # fmt: skip
            self.assert_kept()
            assert kept(self.m)[self.first_run.pk, self.block_a.pk][1] == Decimal("100.00")

            # The house moves to block 01B: its 552 baht (100 paid) go with it.
            parcel_update(parcel=house, acting_user=self.officer, block=self.block_b, parcel_code="01B001")
            self.assert_kept()
            assert kept(self.m)[self.first_run.pk, self.block_b.pk] == (Decimal("552.00"), Decimal("100.00"))

            # The sign (494 baht) moves from 01A006 onto the house, now in 01B.
            signboard_update(signboard=self.sign, acting_user=self.officer, parcel=house)
            self.assert_kept()
            assert kept(self.m)[self.first_run.pk, self.block_b.pk] == (Decimal("1046.00"), Decimal("100.00"))

            second = assessment_run(municipality=self.m, tax_year=2026)
            self.assert_kept()
            assert {run for run, _ in kept(self.m)} == {self.first_run.pk, second.pk}

    def pay_then_lower(self) -> Decimal:
        """01A003 is taxed to Somchai and Malee, 276 baht each. Somchai pays his 276, then a correction
        lowers his tax (his half of the land is 40 square wah, not 80); Malee pays as much as his new
        tax. Returns his new tax."""
        with scoped_to(self.m):
            somchai, malee = (
                Assessment.objects.get(run=self.first_run, parcel=self.parcels["01A003"], owner=self.people[who])
                for who in ("somchai", "malee")
            )
            notices_issue(assessments=[somchai, malee], issued_on=D(2026, 2, 15), acting_user=self.officer)
            payment_record(
                assessment=somchai, receipt_number="R-S", amount=Decimal("276.00"), paid_on=D(2026, 3, 1),
                acting_user=self.officer,
            )  # fmt: skip
            somchai.refresh_from_db()
            facts = somchai.calculator_input
            facts["land"]["area_sq_wah"] = "40"
            lower = assessment_correct(
                assessment=somchai, facts=facts, reason="ครึ่งหนึ่งของเนื้อที่ 40 ตร.ว.", issued_on=D(2026, 3, 5),
                acting_user=self.officer,
            ).tax  # fmt: skip
            assert Decimal(0) < lower < Decimal("276.00")
            payment_record(
                assessment=malee, receipt_number="R-M", amount=lower, paid_on=D(2026, 3, 10), acting_user=self.officer
            )
        return lower

    def test_tax_paid_before_a_correction_lowered_it_is_collected_up_to_each_assessments_new_tax(self):
        """Paid up to each one's tax due, 01A003 has collected twice Somchai's new tax, not 276 more: what
        he paid beyond his new tax is his to claim back (LBTA s.54), not tax paid by Malee, who still owes."""
        lower = self.pay_then_lower()
        shared = self.parcels["01A003"]
        due, collected = lower + Decimal("276.00"), lower + lower
        with scoped_to(self.m):
            row = parcel_tax_status(tax_year=2026)[shared.pk]
            assert (row.tax_due, row.tax_paid) == (due, collected)
            assert row.status != "paid"  # Malee still owes 276 - lower
            others = sum(scenario.EXPECTED.values()) - 2 * Decimal("276.00") + scenario.SIGN_TAX
            assert kept(self.m)[self.first_run.pk, self.block_a.pk] == (others + due, collected)
            self.assert_kept()

            # Moved to block 01B, the parcel's revenue is counted again there (maps_revenue_recount).
            parcel_update(parcel=shared, acting_user=self.officer, block=self.block_b, parcel_code="01B003")
            assert kept(self.m)[self.first_run.pk, self.block_b.pk] == (due, collected)
            self.assert_kept()

    def test_the_migration_counts_again_the_rows_written_when_every_payment_counted(self):
        """taxes/migrations/0006: the current run's rows are counted again as the run now counts them,
        an earlier run's are paid at most their tax due, and the blocks' revenue follows."""
        lower = self.pay_then_lower()
        with scoped_to(self.m):
            second = assessment_run(municipality=self.m, tax_year=2026)
        due = lower + Decimal("276.00")
        rows = TaxStatus._base_manager.filter(parcel=self.parcels["01A003"])
        assert sorted(rows.values_list("run_id", "tax_due", "tax_paid")) == [
            (self.first_run.pk, due, lower + lower),
            (second.pk, due, lower + lower),
        ]
        with connection.cursor() as cursor:  # as rows were written before: every payment counted, 432 of 432
            cursor.execute("ALTER TABLE taxes_taxstatus DROP CONSTRAINT taxes_taxstatus_paid_within_due")
            rows.filter(run=second).update(tax_paid=Decimal("276.00") + lower)
            rows.filter(run=self.first_run).update(tax_paid=Decimal("999.00"))
            cursor.execute(import_module("taxes.migrations.0006_paid_counts_up_to_the_tax_due").PAID_UP_TO_DUE)
        with connection.schema_editor() as editor:  # the migration's next step holds on the rows it leaves
            (check,) = (c for c in TaxStatus._meta.constraints if c.name == "taxes_taxstatus_paid_within_due")
            editor.add_constraint(TaxStatus, check)
        assert sorted(rows.values_list("run_id", "tax_paid")) == [(self.first_run.pk, due), (second.pk, lower + lower)]
        assert kept(self.m)[second.pk, self.block_a.pk][1] == lower + lower
        self.assert_kept()

    def test_a_bulk_write_of_status_rows_is_counted_too(self):
        with platform_scope():
            lots = Parcel.objects.bulk_create(
                Parcel(
                    municipality=self.m, block=self.block_2a, parcel_code=f"02A{n:03d}", area_sq_wah=Decimal(100),
                    geom=MultiPolygon(_inside(self.m, 5000 + n), srid=4326),
                )
                for n in range(600)
            )  # fmt: skip
            TaxStatus.objects.bulk_create(  # more rows than the triggers count one by one
                TaxStatus(
                    municipality=self.m, run=self.first_run, tax_year=2026, parcel=lot, tax_due=Decimal("10.00"),
                    tax_paid=Decimal("2.50"),
                )
                for lot in lots
            )  # fmt: skip
        assert kept(self.m)[self.first_run.pk, self.block_2a.pk] == (Decimal("6000.00"), Decimal("1500.00"))
        self.assert_kept()
        with platform_scope():
            TaxStatus.objects.filter(parcel__in=lots).delete()
        assert (self.first_run.pk, self.block_2a.pk) not in kept(self.m)
        self.assert_kept()

    def test_the_zone_and_block_tiles_show_the_kept_revenue(self):
        self.client.force_login(MembershipFactory(municipality=self.m, role=Role.EXECUTIVE).user)
        z12 = tile_of(self.parcels["01A002"].geom.centroid, 12)
        zones = {f["id"]: f["properties"] for f in features(self.client.get(tile_url("zones", *z12)), "zones")}
        expected = float(sum(scenario.EXPECTED.values()) + scenario.SIGN_TAX)
        assert zones[self.block_a.zone_id]["expected"] == expected
        assert zones[self.block_a.zone_id]["collected"] == 0.0 and zones[self.block_a.zone_id]["rate"] == 0.0
        assert "expected" not in zones[self.zone2.pk]  # no tax assessed in zone 02

    def test_a_parcel_outside_any_block_counts_in_no_block(self):
        with platform_scope():
            loose = ParcelFactory(municipality=self.m, block=None, parcel_code="09Z001")
            TaxStatus.objects.create(
                municipality=self.m, run=self.first_run, tax_year=2026, parcel=loose, tax_due=Decimal("5.00")
            )
        assert {block for _, block in kept(self.m)} == {self.block_a.pk}
        self.assert_kept()
