"""The national package of each demo municipality and the roll-up of both (catalogue/national.py,
catalogue/rollup.py): no cell under 5 parcels, no personal value anywhere, sums that add up."""

import datetime
import json
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import override_settings

from assets.models import Owner, Parcel, Signboard
from catalogue import national
from catalogue.models import NationalExport
from catalogue.rollup import PackageRefused, rollup
from municipalities.choices import Role
from municipalities.models import Municipality
from municipalities.tenancy import platform_scope, scoped_to
from taxes.models import TaxStatus
from taxes.services import assessment_run
from tests.factories import (
    TEST_PASSWORD,
    BlockFactory,
    MembershipFactory,
    MunicipalityFactory,
    ParcelFactory,
    ZoneFactory,
)

pytestmark = pytest.mark.django_db
YEAR = 2026


@pytest.fixture(scope="module")
def packages(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both demo towns assessed for 2026, a third of their parcels paid and a tenth overdue, exported."""
    out = tmp_path_factory.mktemp("national")
    with django_db_blocker.unblock():
        with platform_scope():
            towns = list(Municipality.objects.filter(code__in=["730514", "600701"]).order_by("code"))
        folders = []
        for town in towns:
            with scoped_to(town):
                assessment_run(municipality=town, tax_year=YEAR, workers=1)
                rows = TaxStatus.objects.filter(tax_year=YEAR, parcel__isnull=False).order_by("parcel_id")
                ids = list(rows.values_list("pk", flat=True))
                TaxStatus.objects.filter(pk__in=ids[::3]).update(
                    notice_sent=True, tax_paid=F("tax_due"), due_on=datetime.date(2026, 6, 30)
                )
                TaxStatus.objects.filter(pk__in=ids[1::10]).update(notice_sent=True, due_on=datetime.date(2026, 4, 30))
                folders.append(national.write_package(town, tax_year=YEAR, out_dir=out))
        yield towns, folders
        with platform_scope():
            from taxes.models import Assessment, AssessmentRun

            TaxStatus.objects.filter(municipality__in=towns).delete()
            Assessment.objects.filter(municipality__in=towns).delete()
            AssessmentRun.objects.filter(municipality__in=towns).delete()


def _strings(folder: Path):
    """Every value of a package as text: each cell of each table, and every string of the manifest."""
    for table in ("cells", "infrastructure", "municipality"):
        frame = pd.read_parquet(folder / f"{table}.parquet")
        for column in frame.columns:
            if column == "geometry":
                continue
            yield column
            yield from (str(v) for v in frame[column].tolist() if v is not None)

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield str(key)
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)
        else:
            yield str(node)

    yield from walk(json.loads((folder / "manifest.json").read_text(encoding="utf-8")))


def test_no_cell_of_a_package_has_fewer_than_5_parcels(packages):
    _towns, folders = packages
    for folder in folders:
        cells = pd.read_parquet(folder / "cells.parquet")
        assert len(cells) > 10
        assert (cells["parcel_count"] >= national.MIN_CELL).all()


def test_no_name_id_address_or_record_code_of_the_demo_owners_is_anywhere_in_a_package(packages):
    towns, folders = packages
    for town, folder in zip(towns, folders, strict=True):
        with scoped_to(town):
            owners = list(Owner.objects.values_list("first_name", "last_name", "national_id", "address", "phone"))
            codes = set(Parcel.objects.values_list("parcel_code", flat=True))
            codes |= set(Parcel.objects.exclude(deed_number="").values_list("deed_number", flat=True))
            codes |= set(Signboard.objects.values_list("signboard_code", flat=True))
            businesses = set(Signboard.objects.exclude(business_name="").values_list("business_name", flat=True))
        names = {n for first, last, *_ in owners for n in (first, last) if n}
        long_secrets = {v for _f, _l, nid, address, phone in owners for v in (nid, address, phone) if v}
        values = list(_strings(folder))
        assert values
        personal_fields = {f.name for f in Owner._meta.concrete_fields} - {"id", "municipality", "kind"}
        personal_fields |= {"parcel_code", "deed_number", "land_number", "signboard_code", "business_name"}
        assert personal_fields & set(values) == set()  # no such column in a table or the data dictionary
        for value in values:
            assert value not in names, value
            assert value not in codes and value not in businesses, value
            assert not any(secret in value for secret in long_secrets), value


def test_a_small_block_is_pooled_and_a_lone_small_cell_is_withheld(tmp_path):
    town = MunicipalityFactory(code="991234")
    zone = ZoneFactory(municipality=town, code="01")
    big, small = BlockFactory(zone=zone, code="01A"), BlockFactory(zone=zone, code="01B")
    for n in range(6):
        ParcelFactory(municipality=town, block=big, parcel_code=f"01A{n:03d}")
    for n in range(3):
        ParcelFactory(municipality=town, block=small, parcel_code=f"01B{n:03d}")
    with scoped_to(town):
        folder = national.write_package(town, tax_year=YEAR, out_dir=tmp_path)
    cells = pd.read_parquet(folder / "cells.parquet")
    assert list(cells["block_code"]) == ["01A"] and list(cells["parcel_count"]) == [6]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["suppression"]["parcels_withheld"] == 3
    third = BlockFactory(zone=zone, code="01C")
    for n in range(2):
        ParcelFactory(municipality=town, block=third, parcel_code=f"01C{n:03d}")
    with scoped_to(town):
        folder = national.write_package(town, tax_year=YEAR, out_dir=tmp_path / "again")
    cells = pd.read_parquet(folder / "cells.parquet")
    residual = cells[cells["use_category"] == national.RESIDUAL]
    assert list(residual["parcel_count"]) == [5] and residual["block_code"].isna().all()


def test_the_roll_up_of_both_demo_towns_adds_up_by_municipality_and_province(packages, tmp_path):
    towns, folders = packages
    summary = rollup(folders, out_dir=tmp_path)
    assert summary["municipalities"] == 2 and summary["provinces_with_data"] == 2
    municipalities = pd.read_parquet(tmp_path / "municipalities.parquet").set_index("lgo_code")
    provinces = pd.read_parquet(tmp_path / "provinces.parquet").set_index("province_code")
    for town, folder in zip(towns, folders, strict=True):
        cells = pd.read_parquet(folder / "cells.parquet")
        land = cells[cells["use_category"] != national.SIGNBOARD]
        row = municipalities.loc[town.code]
        assert row["parcel_count"] == land["parcel_count"].sum()
        assert row["assessed_tax_baht"] == pytest.approx(land["assessed_tax_baht"].sum())
        assert 0.2 < row["collection_rate"] < 0.6  # a third paid, before suppression
        assert provinces.loc[town.code[:2], "municipalities"] == 1
        assert 1 <= row["mean_condition"] <= 5
        infrastructure = pd.read_parquet(folder / "infrastructure.parquet")
        assert row["asset_count"] == infrastructure["asset_count"].sum()
        assert infrastructure.set_index("kind").loc["road", "length_m"] > 1000
    assert provinces.loc["73", "ADM1_EN"] == "Nakhon Pathom" and provinces.loc["60", "ADM1_EN"] == "Nakhon Sawan"
    assert summary["parcels"] == int(municipalities["parcel_count"].sum())
    assert summary["collection_rate"] == pytest.approx(
        municipalities["collected_tax_baht"].sum() / municipalities["assessed_tax_baht"].sum(), abs=1e-4
    )


def test_a_folder_that_is_not_a_package_is_refused(tmp_path):
    with pytest.raises(PackageRefused):
        rollup([tmp_path], out_dir=tmp_path / "out")


def test_the_commands_write_packages_and_the_national_page_shows_them(packages, tmp_path, client):
    towns, _folders = packages
    with override_settings(NATIONAL_ROLLUP_DIR=tmp_path):
        call_command(
            "export_national", "--year", str(YEAR), "--municipality", towns[0].code, "--municipality", towns[1].code
        )
        written = sorted((tmp_path / "packages").iterdir())
        assert [p.name for p in written] == [f"{t.code}-{YEAR}" for t in towns]
        with platform_scope():
            assert NationalExport.objects.filter(municipality__in=towns, tax_year=YEAR).count() == 2
        call_command("national_rollup", *map(str, written))
        executive = MembershipFactory(municipality=towns[0], role=Role.EXECUTIVE).user
        engineer = MembershipFactory(municipality=towns[0], role=Role.ENGINEER).user
        client.login(username=engineer.username, password=TEST_PASSWORD)
        assert client.get("/catalogue/national/").status_code == 403
        client.login(username=executive.username, password=TEST_PASSWORD)
        page = client.get("/catalogue/national/").content.decode()
    assert "นครปฐม" in page and "นครสวรรค์" in page and "leaflet" in page


def test_an_unknown_municipality_code_is_refused(tmp_path):
    with pytest.raises(CommandError, match="999999"):
        call_command("export_national", "--year", str(YEAR), "--municipality", "999999", "--out", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_every_manifest_follows_the_published_schema(packages):
    import jsonschema

    schema = json.loads((Path(national.__file__).parent / "data" / "national-package-v1.schema.json").read_text())
    for folder in packages[1]:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        jsonschema.validate(manifest, schema)
        listed = [c["name"] for c in manifest["tables"]["cells.parquet"]["columns"]]
        assert listed == [c for c in pd.read_parquet(folder / "cells.parquet").columns if c != "geometry"]
