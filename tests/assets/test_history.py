"""Every register keeps its change history: who, when, what; and records as they were on a date."""

import datetime
from decimal import Decimal

from django.test import TestCase
from django.utils import timezone

from assets import services
from assets.models import Parcel
from municipalities.tenancy import scoped_to
from tests.factories import MunicipalityFactory, ParcelFactory, UserFactory


class ParcelHistoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.officer = UserFactory(username="somchai-officer")
        cls.other_officer = UserFactory(username="malee-officer")

    def test_creating_and_changing_a_parcel_writes_history_rows_naming_the_officer(self):
        with scoped_to(self.lam_phaya):
            parcel = services.parcel_create(
                municipality=self.lam_phaya,
                acting_user=self.officer,
                parcel_code="01A001",
                geom=ParcelFactory.build(municipality=self.lam_phaya).geom,
                area_sq_wah=Decimal("100"),
                price_per_sq_wah=Decimal("30000"),
            )
            services.parcel_update(parcel=parcel, acting_user=self.other_officer, price_per_sq_wah=Decimal("35000"))

            rows = list(parcel.history.order_by("history_date"))
        assert [(r.history_type, r.history_user.username, r.price_per_sq_wah) for r in rows] == [
            ("+", "somchai-officer", Decimal("30000.00")),
            ("~", "malee-officer", Decimal("35000.00")),
        ]
        change = rows[1].diff_against(rows[0])
        assert [(c.field, c.old, c.new) for c in change.changes] == [
            ("price_per_sq_wah", Decimal("30000.00"), Decimal("35000.00"))
        ]

    def test_a_parcel_can_be_read_as_it_was_on_a_past_date(self):
        with scoped_to(self.lam_phaya):
            parcel = services.parcel_create(
                municipality=self.lam_phaya,
                acting_user=self.officer,
                parcel_code="01A002",
                geom=ParcelFactory.build(municipality=self.lam_phaya).geom,
                area_sq_wah=Decimal("100"),
                price_per_sq_wah=Decimal("30000"),
            )
            first = parcel.history.get()
            first.history_date = timezone.now() - datetime.timedelta(days=30)
            first.save()
            services.parcel_update(parcel=parcel, acting_user=self.officer, deed_number="99999")

            then = Parcel.history.as_of(timezone.now() - datetime.timedelta(days=10)).get(pk=parcel.pk)
            now = Parcel.objects.get(pk=parcel.pk)
        assert then.deed_number != "99999"
        assert now.deed_number == "99999"

    def test_splitting_a_parcel_retires_it_and_records_the_lineage(self):
        with scoped_to(self.lam_phaya):
            parent = ParcelFactory(municipality=self.lam_phaya, parcel_code="01A010", area_sq_wah=Decimal("200"))
            square = parent.geom[0]
            xmin, ymin, xmax, ymax = square.extent
            mid = (xmin + xmax) / 2
            from django.contrib.gis.geos import Polygon

            west = Polygon.from_bbox((xmin, ymin, mid, ymax))
            east = Polygon.from_bbox((mid, ymin, xmax, ymax))
            children = services.parcel_split(
                parcel=parent,
                acting_user=self.officer,
                on=datetime.date(2026, 3, 1),
                parts=[
                    {"parcel_code": "01A010/001", "geom": west, "area_sq_wah": Decimal("100")},
                    {"parcel_code": "01A010/002", "geom": east, "area_sq_wah": Decimal("100")},
                ],
            )
            parent.refresh_from_db()
            assert parent.retired_on == datetime.date(2026, 3, 1)
            assert sorted(link.child.parcel_code for link in parent.child_links.all()) == ["01A010/001", "01A010/002"]
            assert {c.block_id for c in children} == {parent.block_id}

            merged = services.parcel_merge(
                parcels=children, acting_user=self.officer, on=datetime.date(2026, 6, 1), parcel_code="01A011"
            )
            assert merged.area_sq_wah == Decimal("200")
            assert merged.geom.area == __import__("pytest").approx(parent.geom.area, rel=1e-9)
            assert sorted(link.parent.parcel_code for link in merged.parent_links.all()) == ["01A010/001", "01A010/002"]
