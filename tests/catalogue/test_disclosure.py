"""A money figure from fewer than 5 properties is published nowhere (catalogue/disclosure.py): Bang Len's
zone 01 has six parcels and one of them overdue, so its arrears are that one taxpayer's debt. The
per-zone tax summary (open-data portal, OGC API, the members' catalogue) and the national package
leave it out, and the tax collected from fewer than 5 payers too, while the figures from 5 or more stay."""

import datetime
import io
import json
from decimal import Decimal

import pandas as pd
import pytest
from django.test import TestCase
from django.utils import timezone
from rest_framework.authtoken.models import Token

from catalogue import national, services
from catalogue.disclosure import MIN_CELL, publishable
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.factories import (
    TEST_PASSWORD,
    AssessmentRunFactory,
    BlockFactory,
    MembershipFactory,
    MunicipalityFactory,
    ParcelFactory,
    TaxStatusFactory,
    ZoneFactory,
)

TAX = Decimal("552.00")
YEAR = 2026


def town_with_arrears(name: str, zones: dict[str, tuple[int, int]]):
    """A town assessed for YEAR whose zone `code` (one block `<code>A` of six parcels) has `paid` parcels
    paid in full and `overdue` parcels unpaid past their due date (the rest not yet due)."""
    town = MunicipalityFactory(name_th=name)
    run = AssessmentRunFactory(municipality=town, tax_year=YEAR, is_current=True)
    today = timezone.localdate()
    for code, (paid, overdue) in zones.items():
        block = BlockFactory(zone=ZoneFactory(municipality=town, code=code), code=f"{code}A")
        for n in range(6):
            parcel = ParcelFactory(municipality=town, block=block, parcel_code=f"{code}A{n:03d}")
            due_on = today - datetime.timedelta(days=30) if n < paid + overdue else today + datetime.timedelta(days=30)
            TaxStatusFactory(
                run=run, parcel=parcel, tax_due=TAX, tax_paid=TAX if n < paid else Decimal(0), notice_sent=True,
                due_on=due_on,
            )  # fmt: skip
    return town


def test_the_rule_publishes_a_figure_from_no_property_or_from_five_and_more():
    assert [bool(publishable(n)) for n in range(7)] == [True, False, False, False, False, True, True]
    assert MIN_CELL == national.MIN_CELL == 5


class ZoneSummaryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # Zone 01: five payers, one overdue. Zone 02: one payer, five overdue.
        cls.town = town_with_arrears("บางเลนค้างชำระ", {"01": (5, 1), "02": (1, 5)})
        cls.executive = MembershipFactory(municipality=cls.town, role=Role.EXECUTIVE).user
        with scoped_to(cls.town):
            services.catalogue_publish(municipality=cls.town, acting_user=None, sources=["assessments"])

    def check(self, rows: dict[str, dict]):
        assert rows["01"]["parcel_count"] == 6 and rows["01"]["assessed_tax"] == 6 * TAX
        assert rows["01"]["collected_tax"] == 5 * TAX
        assert rows["01"]["arrears"] is None  # the one overdue parcel's debt
        assert rows["02"]["arrears"] == 5 * TAX
        assert rows["02"]["collected_tax"] is None  # what the one payer paid

    @staticmethod
    def frame(content: bytes) -> dict[str, dict]:
        table = pd.read_csv(io.BytesIO(content), dtype={"zone_code": str})
        table = table.astype(object).where(table.notna(), None)
        return {
            row["zone_code"]: {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in row.items()}
            for row in table.to_dict("records")
        }

    def test_the_open_data_download_leaves_out_arrears_of_one_overdue_parcel_and_collections_of_one_payer(self):
        response = self.client.get(f"/open/{self.town.code}/assessments/download.csv")
        assert response.status_code == 200
        self.check(self.frame(response.content))

    def test_the_ogc_api_and_the_members_catalogue_apply_the_same_rule(self):
        items = self.client.get(f"/ogc/collections/{self.town.code}-assessments/items").json()["features"]
        self.check(
            {
                f["properties"]["zone_code"]: {
                    k: Decimal(str(v)) if isinstance(v, float) else v for k, v in f["properties"].items()
                }
                for f in items
            }
        )
        token = Token.objects.create(user=self.executive)
        internal = self.client.get(
            f"/ogc/collections/{self.town.code}-assessments/items", HTTP_AUTHORIZATION=f"Token {token.key}"
        ).json()["features"]
        assert {f["properties"]["zone_code"]: f["properties"]["arrears"] for f in internal}["01"] is None
        self.client.login(username=self.executive.username, password=TEST_PASSWORD)
        self.check(self.frame(self.client.get("/catalogue/assessments/download.csv").content))


@pytest.mark.django_db
def test_the_national_package_withholds_such_figures_and_pools_them_so_that_totals_still_add_up(tmp_path):
    # Block 01A: one of six overdue. 02A: one payer. 03A: four overdue, two payers.
    town = town_with_arrears("บางเลนแพ็กเกจ", {"01": (5, 1), "02": (1, 5), "03": (2, 4)})
    with scoped_to(town):
        folder = national.write_package(town, tax_year=YEAR, out_dir=tmp_path)
    cells = pd.read_parquet(folder / "cells.parquet").set_index("block_code", drop=False)
    blocks = cells[cells["block_code"].notna()]
    assert list(blocks["block_code"]) == ["01A", "02A", "03A"]
    assert list(blocks["parcel_count"]) == [6, 6, 6]
    assert pd.isna(blocks.loc["01A", "arrears_baht"]) and blocks.loc["01A", "collected_tax_baht"] == 5 * 552
    assert blocks.loc["02A", "arrears_baht"] == 5 * 552 and pd.isna(blocks.loc["02A", "collected_tax_baht"])
    assert pd.isna(blocks.loc["03A", "arrears_baht"]) and pd.isna(blocks.loc["03A", "collected_tax_baht"])
    # The withheld arrears of 01A and 03A (1 + 4 overdue parcels) make one residual figure of five;
    # the withheld collections (1 + 2 payers) stay withheld there too.
    (residual,) = cells[cells["use_category"] == national.RESIDUAL].to_dict("records")
    assert residual["arrears_baht"] == 5 * 552 and pd.isna(residual["collected_tax_baht"])
    assert pd.isna(residual["parcel_count"]) and pd.isna(residual["block_code"])  # no small cell pooled
    assert cells["arrears_baht"].sum() == 10 * 552  # every overdue parcel's arrears, none singled out
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (
        manifest["suppression"]["figures_withheld"] == 4
    )  # the arrears of 01A and 03A, the collections of 02A and 03A
    assert manifest["suppression"]["parcels_withheld"] == 0
