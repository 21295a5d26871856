"""The map pages, side panels, search, dashboard and printed maps: who may open them, what each role
reads there (owners masked by role), zone limits, and how many queries each page costs."""

import datetime
import pathlib
import re
import subprocess
import tempfile
from decimal import Decimal

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.validators import format_national_id
from maps.printing import _map_svg
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from taxes.models import Assessment
from taxes.services import assessment_correct, assessment_run, notices_issue, payment_record
from tests.factories import (
    BlockFactory,
    InfrastructureAssetFactory,
    InspectionFactory,
    MembershipFactory,
    OwnerFactory,
    OwnershipFactory,
    ParcelFactory,
    RevenueEstimateFactory,
    SignboardFactory,
    WorkOrderFactory,
    ZoneFactory,
)
from tests.maps.conftest import features, tile_of, tile_url
from tests.taxes import scenario
from tests.taxes.test_notices import pdf_text

D = datetime.date


class MapPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, cls.sign = scenario.build()
        cls.members = {role: MembershipFactory(municipality=cls.m, role=role).user for role in Role}
        cls.officer, cls.executive, cls.engineer = (
            cls.members[Role.TAX_OFFICER],
            cls.members[Role.EXECUTIVE],
            cls.members[Role.ENGINEER],
        )
        cls.outsider = MembershipFactory(role=Role.ADMIN).user
        with scoped_to(cls.m):
            run = assessment_run(municipality=cls.m, tax_year=2026)
            cls.house = Assessment.objects.get(run=run, parcel=cls.parcels["01A002"])
            (cls.notice,) = notices_issue(assessments=[cls.house], issued_on=D(2026, 2, 15), acting_user=cls.officer)
            payment_record(
                assessment=cls.house, receipt_number="R-77", amount=Decimal("276.00"), paid_on=D(2026, 3, 1),
                acting_user=cls.officer,
            )  # fmt: skip
        RevenueEstimateFactory(municipality=cls.m, tax_year=2026, kind="land_building", amount=Decimal("5000.00"))
        cls.streetlight = InfrastructureAssetFactory(municipality=cls.m, geom=cls.parcels["01A004"].geom.centroid)
        cls.order = WorkOrderFactory(municipality=cls.m, asset=cls.streetlight, title="เปลี่ยนหลอดไฟ")
        InspectionFactory(municipality=cls.m, asset=cls.streetlight, condition=4)

    def get(self, user, name, *args, **params):
        self.client.force_login(user)
        return self.client.get(reverse(name, args=args), params)

    def queries(self, user, name, *args, **params) -> int:
        self.client.force_login(user)
        self.client.get(reverse("home"))  # the session's first request pays for the login
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(reverse(name, args=args), params)
        assert response.status_code == 200
        return len(captured)

    # Who opens what ---------------------------------------------------------------------------------

    def test_each_role_opens_its_own_map_and_no_other(self):
        expected = {
            "maps:tax": {Role.ADMIN, Role.TAX_OFFICER, Role.EXECUTIVE, Role.AUDITOR},
            "maps:engineer": set(Role),
            "maps:revenue": {Role.ADMIN, Role.TAX_OFFICER, Role.EXECUTIVE, Role.AUDITOR},
        }
        for name, allowed in expected.items():
            for role, user in self.members.items():
                status = self.get(user, name).status_code
                assert status == (200 if role in allowed else 403), (name, role, status)

    def test_the_tax_map_draws_our_tiles_under_a_strict_content_security_policy(self):
        response = self.get(self.officer, "maps:tax")
        page = response.content.decode()
        assert "/tiles/parcels/{z}/{x}/{y}.pbf?year=2026" in page
        assert "/tiles/signboards/{z}/{x}/{y}.pbf?year=2026" in page
        assert 'data-map="tax"' in page and 'data-search="/maps/search.json"' in page
        assert "ปีภาษี 2569" in page
        policy = response["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy)[1]
        scripts = re.findall(r"<script([^>]*)>", page)
        inline = [
            attributes for attributes in scripts if "src=" not in attributes and "application/json" not in attributes
        ]
        assert inline == [f' nonce="{nonce}"']  # the folium map's own script, and nothing else inline
        assert "L.vectorGrid.protobuf" in page and "https://" not in "".join(re.findall(r'src="([^"]+)"', page))

    def test_the_engineers_map_filters_infrastructure_and_draws_no_tax(self):
        page = self.get(self.engineer, "maps:engineer").content.decode()
        assert "/tiles/infrastructure/{z}/{x}/{y}.pbf" in page
        assert 'name="kind" value="streetlight"' in page and 'name="condition"' in page and 'name="age"' in page
        assert "/tiles/missed/" not in page

    # Side panels ------------------------------------------------------------------------------------

    def test_the_officer_reads_a_parcels_owners_tax_breakdown_payments_and_notice(self):
        panel = self.get(self.officer, "maps:parcel-panel", self.parcels["01A002"].pk, year=2026).json()
        somchai = self.people["somchai"]
        assert panel["code"] == "01A002" and panel["deed"].startswith("โฉนดที่ดิน")
        assert panel["area"] == "0 ไร่ 0 งาน 80 ตารางวา"
        masked = f"{somchai.national_id[0]}-xxxx-xxxxx-xx-{somchai.national_id[-1]}"
        assert [o["name"] for o in panel["owners"]] == [f"นายสมชาย ใจดี ({masked})"]
        assert somchai.national_id not in str(panel) and format_national_id(somchai.national_id) not in str(panel)
        tax = panel["tax"]
        assert (tax["year"], tax["due"], tax["paid"]) == (2569, "552.00", "276.00")
        (assessment,) = tax["assessments"]
        assert assessment["tax"] == "552.00" and assessment["breakdown"]
        assert assessment["notice"] == self.notice.number
        assert assessment["notice_pdf"] == reverse("taxes:notice-pdf", args=[self.notice.pk])
        assert [(p["receipt"], p["amount"]) for p in tax["payments"]] == [("R-77", "276.00")]
        assert panel["links"]["print"] == reverse("maps:print-parcel", args=[self.parcels["01A002"].pk]) + "?year=2026"

    def test_an_executive_reads_the_tax_status_but_no_owners_name_and_no_amount(self):
        panel = self.get(self.executive, "maps:parcel-panel", self.parcels["01A003"].pk, year=2026).json()
        names = [o["name"] for o in panel["owners"]]
        assert names == ["ผู้ถือกรรมสิทธิ์ 1 (บุคคลธรรมดา)", "ผู้ถือกรรมสิทธิ์ 2 (บุคคลธรรมดา)"]
        assert "สมชาย" not in str(panel) and "มาลี" not in str(panel)
        assert panel["tax"] == {"year": 2569, "status": {"code": "assessed", "label": "ประเมินแล้ว"}}

    def test_a_parcels_own_tax_amounts_and_breakdown_only_for_roles_that_see_personal_data(self):
        """As the tiles (maps/access.py): a single parcel's amounts need VIEW_PERSONAL_DATA, and so does its
        breakdown, whose main-residence line (LBTA s.41) tells that its owner lives there."""
        home, house = self.parcels["01A001"].pk, self.parcels["01A002"].pk
        exemption = "หักมูลค่าที่ได้รับยกเว้น (มาตรา 40, 41)"
        for role, user in self.members.items():
            panels = [self.get(user, "maps:parcel-panel", pk, year=2026).json() for pk in (home, house)]
            if role == Role.ENGINEER:
                assert all("tax" not in panel for panel in panels)
                continue
            tax = panels[1]["tax"]
            assert tax["status"]["code"] in ("part_paid", "overdue"), role  # as the tiles draw it (by today's date)
            if role in (Role.ADMIN, Role.TAX_OFFICER, Role.AUDITOR):
                assert (tax["due"], tax["paid"]) == ("552.00", "276.00"), role
                assert [p["amount"] for p in tax["payments"]] == ["276.00"], role
                assert [a["tax"] for a in tax["assessments"]] == ["552.00"], role
                assert exemption in [r["label"] for a in panels[0]["tax"]["assessments"] for r in a["breakdown"]]
            else:
                assert role == Role.EXECUTIVE
                assert set(tax) == {"year", "status"}, tax
                assert set(panels[0]["tax"]) == {"year", "status"}
                assert "552" not in str(panels[1]) and "276" not in str(panels[1])
                assert exemption not in str(panels[0]) and "มาตรา" not in str(panels[0])

    def test_an_engineer_reads_the_register_without_tax_and_an_asset_with_its_work(self):
        panel = self.get(self.engineer, "maps:parcel-panel", self.parcels["01A002"].pk).json()
        assert "tax" not in panel and "สมชาย" not in str(panel)
        asset = self.get(self.engineer, "maps:asset-panel", self.streetlight.pk).json()
        assert [o["number"] for o in asset["orders"]] == [self.order.number]
        assert [i["condition"] for i in asset["inspections"]] == [4]
        assert asset["url"] == reverse("works:asset", args=[self.streetlight.pk])

    def test_an_outsider_opens_no_panel_and_finds_nothing(self):
        assert self.get(self.outsider, "maps:parcel-panel", self.parcels["01A002"].pk).status_code == 404
        assert self.get(self.outsider, "maps:asset-panel", self.streetlight.pk).status_code == 404
        assert self.get(self.outsider, "maps:search", q="01A002").json() == {"results": []}
        assert self.get(self.outsider, "maps:print-parcel", self.parcels["01A002"].pk).status_code == 404

    # Search -----------------------------------------------------------------------------------------

    def test_the_officer_finds_parcels_by_code_deed_or_owners_name(self):
        def codes(user, q):
            return [r["code"] for r in self.get(user, "maps:search", q=q).json()["results"]]

        assert codes(self.officer, "01A00") == [f"01A00{n}" for n in range(1, 9)]
        assert codes(self.officer, self.parcels["01A004"].deed_number) == ["01A004"]
        assert codes(self.officer, "ประเสริฐ") == ["01A004", "01A005"]
        assert codes(self.officer, "สมชาย ใจดี") == ["01A001", "01A002", "01A003"]
        assert codes(self.executive, "ประเสริฐ") == []  # no owners' names without the personal-data capability
        assert codes(self.executive, "01A004") == ["01A004"]
        (hit,) = self.get(self.officer, "maps:search", q="01A004").json()["results"]
        assert hit["bbox"] == [round(v, 7) for v in self.parcels["01A004"].geom.extent]

    def test_the_officer_finds_the_parcel_under_a_building_or_a_sign_by_its_owners_name(self):
        """Malee owns the house on the company's 01A007 (not its land) and half of 01A003; Wilai owns a
        sign on 01A004 and Thana one taken down on 01A005: the parcel a building or a sign stands on is
        found by its owner's name, by roles that may search by personal data only."""
        wilai = OwnerFactory(municipality=self.m, first_name="วิไล", last_name="ป้ายสวย")
        thana = OwnerFactory(municipality=self.m, first_name="ธนา", last_name="ป้ายเก่า")
        SignboardFactory(parcel=self.parcels["01A004"], signboard_code="01A004-P001", owner=wilai)
        SignboardFactory(
            parcel=self.parcels["01A005"], signboard_code="01A005-P001", owner=thana, removed_on=D(2025, 12, 31)
        )

        def codes(user, q):
            return [r["code"] for r in self.get(user, "maps:search", q=q).json()["results"]]

        assert codes(self.officer, "มาลี") == ["01A003", "01A007"]
        assert codes(self.officer, "วิไล ป้ายสวย") == ["01A004"]
        assert codes(self.officer, "ธนา") == []  # the sign no longer stands there
        for role, user in self.members.items():
            personal = role in (Role.ADMIN, Role.TAX_OFFICER, Role.AUDITOR)
            assert codes(user, "มาลี") == (["01A003", "01A007"] if personal else []), role
            assert codes(user, "วิไล") == (["01A004"] if personal else []), role

    def test_a_member_limited_to_a_zone_finds_a_sign_there_by_its_owner_and_no_other_zones_sign_owner(self):
        """Somsri holds land in zone 01 and a sign on 02A001; Thongdee holds nothing but a sign in zone 01.
        A tax officer limited to zone 02 finds 02A001 by Somsri's name (the sign is in their zone), and
        Thongdee's name and national ID, a zone-01 taxpayer's, are not theirs to read."""
        zone2 = ZoneFactory(municipality=self.m, code="02")
        theirs = ParcelFactory(municipality=self.m, block=BlockFactory(zone=zone2, code="02A"), parcel_code="02A001")
        somsri = OwnerFactory(municipality=self.m, first_name="สมศรี", last_name="ป้ายใหม่")
        OwnershipFactory(parcel=self.parcels["01A008"], owner=somsri)
        SignboardFactory(parcel=theirs, signboard_code="02A001-P001", owner=somsri)
        thongdee = OwnerFactory(municipality=self.m, first_name="ทองดี", last_name="ป้ายเดียว")
        SignboardFactory(parcel=self.parcels["01A004"], signboard_code="01A004-P009", owner=thongdee)
        limited = MembershipFactory(municipality=self.m, role=Role.TAX_OFFICER)
        limited.zones.set([zone2])
        found = self.get(limited.user, "maps:search", q="สมศรี ป้ายใหม่").json()["results"]
        assert [r["code"] for r in found] == ["02A001"]
        owners = self.get(limited.user, "owner-list").json()
        assert "ทองดี" not in str(owners) and thongdee.national_id not in str(owners)
        assert "สมศรี" in str(owners)  # the owner of a sign in their zone
        assert self.get(limited.user, "owner-detail", thongdee.pk).status_code == 404

    # Dashboard --------------------------------------------------------------------------------------

    def test_the_executives_dashboard_sets_collections_against_the_estimate(self):
        response = self.get(self.executive, "maps:revenue", year=2026)
        data = response.context["data"]
        land = next(k for k in data["kinds"] if k["kind"] == "land_building")
        assert (land["estimate"], land["collected"], land["expected"]) == (
            Decimal("5000.00"),
            Decimal("276.00"),
            sum(scenario.EXPECTED.values()),
        )
        assert land["rate"] == Decimal("276.00") / Decimal("5000.00")
        assert data["months"]["land_building"][2] == Decimal("276.00")  # March
        assert [(z["code"], z["collected"]) for z in data["zones"]] == [("01", Decimal("276.00"))]
        page = response.content.decode()
        assert "5,000.00" in page and "276.00" in page and "5.5%" in page and "ปีภาษี 2569" in page
        assert "/tiles/missed/{z}/{x}/{y}.pbf?year=2026" in page and "/tiles/zones/" in page
        assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 3  # months, tax types, arrears
        assert "สมชาย" not in page

    def test_after_a_correction_lowered_a_paid_tax_every_figure_counts_what_was_paid_up_to_the_new_tax(self):
        """The house (552 baht, 276 paid in March) is paid in full in April, then corrected to 312 baht:
        the headline, the tax types, the zones (kept by triggers), the monthly chart and the zone tiles
        all count 312 collected, the first payments first (276 in March, 36 in April), never above 100 %."""
        with scoped_to(self.m):
            payment_record(
                assessment=self.house, receipt_number="R-78", amount=Decimal("276.00"), paid_on=D(2026, 4, 1),
                acting_user=self.officer,
            )  # fmt: skip
            facts = self.house.calculator_input
            facts["land"]["area_sq_wah"] = "40"
            corrected = assessment_correct(
                assessment=self.house, facts=facts, reason="เนื้อที่ตามโฉนด 40 ตร.ว.", issued_on=D(2026, 4, 2),
                acting_user=self.officer,
            )  # fmt: skip
        assert corrected.tax == Decimal("312.00")
        collected = Decimal("312.00")
        data = self.get(self.executive, "maps:revenue", year=2026).context["data"]
        land = next(k for k in data["kinds"] if k["kind"] == "land_building")
        assert land["collected"] == collected and land["overdue"] == 0
        assert land["expected"] == sum(scenario.EXPECTED.values()) - Decimal("552.00") + collected
        assert data["totals"]["collected"] == collected and data["rate"] == collected / data["totals"]["target"]
        assert data["months"]["land_building"][2:4] == [Decimal("276.00"), Decimal("36.00")]
        assert sum(data["months"]["land_building"]) == collected
        assert [(z["code"], z["collected"]) for z in data["zones"]] == [("01", collected)]
        z12 = tile_of(self.parcels["01A002"].geom.centroid, 12)
        (zone,) = features(self.client.get(tile_url("zones", *z12)), "zones")  # the executive, still logged in
        assert zone["properties"]["collected"] == float(collected)
        assert zone["properties"]["rate"] <= 1

    def test_a_member_limited_to_another_zone_sees_none_of_this_zones_revenue_or_parcels(self):
        zone2 = ZoneFactory(municipality=self.m, code="02")
        ParcelFactory(municipality=self.m, block=BlockFactory(zone=zone2, code="02A"), parcel_code="02A001")
        limited = MembershipFactory(municipality=self.m, role=Role.TAX_OFFICER)
        limited.zones.set([zone2])
        data = self.get(limited.user, "maps:revenue", year=2026).context["data"]
        assert data["totals"]["collected"] == 0 and [z["code"] for z in data["zones"]] == ["02"]
        assert data["months"]["land_building"] == [Decimal(0)] * 12
        assert self.get(limited.user, "maps:parcel-panel", self.parcels["01A002"].pk).status_code == 404
        assert [r["code"] for r in self.get(limited.user, "maps:search", q="02A").json()["results"]] == ["02A001"]

    def test_an_executive_limited_to_zone_01_is_set_against_its_assessment_not_the_towns_estimate(self):
        limited = MembershipFactory(municipality=self.m, role=Role.EXECUTIVE)
        limited.zones.set([self.parcels["01A002"].block.zone])
        response = self.get(limited.user, "maps:revenue", year=2026)
        data = response.context["data"]
        assessed = sum(scenario.EXPECTED.values()) + scenario.SIGN_TAX  # zone 01 holds every parcel and the sign
        assert (
            data["totals"]["target"] == data["totals"]["expected"] == assessed != Decimal("5000.00") + scenario.SIGN_TAX
        )
        assert data["rate"] == Decimal("276.00") / assessed
        assert [k["estimate"] for k in data["kinds"]] == [None, None]  # the town's 5,000 is no zone's estimate
        page = response.content.decode()
        assert "ยอดประเมินในเขตที่รับผิดชอบ (บาท) — ประมาณการรายรับเป็นของทั้งเทศบาล ไม่แบ่งตามเขต" in page
        assert "5,000.00" not in page
        # The executive who sees every zone is still set against the town's estimate.
        town = self.get(self.executive, "maps:revenue", year=2026)
        assert town.context["data"]["totals"]["target"] == Decimal("5000.00") + scenario.SIGN_TAX
        # The estimate covers the land and building tax only: the signboard tax's target is its assessed tax.
        assert "ประมาณการรายรับ (บาท) — ภาษีป้าย ยังไม่ได้บันทึกประมาณการ ใช้ยอดประเมินแทน" in town.content.decode()

    # Printed maps -----------------------------------------------------------------------------------

    def test_the_revenue_map_links_a_clicked_block_to_its_printed_map_of_the_year_shown(self):
        page = self.get(self.executive, "maps:revenue", year=2025).content.decode()
        template = reverse("maps:print-block", args=[0])
        assert f'data-year="2025" data-block-print-url="{template}"' in page  # static/js/maps.js areaPanel
        block = self.parcels["01A002"].block
        link = template.replace("/0/", f"/{block.pk}/") + "?year=2025"
        response = self.client.get(link)
        assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
        with tempfile.TemporaryDirectory() as tmp:
            text = pdf_text(response.content, pathlib.Path(tmp))
        assert f"แผนที่เขตย่อย {block.code}" in text and "สถานะภาษีปี 2568" in text  # the year asked, not this one

    def test_a_parcel_prints_on_a4_with_a_scale_bar_a_north_arrow_and_a_legend(self):
        response = self.get(self.officer, "maps:print-parcel", self.parcels["01A002"].pk, year=2026)
        assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "map.pdf"
            path.write_bytes(response.content)
            info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
            text = pdf_text(response.content, pathlib.Path(tmp))
        assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
        assert "แผนที่แปลงที่ดิน 01A002" in text and "มาตราส่วน 1:" in text and "คำอธิบายสัญลักษณ์" in text
        assert "ชำระบางส่วน" in text or "ค้างชำระ" in text  # the house's status in the legend
        with scoped_to(self.m):
            svg, facts = _map_svg(
                self.m, self.parcels["01A002"].geom, year=2026, taxes=True, highlight_ids={self.parcels["01A002"].pk}
            )
        assert 'class="north"' in svg and 'class="scalebar"' in svg and "01A002" in svg
        assert facts["scale"] in (250, 500, 1000) and facts["legend"]

    def test_a_block_prints_for_an_engineer_without_tax_colours(self):
        block = self.parcels["01A002"].block
        response = self.get(self.engineer, "maps:print-block", block.pk)
        assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
        with scoped_to(self.m):
            svg, facts = _map_svg(self.m, block.geom, year=2026, taxes=False, highlight_ids=set())
        assert facts["legend"] == [] and "#f4f1ea" in svg

    # Query counts -----------------------------------------------------------------------------------

    def test_each_page_costs_a_fixed_number_of_queries(self):
        expected = {
            # every page reads the municipality's settings (catalogue.MunicipalProfile) once: its branding,
            # and the modules it hides (municipalities/modules.py), which the JSON answers read too
            ("maps:tax", self.officer, ()): 8,
            ("maps:engineer", self.engineer, ()): 8,
            ("maps:revenue", self.executive, ()): 15,
            ("maps:parcel-panel", self.officer, (self.parcels["01A002"].pk,)): 15,
            ("maps:asset-panel", self.engineer, (self.streetlight.pk,)): 8,
            ("maps:search", self.officer, ()): 6,
        }
        counted = {key: self.queries(key[1], key[0], *key[2], q="สมชาย", year=2026) for key in expected}
        assert counted == expected

    def test_a_panel_costs_the_same_queries_whatever_the_number_of_owners_and_assessments(self):
        one = self.queries(self.officer, "maps:parcel-panel", self.parcels["01A002"].pk, year=2026)
        two = self.queries(self.officer, "maps:parcel-panel", self.parcels["01A003"].pk, year=2026)
        assert one == two
