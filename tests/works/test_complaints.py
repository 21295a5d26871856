"""Residents' complaints: the public form, the API and Traffy Fondue imports, each linked to the
nearest asset of a matching kind."""

import csv
import io
import json

from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse
from pyproj import Geod
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assets.choices import InfrastructureKind
from municipalities.choices import Role
from municipalities.tenancy import platform_scope, scoped_to
from tests.factories import (
    TEST_PASSWORD,
    InfrastructureAssetFactory,
    MembershipFactory,
    MunicipalityFactory,
    road,
)
from tests.works.test_work_orders import photo
from works import services
from works.choices import ComplaintChannel, ComplaintState
from works.models import Complaint

GEOD = Geod(ellps="WGS84")
TRAFFY_COLUMNS = [
    "ticket_id", "type", "organization", "comment", "photo", "photo_after", "coords", "address",
    "subdistrict", "district", "province", "timestamp", "state", "star", "count_reopen", "last_activity",
]  # fmt: skip


def east_of(point: Point, metres: float) -> Point:
    lon, lat, _ = GEOD.fwd(point.x, point.y, 90, metres)
    return Point(lon, lat, srid=4326)


def traffy_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TRAFFY_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in TRAFFY_COLUMNS})
    return buffer.getvalue().encode("utf-8")


class MatchingTests(TestCase):
    """A town with one streetlight, one drain and one road; reports at known distances from them."""

    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory()
        lon0, lat0, _, _ = cls.town.boundary.extent
        cls.here = Point(lon0 + 0.02, lat0 + 0.02, srid=4326)
        cls.lamp = InfrastructureAssetFactory(municipality=cls.town, asset_code="SL-0001", geom=cls.here)
        cls.far_lamp = InfrastructureAssetFactory(
            municipality=cls.town, asset_code="SL-0002", geom=east_of(cls.here, 45)
        )
        cls.drain = InfrastructureAssetFactory(
            municipality=cls.town,
            asset_code="DR-0001",
            kind=InfrastructureKind.DRAIN,
            geom=road(cls.town, 9000),
            attributes={"diameter_mm": 600},
        )
        cls.theirs = InfrastructureAssetFactory(asset_code="SL-9999")  # another municipality's lamp

    def submit(self, **fields):
        fields = {"category": "streetlight", "description": "ไฟดับ", "location": self.here, **fields}
        with scoped_to(self.town):
            return services.complaint_submit(municipality=self.town, channel=ComplaintChannel.WEB_FORM, **fields)

    def test_a_dark_streetlight_report_is_linked_to_the_lamp_25_m_away(self):
        complaint = self.submit(location=east_of(self.here, -25))
        assert complaint.asset == self.lamp
        assert float(complaint.asset_distance_m) == 25.0

    def test_nothing_is_linked_when_the_nearest_lamp_is_beyond_30_m(self):
        complaint = self.submit(location=east_of(self.here, -31))
        assert (complaint.asset, complaint.asset_distance_m) == (None, None)

    def test_the_nearest_lamp_wins_and_a_nearer_drain_is_ignored_for_a_lamp_report(self):
        complaint = self.submit(location=east_of(self.here, 30))  # 30 m from SL-0001, 15 m from SL-0002
        assert complaint.asset == self.far_lamp
        on_drain = self.drain.geom.interpolate_normalized(0.5)
        assert self.submit(location=on_drain).asset in (None, self.lamp, self.far_lamp)
        assert self.submit(location=on_drain, category="drain", photo=photo()).asset == self.drain

    def test_a_report_outside_the_municipality_is_refused_with_nothing_stored(self):
        with self.assertRaisesMessage(ValidationError, "ตำแหน่งที่แจ้งอยู่นอกเขต"):
            self.submit(location=self.theirs.geom)
        assert not Complaint._base_manager.filter(municipality=self.town).exists()

    def test_a_category_that_needs_a_photo_is_refused_without_one(self):
        with self.assertRaisesMessage(ValidationError, "เรื่องประเภท “ถนน/ทางเท้าชำรุด” ต้องแนบรูปภาพ"):
            self.submit(category="road")
        complaint = self.submit(category="road", photo=photo("pothole.jpg"))
        assert complaint.photo.name.startswith("works/complaints/")


class PublicFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory(code="731234")
        lon0, lat0, _, _ = cls.town.boundary.extent
        cls.here = Point(lon0 + 0.01, lat0 + 0.01, srid=4326)
        cls.lamp = InfrastructureAssetFactory(municipality=cls.town, geom=east_of(cls.here, 10))
        cls.url = reverse("works-public:complaint", args=[cls.town.code])

    def setUp(self):
        cache.clear()

    def post(self, **fields):
        data = {
            "category": "streetlight",
            "description": "ไฟดับทั้งซอย",
            "latitude": f"{self.here.y:.7f}",
            "longitude": f"{self.here.x:.7f}",
            "reporter_name": "นางสาวมาลี",
            "reporter_contact": "0812345678",
            **fields,
        }
        return self.client.post(self.url, data)

    def test_a_resident_reports_without_logging_in_and_the_report_finds_its_lamp(self):
        page = self.client.get(self.url)
        assert page.status_code == 200
        assert self.town.display_name in page.content.decode()
        response = self.post(photo=photo())
        assert response.status_code == 302
        with scoped_to(self.town):
            complaint = Complaint.objects.get()
        assert (complaint.channel, complaint.state, complaint.asset) == ("web_form", "new", self.lamp)
        assert complaint.reporter_contact == "0812345678"
        sent = self.client.get(response["Location"]).content.decode()
        assert f"เลขที่เรื่อง {complaint.pk}" in sent

    def test_a_report_outside_the_municipality_gets_a_thai_message(self):
        response = self.post(latitude="13.75", longitude="100.50")
        assert response.status_code == 200
        assert "ตำแหน่งที่แจ้งอยู่นอกเขต" in response.content.decode()
        assert not Complaint._base_manager.filter(municipality=self.town).exists()

    def test_a_road_report_without_a_photo_gets_a_thai_message(self):
        response = self.post(category="road")
        assert "ต้องแนบรูปภาพ" in response.content.decode()
        assert not Complaint._base_manager.filter(municipality=self.town).exists()

    def test_a_report_without_a_location_is_refused(self):
        response = self.post(latitude="", longitude="")
        assert "ระบุตำแหน่งที่พบปัญหา" in response.content.decode()

    @override_settings(COMPLAINT_FORM_RATE_PER_HOUR=2)
    def test_the_form_takes_only_a_few_reports_an_hour_from_one_address(self):
        assert self.post().status_code == 302
        assert self.post().status_code == 302
        response = self.post()
        assert response.status_code == 429
        assert "ส่งเรื่องจากเครื่องนี้บ่อยเกินไป" in response.content.decode()
        assert Complaint._base_manager.filter(municipality=self.town).count() == 2

    def test_a_bot_filling_the_hidden_field_stores_nothing(self):
        assert self.post(website="http://spam.example").status_code == 302
        assert not Complaint._base_manager.filter(municipality=self.town).exists()

    def test_an_unknown_municipality_code_is_not_found(self):
        assert self.client.get(reverse("works-public:complaint", args=["000000"])).status_code == 404


class ComplaintApiTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory()
        lon0, lat0, _, _ = cls.town.boundary.extent
        cls.here = Point(lon0 + 0.01, lat0 + 0.01, srid=4326)
        cls.lamp = InfrastructureAssetFactory(municipality=cls.town, geom=east_of(cls.here, 5))
        cls.bot = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user
        cls.token = Token.objects.create(user=cls.bot)
        cls.outsider = Token.objects.create(user=MembershipFactory(role=Role.ENGINEER).user)

    def client_with(self, token) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    def test_an_integration_posts_a_report_with_a_photo_and_reads_it_back(self):
        client = self.client_with(self.token)
        response = client.post(
            reverse("api-complaints"),
            {
                "category": "streetlight",
                "description": "โคมไฟกะพริบ",
                "latitude": self.here.y,
                "longitude": self.here.x,
                "photo": photo(),
            },
            format="multipart",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["channel"], body["asset_code"], body["state"]) == ("api", self.lamp.asset_code, "new")
        assert float(body["asset_distance_m"]) == 5.0
        listed = client.get(reverse("api-complaints")).json()
        assert [c["id"] for c in listed["results"]] == [body["id"]]
        assert "reporter_contact" not in listed["results"][0]

    def test_the_api_refuses_a_point_outside_in_thai_and_an_outsider_sees_nothing(self):
        client = self.client_with(self.token)
        response = client.post(
            reverse("api-complaints"),
            {"category": "other", "description": "x", "latitude": 13.7, "longitude": 100.5},
            format="json",
        )
        assert response.status_code == 400
        assert "อยู่นอกเขต" in response.json()["location"][0]
        with scoped_to(self.town):
            services.complaint_submit(
                municipality=self.town, channel="staff", category="other", description="y", location=self.here
            )
        assert self.client_with(self.outsider).get(reverse("api-complaints")).json()["results"] == []


class TraffyImportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory()
        cls.engineer = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user
        lon0, lat0, _, _ = cls.town.boundary.extent
        cls.here = Point(lon0 + 0.03, lat0 + 0.03, srid=4326)
        cls.lamp = InfrastructureAssetFactory(municipality=cls.town, asset_code="SL-0100", geom=cls.here)
        cls.drain = InfrastructureAssetFactory(
            municipality=cls.town,
            asset_code="DR-0100",
            kind=InfrastructureKind.DRAIN,
            geom=road(cls.town, 400),
            attributes={"diameter_mm": 400},
        )
        near_lamp = east_of(cls.here, 12)
        on_drain = cls.drain.geom.interpolate_normalized(0.3)
        cls.rows = [
            {
                "ticket_id": "2024-ABCD12",
                "type": "{แสงสว่าง}",
                "comment": "ไฟทางดับสามวันแล้ว",
                "photo": "https://storage.traffy.in.th/viewer/?ticket_id=2024-ABCD12.jpg",
                "coords": f"{near_lamp.x:.6f},{near_lamp.y:.6f}",
                "timestamp": "2024-06-04 10:55:14.26+00",
                "state": "รอรับเรื่อง",
                "last_activity": "2024-06-05 08:00:00+00",
            },
            {
                "ticket_id": "2024-EFGH34",
                "type": "{ท่อระบายน้ำ,น้ำท่วม}",
                "comment": "ท่ออุดตัน น้ำขัง",
                "coords": f"{on_drain.x:.6f},{on_drain.y:.6f}",
                "timestamp": "2024-06-06 01:00:00+00",
                "state": "กำลังดำเนินการ",
            },
            {
                "ticket_id": "2024-OUT999",
                "type": "{ถนน}",
                "comment": "นอกเขต",
                "coords": "100.523186,13.746638",
                "timestamp": "2024-06-06 01:00:00+00",
                "state": "เสร็จสิ้น",
            },
        ]

    def run_import(self, content: bytes, filename="traffy.csv"):
        with scoped_to(self.town):
            return services.complaints_import(
                municipality=self.town, acting_user=self.engineer, content=content, filename=filename
            )

    def complaints(self) -> dict[str, Complaint]:
        with platform_scope():
            return {c.external_id: c for c in Complaint.objects.filter(municipality=self.town)}

    def test_a_csv_export_is_imported_matched_and_the_ticket_outside_is_skipped(self):
        result = self.run_import(traffy_csv(self.rows))
        assert result == {"created": 2, "updated": 0, "outside": 1, "outside_tickets": ["2024-OUT999"]}
        found = self.complaints()
        lamp, drain = found["2024-ABCD12"], found["2024-EFGH34"]
        assert (lamp.category, lamp.asset, float(lamp.asset_distance_m), lamp.state) == (
            "streetlight",
            self.lamp,
            12.0,
            ComplaintState.NEW,
        )
        assert lamp.photo_url.endswith("2024-ABCD12.jpg") and not lamp.photo
        assert lamp.reported_at.isoformat() == "2024-06-04T10:55:14.260000+00:00"
        assert (drain.category, drain.source_type, drain.asset, drain.state) == (
            "drain",
            "ท่อระบายน้ำ, น้ำท่วม",
            self.drain,
            ComplaintState.IN_PROGRESS,
        )

    def test_importing_again_updates_tickets_instead_of_duplicating_them(self):
        self.run_import(traffy_csv(self.rows))
        changed = [dict(self.rows[0], state="เสร็จสิ้น")]
        assert self.run_import(traffy_csv(changed))["updated"] == 1
        assert len(self.complaints()) == 2
        assert self.complaints()["2024-ABCD12"].state == ComplaintState.DONE

    def test_a_json_export_with_coordinates_as_a_list_is_read_too(self):
        records = [dict(r, coords=[float(v) for v in r["coords"].split(",")]) for r in self.rows[:2]]
        result = self.run_import(json.dumps({"results": records}, ensure_ascii=False).encode(), "traffy.json")
        assert result["created"] == 2

    def test_a_malformed_row_stops_the_import_with_every_problem_listed_and_nothing_stored(self):
        bad = [*self.rows, {"ticket_id": "2024-BAD001", "coords": "not,a-point", "timestamp": "2024-06-06"},
               {"ticket_id": "2024-BAD002", "coords": "100.5,13.7", "timestamp": "yesterday"}]  # fmt: skip
        with self.assertRaises(ValidationError) as caught:
            self.run_import(traffy_csv(bad))
        messages = caught.exception.messages
        assert messages == [
            "แถวที่ 5 (2024-BAD001): พิกัดไม่ถูกต้อง ต้องเป็น ลองจิจูด,ละติจูด เช่น 100.5231,13.7467",
            "แถวที่ 6 (2024-BAD002): วันเวลาไม่ถูกต้อง",
        ]
        assert self.complaints() == {}

    def test_a_file_that_is_not_an_export_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "ไฟล์ไม่มีคอลัมน์ ticket_id, coords, timestamp"):
            self.run_import(b"name,value\nx,1\n")
        with self.assertRaisesMessage(ValidationError, "ไฟล์ JSON ไม่ถูกต้อง"):
            self.run_import(b"[{", "x.json")

    def test_an_engineer_imports_from_the_page_and_opens_a_work_order_from_a_complaint(self):
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)
        upload = SimpleUploadedFile("traffy.csv", traffy_csv(self.rows), content_type="text/csv")
        response = self.client.post(reverse("works:complaints-import"), {"file": upload}, follow=True)
        assert "นำเข้าเรื่องใหม่ 2 เรื่อง ปรับปรุง 0 เรื่อง ข้ามเรื่องนอกเขต 1 เรื่อง" in response.content.decode()
        complaint = self.complaints()["2024-ABCD12"]
        page = self.client.get(reverse("works:complaint", args=[complaint.pk])).content.decode()
        assert "SL-0100" in page and "12.0" in page
        response = self.client.post(
            reverse("works:complaint-work-order", args=[complaint.pk]), {"due_on": "2026-12-01", "priority": "high"}
        )
        assert response.status_code == 302
        complaint.refresh_from_db()
        order = complaint.work_orders.model._base_manager.get(complaint=complaint)
        assert (order.source, order.asset, order.title, complaint.state) == (
            "complaint",
            self.lamp,
            "ไฟฟ้าส่องสว่างดับ/ชำรุด",
            "in_progress",
        )
