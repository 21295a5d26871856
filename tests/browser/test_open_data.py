"""The public open-data portal in a real browser: no login, a map preview, downloads, nothing fetched
off 127.0.0.1. The demo's public datasets (zones, blocks, infrastructure) are listed by the server
process itself, which creates each municipality's catalogue on first read."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
DRAWN = "Object.values(window).filter(v => v instanceof L.GeoJSON).reduce((n, g) => n + g.getLayers().length, 0)"


def test_a_resident_finds_lam_phayas_streetlights_sees_them_on_a_map_and_downloads_them(page):
    page.goto(f"{page.base_url}/open/")
    assert page.locator("h1").inner_text() == "ข้อมูลเปิดของเทศบาล"
    page.select_option("#municipality", "730514")
    page.wait_for_load_state("networkidle")
    items = page.locator(".portal-item")
    assert items.count() >= 5
    assert page.locator('[data-dataset="730514-parcels"]').count() == 0  # internal: not on the portal
    page.click('[data-dataset="730514-infrastructure-streetlight"] h2 a')
    page.wait_for_load_state("networkidle")
    assert "ไฟฟ้าส่องสว่าง" in page.locator("h1").inner_text()
    page.wait_for_function(f"() => {DRAWN} > 0")  # the function form: no eval under the CSP
    drawn = page.evaluate(f"() => {DRAWN}")
    assert 0 < drawn <= 500  # a bounded sample, never the whole layer inline
    assert int(page.locator(".record-count").inner_text().replace(",", "")) >= drawn
    with page.expect_download() as download:
        page.click("a.download:has-text('GEOJSON')")
    assert download.value.suggested_filename == "730514-infrastructure-streetlight.geojson"
    catalog = page.request.get(f"{page.base_url}/catalog.json?municipality=730514").json()
    assert any(d["dct:identifier"] == "730514-infrastructure-streetlight" for d in catalog["dcat:dataset"])
    assert page.outside_requests == []
