"""Flood impact: exactextract's statistics against values computed here cell by cell, on a small
synthetic raster and on a flood derived from the real Bangkok DEM (water at 5 m) over generated parcels."""

import io
import tempfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook
from pyproj import Transformer
from rasterio.transform import from_origin

from assets.choices import InfrastructureKind, UseCategory
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from rasters import flood, services
from rasters.models import FloodImpact, ImpactLayer
from tests.factories import (
    TEST_PASSWORD,
    BuildingFactory,
    BuildingUseFactory,
    InfrastructureAssetFactory,
    LandUseFactory,
    MembershipFactory,
    MunicipalityFactory,
    ParcelFactory,
)
from tests.rasters.rasterdata import (
    bangkok_boundary,
    expected_stats,
    flood_depth_from_dem,
    from_crs,
    read_depth,
    run_analysis,
    to_crs,
    write_tif,
)

UTM = "EPSG:32647"
CELL = 10.0


def impacts_by_target(analysis, layer) -> dict[int, FloodImpact]:
    field = {"parcel": "parcel_id", "building": "building_id", "asset": "asset_id"}[layer]
    return {getattr(i, field): i for i in FloodImpact._base_manager.filter(analysis=analysis, layer=layer)}


class SyntheticFloodTests(TestCase):
    """An 8 × 8 raster of 10 m cells whose depths we chose; features on, across and off the cells."""

    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory()
        cls.engineer = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user
        lon, lat = cls.town.boundary.centroid.coords
        x0, y0 = Transformer.from_crs(4326, UTM, always_xy=True).transform(lon, lat)
        cls.x0, cls.y0 = round(x0, -1), round(y0, -1)  # top-left corner of the raster
        depth = (np.arange(64, dtype=np.float32).reshape(8, 8) / 20).astype(np.float32)  # 0.00 … 3.15 m
        depth[0, 5] = -9999  # no data
        depth[6:, :3] = 0  # a dry corner
        cls.depth = np.where(depth == -9999, np.nan, depth)
        cls.transform = from_origin(cls.x0, cls.y0, CELL, CELL)
        path = Path(tempfile.mkdtemp()) / "synthetic-depth.tif"
        write_tif(path, depth, crs=UTM, transform=cls.transform, nodata=-9999)

        def cells(c0, r0, c1, r1):  # a rectangle in cell units (columns, rows from the top-left)
            return shapely.box(cls.x0 + c0 * CELL, cls.y0 - r1 * CELL, cls.x0 + c1 * CELL, cls.y0 - r0 * CELL)

        cls.shapes = {
            "aligned": cells(1, 1, 3, 3),
            "straddling": cells(3.5, 2.3, 5.1, 3.5),
            "over_nodata": cells(4.5, 0.2, 6.5, 1.4),
            "triangle": shapely.Polygon(
                [(cls.x0 + 12, cls.y0 - 51), (cls.x0 + 67, cls.y0 - 44), (cls.x0 + 40, cls.y0 - 78)]
            ),
            "dry": cells(0.2, 6.2, 2.8, 7.8),
        }
        cls.parcels = {
            name: ParcelFactory(municipality=cls.town, geom=from_crs(shape, UTM, multi=True))
            for name, shape in cls.shapes.items()
        }
        cls.building_shape = cells(3.7, 2.5, 4.6, 3.3)
        cls.building = BuildingFactory(
            parcel=cls.parcels["straddling"], municipality=cls.town, footprint=from_crs(cls.building_shape, UTM)
        )
        cls.hall_shape = cells(5.2, 5.2, 7.6, 7.4)
        cls.hall = InfrastructureAssetFactory(
            municipality=cls.town,
            kind=InfrastructureKind.PUBLIC_BUILDING,
            geom=from_crs(cls.hall_shape, UTM, multi=True),
            attributes={"floors": 2},
            replacement_cost=Decimal("5000000.00"),
        )
        cls.lamp = InfrastructureAssetFactory(  # a streetlight at the centre of cell (row 4, column 6)
            municipality=cls.town, geom=from_crs(shapely.Point(cls.x0 + 65, cls.y0 - 45), UTM)
        )
        cls.analysis = run_analysis(cls.town, cls.engineer, path, "0.50")

    def test_each_parcels_flooded_share_and_depths_match_a_cell_by_cell_computation(self):
        found = impacts_by_target(self.analysis, "parcel")
        for name, shape in self.shapes.items():
            expected = expected_stats(self.depth, self.transform, UTM, shape, 0.5)
            impact = found.get(self.parcels[name].pk)
            if expected[0] == 0:
                assert impact is None, name
                continue
            assert impact.flooded_share == pytest.approx(expected[0], rel=1e-5), name
            assert impact.mean_depth_m == pytest.approx(expected[1], rel=1e-5), name
            assert impact.max_depth_m == pytest.approx(expected[2], rel=1e-5), name
        assert set(found) == {self.parcels[n].pk for n in ("aligned", "straddling", "over_nodata", "triangle")}

    def test_cells_known_by_hand_give_the_figures_we_expect(self):
        # Cells (1..2, 1..2) hold 0.45, 0.50, 0.85, 0.90 m: three of four reach 0.5 m.
        aligned = impacts_by_target(self.analysis, "parcel")[self.parcels["aligned"].pk]
        assert aligned.flooded_share == pytest.approx(0.75)
        assert aligned.mean_depth_m == pytest.approx((0.50 + 0.85 + 0.90) / 3, rel=1e-6)
        assert aligned.max_depth_m == pytest.approx(0.90)

    def test_buildings_and_assets_are_measured_too(self):
        building = impacts_by_target(self.analysis, "building")[self.building.pk]
        expected = expected_stats(self.depth, self.transform, UTM, self.building_shape, 0.5)
        assert (building.flooded_share, building.mean_depth_m) == (
            pytest.approx(expected[0], rel=1e-5),
            pytest.approx(expected[1], rel=1e-5),
        )
        assets = impacts_by_target(self.analysis, "asset")
        hall = expected_stats(self.depth, self.transform, UTM, self.hall_shape, 0.5)
        assert assets[self.hall.pk].mean_depth_m == pytest.approx(hall[1], rel=1e-5)
        # The lamp is a point: 1 m around it, wholly inside one cell of (4 × 8 + 6) / 20 = 1.9 m.
        assert assets[self.lamp.pk].flooded_share == pytest.approx(1.0)
        assert assets[self.lamp.pk].max_depth_m == pytest.approx(1.9)

    def test_the_summary_counts_and_values_the_flooded_features(self):
        summary = self.analysis.summary
        assert summary["analysed"] == {"parcel": 5, "building": 1, "asset": 2}
        assert summary["flooded"] == {"parcel": 4, "building": 1, "asset": 2}
        assert summary["assets_by_kind"] == [
            {"kind": "public_building", "count": 1, "replacement_value": "5000000.00"},
            {"kind": "streetlight", "count": 1, "replacement_value": "25000.00"},
        ]
        assert summary["replacement_value_at_risk"] == "5025000.00"

    def test_a_second_analysis_at_a_higher_threshold_floods_less(self):
        with scoped_to(self.town):
            deeper = services.flood_analysis_start(
                raster=self.analysis.raster, threshold_m=Decimal("2.00"), acting_user=self.engineer
            )
            flood.flood_analyse(analysis=deeper)
        shallow = impacts_by_target(self.analysis, "parcel")
        deep = impacts_by_target(deeper, "parcel")
        assert set(deep) < set(shallow)
        for pk, impact in deep.items():
            assert impact.flooded_share <= shallow[pk].flooded_share
            assert impact.mean_depth_m >= 2.0


