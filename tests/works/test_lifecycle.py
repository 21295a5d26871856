"""Straight-line depreciation, remaining life and the replacement plan by year (table, chart, export)."""

import datetime
import io
from decimal import Decimal

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assets.choices import InfrastructureKind
from municipalities.choices import Role
from municipalities.thai import be_year
from tests.factories import TEST_PASSWORD, InfrastructureAssetFactory, MembershipFactory, MunicipalityFactory, road
from works.lifecycle import depreciation, replacement_year

THIS_YEAR = timezone.localdate().year


def test_a_lamp_three_years_into_fifteen_has_lost_a_fifth_of_its_value():
    d = depreciation(
        replacement_cost=Decimal("30000.00"),
        useful_life_years=15,
        installed_on=datetime.date(2020, 1, 1),
        on=datetime.date(2023, 1, 1),
    )
    # 1,096 days (2020 is a leap year) / 365.25 = 3.000684 years; 30,000 × 3.000684 / 15 = 6,001.37.
    assert d.annual == Decimal("2000.00")
    assert d.accumulated == Decimal("6001.37")
    assert d.book_value == Decimal("23998.63")
    assert d.age_years == Decimal("3.0")
    assert d.remaining_life_years == Decimal("12.0")
    assert d.end_of_life_year == 2035


def test_an_asset_past_its_life_is_worth_nothing_and_has_no_life_left():
    d = depreciation(
        replacement_cost=Decimal("350000"),
        useful_life_years=40,
        installed_on=datetime.date(1970, 6, 1),
        on=datetime.date(2026, 1, 1),
    )
    assert (d.accumulated, d.book_value, d.remaining_life_years) == (
        Decimal("350000.00"),
        Decimal("0.00"),
        Decimal("0.0"),
    )


def test_an_asset_installed_after_the_date_has_not_started_to_wear():
    d = depreciation(
        replacement_cost=Decimal("100"),
        useful_life_years=10,
        installed_on=datetime.date(2027, 1, 1),
        on=datetime.date(2026, 1, 1),
    )
    assert (d.accumulated, d.book_value, d.remaining_life_years) == (
        Decimal("0.00"),
        Decimal("100.00"),
        Decimal("10.0"),
    )


def test_the_replacement_year_is_the_end_of_life_never_in_the_past_and_now_for_condition_5():
    installed = datetime.date(2010, 5, 1)
    assert replacement_year(installed_on=installed, useful_life_years=20, condition=2, this_year=2026) == 2030
    assert replacement_year(installed_on=installed, useful_life_years=10, condition=2, this_year=2026) == 2026
    assert replacement_year(installed_on=installed, useful_life_years=20, condition=5, this_year=2026) == 2026
    assert replacement_year(installed_on=None, useful_life_years=20, condition=3, this_year=2026) is None


class ReplacementPlanTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory()
        cls.engineer = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user
        y = THIS_YEAR

        def lamp(installed_year, life, cost, condition=2):
            return InfrastructureAssetFactory(
                municipality=cls.town,
                installed_on=datetime.date(installed_year, 3, 1),
                useful_life_years=life,
                replacement_cost=Decimal(cost),
                condition=condition,
            )

        lamp(y - 20, 15, "25000")  # overdue: this year
        lamp(y - 1, 15, "25000", condition=5)  # beyond repair: this year
        lamp(y - 13, 15, "30000")  # in two years
        lamp(y - 10, 15, "30000")  # in five years
        lamp(y, 15, "99999")  # beyond a ten-year plan
        InfrastructureAssetFactory(municipality=cls.town, installed_on=None, useful_life_years=15)  # unknown
        InfrastructureAssetFactory(
            municipality=cls.town,
            kind=InfrastructureKind.ROAD,
            geom=road(cls.town, 50),
            installed_on=datetime.date(y - 18, 1, 1),
            useful_life_years=20,
            replacement_cost=Decimal("1200000"),
            attributes={"surface": "asphalt"},
        )
        InfrastructureAssetFactory(
            installed_on=datetime.date(y - 30, 1, 1), replacement_cost=Decimal("777777")
        )  # theirs

    def setUp(self):
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)

    def test_the_plan_lists_cost_per_year_by_kind(self):
        page = self.client.get(reverse("works:lifecycle")).content.decode()
        assert (
            f'data-year="{THIS_YEAR}"><td>{be_year(THIS_YEAR)}</td><td class="num">2</td><td class="num">50,000.00</td>'
            in page
        )
        assert (
            f'data-year="{THIS_YEAR + 2}"><td>{be_year(THIS_YEAR + 2)}</td><td class="num">2</td>'
            '<td class="num">1,230,000.00</td>'
        ) in page
        assert f'data-year="{THIS_YEAR + 5}"><td>{be_year(THIS_YEAR + 5)}</td><td class="num">1</td>' in page
        assert "777,777" not in page
        assert "ไม่รวม 1 รายการที่ไม่มีวันที่ติดตั้งหรืออายุการใช้งาน" in page
        assert page.count('<g class="bar">') == 10  # the SVG chart, one bar a year

    def test_the_plan_is_exported_as_xlsx(self):
        response = self.client.get(reverse("works:lifecycle-export") + "?years=6")
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("ปี พ.ศ.", "จำนวน", "ค่าเปลี่ยนทดแทน (บาท)")
        assert rows[1][:3] == (be_year(THIS_YEAR), 2, 50000)
        assert rows[3][:3] == (be_year(THIS_YEAR + 2), 2, 1230000)
        assert rows[-1][:3] == ("รวม", 5, 1310000)
        assert len(rows) == 1 + 6 + 1

    def test_an_asset_page_shows_its_book_value_and_remaining_life(self):
        from assets.models import InfrastructureAsset

        asset = InfrastructureAsset._base_manager.get(
            municipality=self.town, replacement_cost=Decimal("30000"), installed_on__year=THIS_YEAR - 10
        )
        page = self.client.get(reverse("works:asset", args=[asset.pk])).content.decode()
        assert 'class="remaining-life">' in page
        assert "2,000.00 บาท" in page  # 30,000 / 15 a year
