"""The land-and-building tax of flooded parcels, for relief under LBTA s.56–57: on the flood page, in
its map and table, in the exports, for a tax year the reader picks, and only for readers with VIEW_TAXES.

The taxpayers are those of the tax engine's scenario (tests/taxes/scenario.py, taxes known by hand),
assessed by the real yearly run; their parcels are laid on a synthetic flood raster, five under water
(01A001 main residence 0.00, 01A002 552.00 paid in full, 01A003 552.00, 01A007 100.00, 01A008 not
assessed) and three dry (01A004, 01A005, 01A006).
"""

import datetime
import io
import json
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyogrio
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from assets.models import Parcel
from municipalities.choices import Role
from municipalities.permissions import Capability, capabilities_of
from municipalities.tenancy import scoped_to
from rasters import selectors
from rasters.models import FloodImpact
from taxes.models import Assessment
from taxes.selectors import parcel_tax_status
from taxes.services import assessment_run, notices_issue, payment_record
from tests.factories import TEST_PASSWORD, MembershipFactory
from tests.rasters.rasterdata import SCENARIO_FLOODED, SCENARIO_ORDER, run_analysis, scenario_flood_raster
from tests.taxes import scenario

ORDER, FLOODED = SCENARIO_ORDER, SCENARIO_FLOODED
HOUSEHOLDS = {"01A001", "01A002", "01A007"}  # main-residence land use, under water
TAX_2026 = {
    "01A001": Decimal("0.00"),
    "01A002": Decimal("552.00"),
    "01A003": Decimal("552.00"),
    "01A007": Decimal("100.00"),
}


def page_text(response) -> str:
    return response.content.decode()


def figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', page).group(1)


