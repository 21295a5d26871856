"""The engineer's work-order list and the flood map (with the tax of flooded parcels for an executive),
in a real browser, with nothing fetched off 127.0.0.1.

These tests commit their own data (transactional), so the server process sees it; they run last.
"""

import datetime
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
import shapely
from django.utils import timezone

from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from rasters import flood, services
from taxes.services import assessment_run
from tests.browser.conftest import log_in
from tests.factories import (
    TEST_PASSWORD,
    BuildingFactory,
    BuildingUseFactory,
    ComplaintFactory,
    InfrastructureAssetFactory,
    MembershipFactory,
    MunicipalityFactory,
    ParcelFactory,
    WorkOrderFactory,
)
from tests.rasters.rasterdata import (
    as_upload,
    bangkok_boundary,
    flood_depth_from_dem,
    from_crs,
    run_analysis,
    scenario_flood_raster,
)
from tests.taxes import scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TODAY = timezone.localdate()
# Features drawn by the page's GeoJSON layers (markers and shapes go on a canvas, so count them in Leaflet).
# Functions, not expressions: Playwright evaluates a string expression with eval() when it has to poll,
# which the Content Security Policy forbids (no 'unsafe-eval').
DRAWN = "() => Object.values(window).filter(v => v instanceof L.GeoJSON).reduce((n, g) => n + g.getLayers().length, 0)"


def wait_until_drawn(page, at_least: int):
    page.wait_for_function(f"n => ({DRAWN})() >= n", arg=at_least)


def test_an_engineer_sees_open_work_orders_by_due_date_and_on_the_map(page):
    town = MunicipalityFactory(name_th="หนองบัว")
    engineer = MembershipFactory(municipality=town, role=Role.ENGINEER, user__username="nongbua-engineer").user
    for number, days, status in (("69-00007", 6, "open"), ("69-00002", -3, "open"), ("69-00005", 1, "assigned")):
        WorkOrderFactory(
            municipality=town,
            number=number,
            title=f"งาน {number}",
            due_on=TODAY + datetime.timedelta(days=days),
            status=status,
            assignee=engineer if status == "assigned" else None,
        )
    WorkOrderFactory(municipality=town, number="69-00001", status="done", assignee=engineer)
    WorkOrderFactory(number="69-00009")  # another municipality's

    log_in(page, engineer.username, TEST_PASSWORD)
    page.click("[data-menu=works]")
    page.wait_for_selector(".work-orders tbody tr")
    numbers = page.locator(".work-orders tbody tr td:nth-child(2)").all_inner_texts()
    assert numbers == ["69-00002", "69-00005", "69-00007"]
    overdue = page.locator(".work-orders tr.overdue")
    assert overdue.count() == 1 and "เลยกำหนด" in overdue.inner_text()
    assert page.locator("[data-figure=overdue]").inner_text() == "1"
    # Three circle markers drawn by Leaflet from our own files, one per listed order.
    wait_until_drawn(page, 3)
    assert page.evaluate(DRAWN) == 3
    page.locator(".work-orders tbody a", has_text="69-00005").click()
    page.wait_for_load_state("networkidle")
    assert "69-00005" in page.locator("h1").inner_text()
    page.locator("button[name=to][value=in_progress]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1 .status").inner_text() == "กำลังดำเนินการ"
    # A resident's complaint about a lamp: its page maps the lamp (the map's own script, under the CSP).
    complaint = ComplaintFactory(municipality=town, asset=InfrastructureAssetFactory(municipality=town))
    page.goto(f"{page.base_url}/works/complaints/{complaint.pk}/")
    wait_until_drawn(page, 1)
    assert page.outside_requests == []


