"""A member limited to zone 01 sees the taxes, works and flood impacts of zone 01 only, as on the tax map.

Taxes lie in the zone of the parcel or signboard taxed; complaints and work orders where they are on
the ground (zone 01 is the west half of the town, zone 02 the east half); infrastructure is town-wide.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from assets.models import InfrastructureAsset
from dataio.services import export_layer, export_with_personal_data
from municipalities.choices import Role
from municipalities.models import Zone
from municipalities.tenancy import OutOfZone, scoped_to
from rasters.models import FloodImpact
from taxes.models import Assessment, Instalment, Notice, Payment, TaxStatus
from taxes.services import assessment_run, notices_issue, payment_record
from tests.factories import (
    FACTORIES,
    BlockFactory,
    ComplaintFactory,
    FloodImpactFactory,
    InfrastructureAssetFactory,
    LandUseFactory,
    MembershipFactory,
    OwnerFactory,
    OwnershipFactory,
    ParcelFactory,
    WorkOrderFactory,
    WorkOrderPhotoFactory,
    ZoneFactory,
)
from tests.taxes import scenario
from tests.works.test_complaints import traffy_csv
from works import services as works
from works.models import Complaint, WorkOrder, WorkOrderPhoto

D = datetime.date


def _box(west, south, east, north) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=4326)


class ZoneLimitsAcrossTheAppsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town, _people, cls.parcels, _sign = scenario.build()  # zone 01, block 01A, parcels 01A001–01A008
        west, south, east, north = cls.town.boundary.extent
        middle, centre = (west + east) / 2, (south + north) / 2
        cls.zone1 = Zone._base_manager.get(municipality=cls.town, code="01")
        Zone._base_manager.filter(pk=cls.zone1.pk).update(geom=_box(west, south, middle, north))
        zone2 = ZoneFactory(municipality=cls.town, code="02", geom=_box(middle, south, east, north))
        their_parcel = ParcelFactory(
            municipality=cls.town, block=BlockFactory(zone=zone2, code="02A"), parcel_code="02A001"
        )
        LandUseFactory(parcel=their_parcel)
        OwnershipFactory(parcel=their_parcel, owner=OwnerFactory(municipality=cls.town, first_name="สมศรีเขตสอง"))
        cls.officer = cls._member(Role.TAX_OFFICER, "zone1-tax-officer")
        cls.engineer = cls._member(Role.ENGINEER, "zone1-engineer")
        with scoped_to(cls.town):
            run = assessment_run(municipality=cls.town, tax_year=2026)
            cls.mine = Assessment.objects.get(run=run, parcel=cls.parcels["01A002"])
            cls.theirs = Assessment.objects.get(run=run, parcel=their_parcel)
            cls.my_notice, cls.their_notice = notices_issue(
                assessments=[cls.mine, cls.theirs], issued_on=D(2026, 2, 15), acting_user=cls.officer
            )
            for assessment, receipt in ((cls.mine, "Z1-1"), (cls.theirs, "Z2-1")):
                payment_record(
                    assessment=assessment,
                    receipt_number=receipt,
                    amount=Decimal("100.00"),
                    paid_on=D(2026, 3, 1),
                    acting_user=cls.officer,
                )
        cls.west = Point((west + middle) / 2, centre, srid=4326)
        cls.east = Point((middle + east) / 2, centre, srid=4326)
        east_lamp = InfrastructureAssetFactory(municipality=cls.town, geom=cls.east)
        cls.my_order = WorkOrderFactory(municipality=cls.town, asset=None, location=cls.west, number="69-00101")
        cls.their_order = WorkOrderFactory(municipality=cls.town, asset=None, location=cls.east, number="69-00102")
        # No point of its own: it lies where its lamp is.
        cls.their_lamp_order = WorkOrderFactory(
            municipality=cls.town, asset=east_lamp, location=None, number="69-00103"
        )
        WorkOrderPhotoFactory(municipality=cls.town, work_order=cls.their_order)
        cls.my_complaint = ComplaintFactory(municipality=cls.town, location=cls.west)
        ComplaintFactory(municipality=cls.town, location=cls.east)
        cls.my_flood = FloodImpactFactory(municipality=cls.town, parcel=cls.parcels["01A001"])
        analysis = cls.my_flood.analysis
        FloodImpactFactory(municipality=cls.town, analysis=analysis, parcel=their_parcel)
        cls.lamp_flood = FloodImpactFactory(
            municipality=cls.town, analysis=analysis, layer="asset", parcel=None, asset=east_lamp
        )

    @classmethod
    def _member(cls, role, username):
        membership = MembershipFactory(municipality=cls.town, role=role, user__username=username)
        membership.zones.set([cls.zone1])
        return membership.user

    def in_zone_1(self):
        return scoped_to(self.town, zones=[self.zone1.pk])

    def test_a_zone_limited_officer_sees_only_their_zones_assessments_notices_payments_and_tax_status(self):
        with self.in_zone_1():
            assessments = set(Assessment.objects.values_list("pk", flat=True))
            assert self.mine.pk in assessments and self.theirs.pk not in assessments
            assert list(Notice.objects.all()) == [self.my_notice]
            assert list(Payment.objects.values_list("receipt_number", flat=True)) == ["Z1-1"]
            assert set(Instalment.objects.values_list("assessment_id", flat=True)) == {self.mine.pk}
            assert self.theirs.parcel_id not in set(TaxStatus.objects.values_list("parcel_id", flat=True))
        with scoped_to(self.town):  # the town-wide officer sees both zones
            assert Notice.objects.count() == 2 and Payment.objects.count() == 2

    def test_the_tax_pages_and_api_show_a_zone_limited_officer_nothing_of_another_zone(self):
        self.client.force_login(self.officer)
        assert self.client.get(reverse("taxes:assessment", args=[self.mine.pk])).status_code == 200
        assert self.client.get(reverse("taxes:assessment", args=[self.theirs.pk])).status_code == 404
        assert self.client.get(reverse("taxes:notice-pdf", args=[self.their_notice.pk])).status_code == 404
        listed = self.client.get("/api/v1/tax/assessments/", {"status": "issued"}).json()
        assert [row["id"] for row in listed["results"]] == [self.mine.pk]
        assert self.client.get(f"/api/v1/tax/assessments/{self.theirs.pk}/").status_code == 404
        payments = self.client.get("/api/v1/tax/payments/").json()
        assert [p["receipt_number"] for p in payments["results"]] == ["Z1-1"]

    def test_a_zone_limited_officers_notice_continues_the_towns_numbering(self):
        another = Assessment._base_manager.get(run=self.mine.run, parcel=self.parcels["01A004"])
        with self.in_zone_1():
            (notice,) = notices_issue(assessments=[another], issued_on=D(2026, 2, 16), acting_user=self.officer)
        assert notice.number == "2569/000003"  # after zone 02's 2569/000002, which they cannot see

    def test_a_zone_limited_engineer_sees_only_the_complaints_and_work_orders_of_their_zones(self):
        with self.in_zone_1():
            assert list(WorkOrder.objects.all()) == [self.my_order]
            assert list(Complaint.objects.all()) == [self.my_complaint]
            assert not WorkOrderPhoto.objects.exists()
            # the lamp in zone 02 is still seen: infrastructure is the whole town's
            assert list(InfrastructureAsset.objects.all()) == [self.their_lamp_order.asset]
        self.client.force_login(self.engineer)
        page = self.client.get(reverse("works:work-orders")).content.decode()
        assert 'data-number="69-00101"' in page and "69-00102" not in page and "69-00103" not in page
        assert self.client.get(reverse("works:work-order", args=[self.their_order.pk])).status_code == 404

    def test_a_zone_limited_engineer_cannot_open_a_work_order_in_another_zone(self):
        with self.in_zone_1(), pytest.raises(OutOfZone):
            works.work_order_create(
                municipality=self.town,
                acting_user=self.engineer,
                title="ซ่อมถนน",
                due_on=D(2026, 5, 1),
                location=self.east,
            )
        assert not WorkOrder._base_manager.filter(title="ซ่อมถนน").exists()

    def test_a_zone_limited_engineer_imports_the_traffy_tickets_of_their_zones_only(self):
        rows = [
            {"ticket_id": ticket, "type": "{ถนน}", "comment": "ถนนเป็นหลุม", "state": "รอรับเรื่อง"}
            | {"coords": f"{point.x:.6f},{point.y:.6f}", "timestamp": "2024-06-04 10:55:14+00"}
            for ticket, point in (("Z1-TICKET", self.west), ("Z2-TICKET", self.east))
        ]
        with self.in_zone_1():
            result = works.complaints_import(
                municipality=self.town, acting_user=self.engineer, content=traffy_csv(rows), filename="traffy.csv"
            )
        assert (result["created"], result["outside_tickets"]) == (1, ["Z2-TICKET"])

    def test_a_zone_limited_officer_exports_the_register_of_their_zones_only(self):
        with self.in_zone_1():
            exported = export_with_personal_data(
                municipality=self.town, acting_user=self.officer, layer="parcels", fmt="csv"
            )
            with pytest.raises(ValidationError):  # the LTAX Online set is the whole town's
                export_layer(municipality=self.town, acting_user=self.officer, layer="parcels", fmt="ltax")
        text = exported.content.decode("utf-8-sig")
        assert "01A001" in text and "02A001" not in text and "สมศรีเขตสอง" not in text
        assert exported.rows == 8

    def test_a_zone_limited_member_sees_the_flood_impacts_of_their_zones_and_the_towns_infrastructure(self):
        with self.in_zone_1():
            assert set(FloodImpact.objects.all()) == {self.my_flood, self.lamp_flood}


@pytest.mark.django_db
def test_every_models_zone_limit_is_valid_sql():
    zone = ZoneFactory()
    with scoped_to(zone.municipality, zones=[zone.pk]):
        for model in FACTORIES:
            model.objects.count()  # a zone path or condition that does not resolve fails here