def table_row(page: str, code: str) -> list[str]:
    row = re.search(rf'<tr data-parcel="{code}">(.*?)</tr>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def tooltips(page: str) -> dict[str, str]:
    """The parcels' GeoJSON drawn on the map: code → the `tax` shown in its tooltip (None if absent)."""
    found = {}
    for match in re.finditer(r'"properties": (\{[^{}]*\})', page):
        properties = json.loads(match.group(1))
        found[properties["code"]] = properties.get("tax")
    return found


class FloodTaxTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town, _people, cls.parcels, _sign = scenario.build()
        cls.executive = MembershipFactory(municipality=cls.town, role=Role.EXECUTIVE).user
        cls.engineer = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user
        cls.officer = MembershipFactory(municipality=cls.town, role=Role.TAX_OFFICER).user
        cls.outsider = MembershipFactory(role=Role.EXECUTIVE).user

        path = scenario_flood_raster(cls.town, cls.parcels, Path(tempfile.mkdtemp()) / "scenario-flood.tif")
        with scoped_to(cls.town):
            assessment_run(municipality=cls.town, tax_year=2026)
            paid = Assessment.objects.get(run__tax_year=2026, run__is_current=True, parcel=cls.parcels["01A002"])
            notices_issue(assessments=[paid], issued_on=datetime.date(2026, 3, 2), acting_user=cls.officer)
            payment_record(
                assessment=paid,
                receipt_number="R-2026-1",
                amount=Decimal("552.00"),
                paid_on=datetime.date(2026, 3, 20),
                acting_user=cls.officer,
            )
            # The next year, 01A003's land is appraised twice as high: its tax changes.
            Parcel._base_manager.filter(pk=cls.parcels["01A003"].pk).update(price_per_sq_wah=Decimal(60000))
            assessment_run(municipality=cls.town, tax_year=2027)
            rows = parcel_tax_status(tax_year=2027)
            cls.tax_2027 = {code: rows[cls.parcels[code].pk].tax_due for code in TAX_2026}
        cls.analysis = run_analysis(cls.town, cls.engineer, path, "0.50")

    def get(self, user, name: str, **query):
        self.client.login(username=user.username, password=TEST_PASSWORD)
        return self.client.get(reverse(f"rasters:{name}", args=[self.analysis.pk]), query)

    def test_the_flooded_parcels_and_households_are_the_ones_laid_under_water(self):
        flooded = FloodImpact._base_manager.filter(analysis=self.analysis, layer="parcel").values("parcel_id")
        codes = {p.parcel_code for p in Parcel._base_manager.filter(pk__in=flooded)}
        assert codes == FLOODED
        with scoped_to(self.town):
            assert {p.parcel_code for p in selectors.households(self.analysis)} == HOUSEHOLDS

    def test_the_totals_add_up_the_tax_of_flooded_parcels_and_households_and_count_the_unassessed(self):
        with scoped_to(self.town):
            homes = [p.pk for p in selectors.households(self.analysis)]
            totals = selectors.tax_totals(self.analysis, 2026, homes)
            later = selectors.tax_totals(self.analysis, 2027, homes)
        assert totals["parcels"] == selectors.TaxTotal(
            parcels=5, assessed=4, tax_due=sum(TAX_2026.values()), tax_paid=Decimal("552.00")
        )
        assert totals["parcels"].tax_due == Decimal("1204.00") and totals["parcels"].not_assessed == 1
        assert totals["households"] == selectors.TaxTotal(
            parcels=3, assessed=3, tax_due=Decimal("652.00"), tax_paid=Decimal("552.00")
        )
        assert later["parcels"].tax_due == sum(self.tax_2027.values()) != totals["parcels"].tax_due
        assert later["parcels"].tax_paid == 0

    def test_an_executive_sees_each_flooded_parcels_tax_the_totals_and_the_relief_note(self):
        page = page_text(self.get(self.executive, "flood", tax_year=2026))
        assert figure(page, "parcel-tax") == "1,204.00"
        assert figure(page, "household-tax") == "652.00"
        assert "ยังไม่ประเมิน 1 แปลง" in page
        assert "มาตรา 56–57" in page and "ลดหรือยกเว้นภาษี" in page and 'data-note="relief"' in page
        # The table: one row per flooded parcel; an unassessed parcel is not a zero tax.
        assert table_row(page, "01A001")[-3:] == ["ประเมินแล้ว", "0.00", "0.00"]
        assert table_row(page, "01A002")[-3:] == ["ชำระแล้ว", "552.00", "552.00"]
        assert table_row(page, "01A003")[-3:] == ["ประเมินแล้ว", "552.00", "0.00"]
        assert table_row(page, "01A008")[-3:] == ["ยังไม่ประเมิน", "—", ""]
        assert table_row(page, "01A001")[3] == "✓" and table_row(page, "01A003")[3] == ""
        assert 'data-parcel="01A004"' not in page
        # The map's tooltips carry the same tax.
        shown = tooltips(page)
        assert {code for code in shown if code in ORDER} == FLOODED
        assert {shown[code] for code in shown if code not in ORDER} == {None}  # buildings: no tax of their own
        assert shown["01A002"] == "552.00 บาท (ชำระแล้ว)"
        assert shown["01A001"] == "0.00 บาท (ประเมินแล้ว)"
        assert shown["01A008"] == "ยังไม่ประเมิน"
        assert json.dumps("ภาษีที่ดินฯ ปี 2569") in page  # the tooltip's label
        # The export buttons keep the year.
        assert "impact.xlsx?tax_year=2026" in page and "impact.gpkg?tax_year=2026" in page

    def test_the_reader_picks_the_tax_year_among_the_assessed_years(self):
        page = page_text(self.get(self.executive, "flood", tax_year=2027))
        assert figure(page, "parcel-tax") == f"{sum(self.tax_2027.values()):,.2f}"
        assert table_row(page, "01A003")[-2] == f"{self.tax_2027['01A003']:,.2f}" != "552.00"
        assert table_row(page, "01A002")[-3] == "ประเมินแล้ว"  # paid in 2026, not yet in 2027
        assert '<option value="2027" selected>2570</option>' in page and '<option value="2026">2569</option>' in page
        # Without a choice (or with a year never assessed), the current year's run.
        default = selectors.default_tax_year([2027, 2026])
        for query in ({}, {"tax_year": 1999}, {"tax_year": "x"}):
            page = page_text(self.get(self.executive, "flood", **query))
            assert f'<option value="{default}" selected>' in page, query

    def test_the_default_year_is_the_current_years_run_else_the_latest_before_it(self):
        assert selectors.default_tax_year([2027, 2026, 2025], this_year=2026) == 2026
        assert selectors.default_tax_year([2027, 2025, 2024], this_year=2026) == 2025
        assert selectors.default_tax_year([2027], this_year=2026) == 2027
        assert selectors.default_tax_year([], this_year=2026) == 2026

    def test_the_xlsx_export_carries_each_parcels_tax_and_the_totals_under_thai_headers(self):
        book = load_workbook(io.BytesIO(self.get(self.executive, "flood-xlsx", tax_year=2026).content))
        rows = list(book["แปลงที่ดิน"].iter_rows(values_only=True))
        assert rows[0][-3:] == ("สถานะภาษี ปี 2569", "ภาษีที่ดินและสิ่งปลูกสร้าง ปี 2569 (บาท)", "ชำระแล้ว (บาท)")
        by_code = {row[0]: row[-3:] for row in rows[1:]}
        assert set(by_code) == FLOODED
        assert by_code["01A008"] == ("ยังไม่ประเมิน", None, None)
        assert by_code["01A001"] == ("ประเมินแล้ว", 0, 0)
        assert by_code["01A002"] == ("ชำระแล้ว", 552, 552)
        assert by_code["01A007"][1] == 100
        summary = {row[0]: row[1] for row in book["สรุป"].iter_rows(values_only=True)}
        assert summary["ปีภาษี"] == 2569
        assert summary["ภาษีที่ดินและสิ่งปลูกสร้างของแปลงที่น้ำท่วม (บาท)"] == 1204
        assert summary["แปลงที่น้ำท่วมที่ยังไม่ประเมินภาษี"] == 1
        assert summary["ภาษีที่ดินและสิ่งปลูกสร้างของครัวเรือนที่ได้รับผลกระทบ (บาท)"] == 652
        assert any(str(key).startswith("มาตรา 56–57") for key in summary)
        homes = list(book["ครัวเรือน"].iter_rows(values_only=True))
        assert homes[0][-2] == "ภาษีที่ดินและสิ่งปลูกสร้าง ปี 2569 (บาท)"
        assert {row[0]: row[-2] for row in homes[1:]} == {"01A001": 0, "01A002": 552, "01A007": 100}

    def test_the_geopackage_export_carries_each_parcels_tax_under_thai_headers(self):
        path = Path(tempfile.mkdtemp()) / "flood.gpkg"
        path.write_bytes(self.get(self.executive, "flood-gpkg", tax_year=2026).content)
        parcels = pyogrio.read_dataframe(path, layer="parcel").set_index("รหัส")
        assert set(parcels.index) == FLOODED
        tax = parcels["ภาษีที่ดินและสิ่งปลูกสร้าง ปี 2569 (บาท)"]
        assert {code: tax[code] for code in TAX_2026} == {code: float(v) for code, v in TAX_2026.items()}
        assert np.isnan(tax["01A008"]) and parcels.loc["01A008", "สถานะภาษี ปี 2569"] == "ยังไม่ประเมิน"
        assert parcels.loc["01A002", "ชำระแล้ว (บาท)"] == 552
        assert "สถานะภาษี ปี 2569" not in pyogrio.read_dataframe(path, layer="building").columns

    def test_an_engineer_without_view_taxes_sees_no_tax_on_the_page_map_or_exports(self):
        assert Capability.VIEW_TAXES not in capabilities_of(Role.ENGINEER)
        page = page_text(self.get(self.engineer, "flood", tax_year=2026))
        assert 'data-note="no-tax"' in page
        assert "parcel-tax" not in page and "household-tax" not in page and "1,204.00" not in page
        assert 'name="tax_year"' not in page and "มาตรา 56–57" not in page
        assert set(tooltips(page).values()) == {None}
        assert len(table_row(page, "01A008")) == 4  # code, share, depth, main residence: no tax columns
        book = load_workbook(io.BytesIO(self.get(self.engineer, "flood-xlsx", tax_year=2026).content))
        assert not any(
            "ภาษี" in str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
        )
        path = Path(tempfile.mkdtemp()) / "flood.gpkg"
        path.write_bytes(self.get(self.engineer, "flood-gpkg", tax_year=2026).content)
        assert not any("ภาษี" in column for column in pyogrio.read_dataframe(path, layer="parcel").columns)

    def test_a_tax_officer_sees_the_tax_and_an_outsider_gets_nothing(self):
        assert figure(page_text(self.get(self.officer, "flood", tax_year=2026)), "parcel-tax") == "1,204.00"
        for name in ("flood", "flood-xlsx", "flood-gpkg"):
            assert self.get(self.outsider, name, tax_year=2026).status_code == 404