def test_an_engineer_reads_the_flood_map_of_water_at_5_m_over_khlong_toei(page):
    bangkok = MunicipalityFactory(name_th="คลองเตยทดสอบ", boundary=bangkok_boundary())
    engineer = MembershipFactory(municipality=bangkok, role=Role.ENGINEER, user__username="khlongtoei-engineer").user
    west, south, east, north = bangkok.boundary.extent
    step_x, step_y = (east - west) / 10, (north - south) / 10
    for j in range(10):
        for i in range(10):
            x, y = west + i * step_x, south + j * step_y
            box = shapely.box(x + step_x * 0.1, y + step_y * 0.1, x + step_x * 0.9, y + step_y * 0.9)
            parcel = ParcelFactory(municipality=bangkok, geom=from_crs(box, 4326, multi=True))
            if (i + j) % 4 == 0:
                building = BuildingFactory(parcel=parcel, municipality=bangkok)
                BuildingUseFactory(building=building, municipality=bangkok, use="residential_main")
            if (i + j) % 7 == 0:
                InfrastructureAssetFactory(
                    municipality=bangkok, geom=parcel.geom.centroid, replacement_cost=Decimal(25000)
                )
    path = flood_depth_from_dem(Path(tempfile.mkdtemp()) / "khlongtoei-5m.tif", water_level_m=5.0)
    with scoped_to(bangkok):
        raster = services.raster_upload(
            municipality=bangkok, acting_user=engineer, upload=as_upload(path), name="น้ำท่วม 5 ม.", kind="flood_depth"
        )
        services.raster_convert(raster=raster)
        analysis = services.flood_analysis_start(raster=raster, threshold_m=Decimal("0.10"), acting_user=engineer)
        summary = flood.flood_analyse(analysis=analysis)
    assert 0 < summary["flooded"]["parcel"] < 100

    log_in(page, engineer.username, TEST_PASSWORD)
    tiles = []
    page.on("response", lambda r: tiles.append(r.status) if "/tiles/" in r.url else None)
    page.goto(f"{page.base_url}/rasters/flood/{analysis.pk}/")
    page.wait_for_selector(".leaflet-tile-loaded")
    wait_until_drawn(page, 1)
    assert page.locator("[data-figure=households]").inner_text() == str(summary["households"])
    figures = page.locator(".flood-figures .tile").all_inner_texts()
    assert any(f"{summary['flooded']['parcel']}\n" in text and "แปลงที่ดิน" in text for text in figures)
    assert page.evaluate(DRAWN) == sum(summary["flooded"].values())
    assert 200 in tiles  # our own rio-tiler tiles of the flood raster
    assert page.locator(".by-kind tbody tr").first.inner_text().startswith("ไฟฟ้าส่องสว่าง")
    with page.expect_download() as download:
        page.click("text=ส่งออก XLSX")
    assert download.value.suggested_filename == f"flood-impact-{analysis.pk}.xlsx"
    # The raster's own page maps it too, with its tiles.
    tiles.clear()
    page.goto(f"{page.base_url}/rasters/{raster.pk}/")
    page.wait_for_selector(".leaflet-tile-loaded")
    assert 200 in tiles
    assert page.outside_requests == []


def test_an_executive_reads_the_tax_of_flooded_parcels_on_the_flood_map(page):
    town, _people, parcels, _sign = scenario.build()
    executive = MembershipFactory(municipality=town, role=Role.EXECUTIVE, user__username="flood-executive").user
    engineer = MembershipFactory(municipality=town, role=Role.ENGINEER).user
    path = scenario_flood_raster(town, parcels, Path(tempfile.mkdtemp()) / "scenario-flood.tif")
    with scoped_to(town):
        assessment_run(municipality=town, tax_year=2026)
    analysis = run_analysis(town, engineer, path, "0.50")

    log_in(page, executive.username, TEST_PASSWORD)
    page.goto(f"{page.base_url}/rasters/flood/{analysis.pk}/?tax_year=2026")
    wait_until_drawn(page, 1)
    assert page.locator("[data-figure=parcel-tax]").inner_text() == "1,204.00"
    assert page.locator("[data-figure=household-tax]").inner_text() == "652.00"
    assert "มาตรา 56–57" in page.locator("[data-note=relief]").inner_text()
    assert page.locator("tr[data-parcel='01A008'] .tax-status").inner_text() == "ยังไม่ประเมิน"
    # Hover parcel 01A002 beside its house (the house is a layer of its own): its tax in the tooltip.
    page.locator(".map-box").scroll_into_view_if_needed()
    x, y = page.evaluate(
        """code => {
          for (const group of Object.values(window).filter(v => v instanceof L.GeoJSON)) {
            for (const layer of group.getLayers()) {
              if (layer.feature.properties.code !== code) continue;
              const b = layer.getBounds(), map = layer._map;
              const west = b.getWest() + (b.getEast() - b.getWest()) * 0.12;
              const p = map.latLngToContainerPoint([b.getCenter().lat, west]);
              const box = map.getContainer().getBoundingClientRect();
              return [box.left + p.x, box.top + p.y];
            }
          }
        }""",
        "01A002",
    )
    page.mouse.move(x, y)
    tooltip = page.wait_for_selector(".leaflet-tooltip")
    assert "01A002" in tooltip.inner_text() and "552.00 บาท (ประเมินแล้ว)" in tooltip.inner_text()
    assert page.outside_requests == []