class BangkokFloodTests(TestCase):
    """Water at 5 m over the real ASTER DEM of Khlong Toei, with 240 generated parcels on it."""

    @classmethod
    def setUpTestData(cls):
        cls.bangkok = MunicipalityFactory(boundary=bangkok_boundary())
        cls.engineer = MembershipFactory(municipality=cls.bangkok, role=Role.ENGINEER).user
        cls.executive = MembershipFactory(municipality=cls.bangkok, role=Role.EXECUTIVE).user
        cls.outsider = MembershipFactory(role=Role.ENGINEER).user
        west, south, east, north = cls.bangkok.boundary.extent
        step_x, step_y = (east - west) / 16, (north - south) / 15
        cls.parcels = []
        for j in range(15):
            for i in range(16):
                x, y = west + i * step_x, south + j * step_y
                box = shapely.box(x + step_x * 0.05, y + step_y * 0.05, x + step_x * 0.95, y + step_y * 0.95)
                cls.parcels.append(ParcelFactory(municipality=cls.bangkok, geom=from_crs(box, 4326, multi=True)))
        cls.homes = []
        for n, parcel in enumerate(cls.parcels[::3]):
            building = BuildingFactory(parcel=parcel, municipality=cls.bangkok)
            use = UseCategory.RESIDENTIAL_MAIN if n % 2 == 0 else UseCategory.OTHER
            BuildingUseFactory(building=building, municipality=cls.bangkok, use=use)
            LandUseFactory(parcel=parcel, municipality=cls.bangkok, use=use)
            if use == UseCategory.RESIDENTIAL_MAIN:
                cls.homes.append(parcel)
        for n, parcel in enumerate(cls.parcels[1::20]):
            InfrastructureAssetFactory(municipality=cls.bangkok, geom=parcel.geom.centroid, asset_code=f"SL-BKK{n}")
        cls.depth_path = flood_depth_from_dem(Path(tempfile.mkdtemp()) / "khlongtoei-5m.tif", water_level_m=5.0)
        cls.analysis = run_analysis(cls.bangkok, cls.engineer, cls.depth_path, "0.10")

    def test_every_parcel_matches_the_cell_by_cell_computation_on_the_real_dem(self):
        depth, transform, crs = read_depth(self.depth_path)
        found = impacts_by_target(self.analysis, "parcel")
        flooded = 0
        for parcel in self.parcels:
            share, mean, deepest = expected_stats(depth, transform, crs, to_crs(parcel.geom, crs), 0.10)
            impact = found.get(parcel.pk)
            if share == 0:
                assert impact is None, parcel.parcel_code
                continue
            flooded += 1
            assert impact.flooded_share == pytest.approx(share, abs=1e-4), parcel.parcel_code
            assert impact.mean_depth_m == pytest.approx(mean, abs=1e-3), parcel.parcel_code
            assert impact.max_depth_m == pytest.approx(deepest, abs=1e-4), parcel.parcel_code
        # Khlong Toei is low: water at 5 m reaches part of the district, not all of it.
        assert 0 < flooded < len(self.parcels)
        assert self.analysis.summary["flooded"]["parcel"] == flooded

    def test_affected_households_are_the_flooded_main_residences(self):
        found = impacts_by_target(self.analysis, "parcel")
        buildings = impacts_by_target(self.analysis, "building")
        expected = [
            p.pk
            for p in self.homes
            if p.pk in found or any(b.pk in buildings for b in p.buildings.model._base_manager.filter(parcel=p))
        ]
        assert expected, "the test needs some flooded homes"
        assert sorted(flood.affected_household_parcels(self.analysis)) == sorted(expected)
        assert self.analysis.summary["households"] == len(expected)

    def test_the_flood_page_shows_counts_and_the_map_to_an_engineer_only(self):
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)
        page = self.client.get(reverse("rasters:flood", args=[self.analysis.pk])).content.decode()
        assert f'data-figure="households">{self.analysis.summary["households"]}<' in page
        assert f"/rasters/{self.analysis.raster_id}/tiles/{{z}}/{{x}}/{{y}}.png" in page
        assert page.count('"layer"') == 0 and page.count('"code"') >= self.analysis.summary["flooded"]["parcel"]
        self.client.login(username=self.outsider.username, password=TEST_PASSWORD)
        assert self.client.get(reverse("rasters:flood", args=[self.analysis.pk])).status_code == 404
        assert self.client.get(reverse("rasters:flood-xlsx", args=[self.analysis.pk])).status_code == 404

    def test_an_executive_of_a_town_never_assessed_sees_every_flooded_parcel_as_not_assessed(self):
        self.client.login(username=self.executive.username, password=TEST_PASSWORD)
        page = self.client.get(reverse("rasters:flood", args=[self.analysis.pk])).content.decode()
        flooded = self.analysis.summary["flooded"]["parcel"]
        assert 'data-figure="parcel-tax">—<' in page and 'data-figure="household-tax">—<' in page
        assert f'data-figure="parcels-not-assessed">ยังไม่ประเมิน {flooded} แปลง<' in page
        assert "ยังไม่มีรอบประเมินภาษีปี" in page
        assert page.count('<td class="tax-status">ยังไม่ประเมิน</td>') == min(flooded, 50)  # one page of the table

    def test_the_xlsx_export_lists_every_flooded_feature_and_the_households(self):
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)
        response = self.client.get(reverse("rasters:flood-xlsx", args=[self.analysis.pk]))
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["สรุป", "แปลงที่ดิน", "สิ่งปลูกสร้าง", "โครงสร้างพื้นฐาน", "ครัวเรือน"]
        parcels = list(book["แปลงที่ดิน"].iter_rows(min_row=2, values_only=True))
        assert len(parcels) == self.analysis.summary["flooded"]["parcel"]
        found = impacts_by_target(self.analysis, "parcel")
        by_code = {p.parcel_code: found[p.pk] for p in self.parcels if p.pk in found}
        for code, _kind, share, mean, deepest, _value in parcels:
            assert share == pytest.approx(by_code[code].flooded_share, abs=1e-4)
            assert mean == pytest.approx(by_code[code].mean_depth_m, abs=1e-3)
            assert deepest == pytest.approx(by_code[code].max_depth_m, abs=1e-3)
        assert book["ครัวเรือน"].max_row - 1 == self.analysis.summary["households"]

    def test_the_geopackage_export_has_one_layer_per_register_with_geometry(self):
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)
        response = self.client.get(reverse("rasters:flood-gpkg", args=[self.analysis.pk]))
        path = Path(tempfile.mkdtemp()) / "flood.gpkg"
        path.write_bytes(response.content)
        assert [name for name, _type in pyogrio.list_layers(path)] == [layer.value for layer in ImpactLayer]
        parcels = pyogrio.read_dataframe(path, layer="parcel")
        assert len(parcels) == self.analysis.summary["flooded"]["parcel"]
        assert parcels.crs.to_epsg() == 4326
        assert parcels.geometry.within(shapely.box(*self.bangkok.boundary.extent).buffer(1e-6)).all()
