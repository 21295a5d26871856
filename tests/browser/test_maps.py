"""The three maps in a real browser: each user's map drawn from our vector tiles, a click on a parcel
or an asset read back from the side panel, search, the executive's dashboard; Thai, no inline script
but the map's own (CSP nonce), nothing fetched off 127.0.0.1.

The demo town Lam Phaya gets a tax year for these tests: a run, notices and payments are committed
before the pages are opened (the server process sees only committed data) and removed afterwards.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model

from assets.models import InfrastructureAsset, Ownership
from municipalities.models import Block, Municipality
from municipalities.tenancy import platform_scope, scoped_to
from taxes.models import Assessment, AssessmentRun, Instalment, Notice, Payment, TaxStatus
from taxes.services import assessment_run, notices_issue, payment_record
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
YEAR = datetime.date.today().year


@pytest.fixture(scope="module")
def lam_phaya(demo_site, django_db_blocker):
    """Lam Phaya with this year's run, the notices of block 01A sent and a few of them paid."""
    with django_db_blocker.unblock():
        with platform_scope():
            town = Municipality.objects.get(name_en__icontains="Lam Phaya")
            officer = get_user_model().objects.get(username="lamphaya-officer")
        with scoped_to(town):
            run = assessment_run(municipality=town, tax_year=YEAR)
            block = Block.objects.order_by("code").first()
            assessments = list(
                Assessment.objects.filter(run=run, parcel__block=block, tax__gt=0).order_by("parcel__parcel_code")
            )
            notices_issue(assessments=assessments, issued_on=datetime.date(YEAR, 2, 1), acting_user=officer)
            for n, assessment in enumerate(assessments[:3]):  # paid on 1 March, or today before then
                payment_record(
                    assessment=assessment, receipt_number=f"BT-{n}", amount=assessment.tax,
                    paid_on=min(datetime.date(YEAR, 3, 1), datetime.date.today()), acting_user=officer,
                )  # fmt: skip
            # A parcel a person owns, with this year's notice sent.
            parcel = next(a.parcel for a in assessments if a.owner.kind == "person")
            asset = InfrastructureAsset.objects.filter(kind="streetlight").order_by("asset_code").first()
        yield {"town": town, "run": run, "parcel": parcel, "block": block, "asset": asset}
        with platform_scope():
            for model in (Payment, Instalment, Notice, Assessment, TaxStatus):
                model._base_manager.filter(municipality=town).delete()
            AssessmentRun._base_manager.filter(pk=run.pk).delete()


def _watch_csp(page) -> list[str]:
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    return violations


def _open(page, user: str, menu: str):
    violations = _watch_csp(page)
    log_in(page, user)
    page.click(f'nav.mainnav a[data-menu="{menu}"]')
    page.wait_for_function("() => window.Thesaban && Thesaban.map && Thesaban.drawn('zones') > 0")
    return violations


def _show(page, geom, zoom: int, layer: str):
    """Centre the map on a geometry at a zoom, and wait until the layer's tiles are drawn there."""
    point = geom.point_on_surface
    page.evaluate(f"() => Thesaban.map.setView([{point.y}, {point.x}], {zoom}, {{animate: false}})")
    page.wait_for_function(f"() => Thesaban.drawn('{layer}') > 0")
    page.wait_for_load_state("networkidle")


def _click(page, geom):
    """A real mouse click on the map canvas where a geometry lies."""
    point = geom.point_on_surface
    x, y = page.evaluate(
        f"() => {{ const p = Thesaban.map.latLngToContainerPoint([{point.y}, {point.x}]);"
        " const r = Thesaban.map.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }"
    )
    page.mouse.click(x, y)


def test_the_tax_officer_clicks_a_parcel_and_reads_its_owners_and_tax(page, lam_phaya):
    parcel = lam_phaya["parcel"]
    violations = _open(page, "lamphaya-officer", "maps-tax")
    assert page.locator("h1").inner_text().startswith("แผนที่ภาษี")
    _show(page, parcel.geom, 18, "parcels")
    _click(page, parcel.geom)
    panel = page.locator(f'.side-panel [data-parcel="{parcel.parcel_code}"]')
    panel.wait_for()
    assert panel.locator("h2").inner_text() == f"แปลง {parcel.parcel_code}"
    text = panel.inner_text()
    with scoped_to(lam_phaya["town"]):
        owner = Ownership.objects.filter(parcel=parcel).select_related("owner").first().owner
    assert owner.first_name in text and owner.national_id not in text  # the name, the ID masked
    assert "ไร่" in text and "งาน" in text and "ตารางวา" in text
    assert f"ภาษีปี {YEAR + 543}" in text
    assert panel.locator(".tax .badge").inner_text() in ("ชำระแล้ว", "แจ้งการประเมินแล้ว", "ค้างชำระ")
    assert panel.locator("a", has_text="หนังสือแจ้ง (PDF)").count() >= 1
    assert "ภาษีที่ต้องชำระ" in text and panel.locator(".tax .assessment .breakdown").count() >= 1
    assert page.evaluate("() => Thesaban.drawn('parcels')") > 10
    assert violations == [] and page.outside_requests == []


def test_the_tax_officer_finds_a_parcel_by_code_and_the_map_zooms_to_it(page, lam_phaya):
    parcel = lam_phaya["parcel"]
    violations = _open(page, "lamphaya-officer", "maps-tax")
    page.fill("#map-search", parcel.parcel_code)
    page.click("form.map-search button[type=submit]")
    page.locator(f'.side-panel [data-parcel="{parcel.parcel_code}"]').wait_for()
    assert page.evaluate("() => Thesaban.map.getZoom()") >= 17
    page.wait_for_function("() => Thesaban.drawn('parcels') > 0")
    assert violations == [] and page.outside_requests == []


def test_an_executive_clicks_the_same_parcel_and_reads_no_owners_name(page, lam_phaya):
    parcel = lam_phaya["parcel"]
    violations = _open(page, "lamphaya-executive", "maps-tax")
    _show(page, parcel.geom, 18, "parcels")
    _click(page, parcel.geom)
    panel = page.locator(f'.side-panel [data-parcel="{parcel.parcel_code}"]')
    panel.wait_for()
    text = panel.inner_text()
    with scoped_to(lam_phaya["town"]):
        owner = Ownership.objects.filter(parcel=parcel).select_related("owner").first().owner
    assert owner.first_name not in text and "ผู้ถือกรรมสิทธิ์ 1" in text
    assert f"ภาษีปี {YEAR + 543}" in text and panel.locator("a", has_text="หนังสือแจ้ง (PDF)").count() == 0
    # the parcel's tax status, as the tiles draw it for that role, and none of its amounts or breakdown
    assert panel.locator(".tax .badge").count() == 1 and panel.locator(".tax .assessment").count() == 0
    assert "แสดงเฉพาะผู้มีสิทธิ์ดูข้อมูลส่วนบุคคล" in text and "บาท" not in text and "undefined" not in text
    assert violations == [] and page.outside_requests == []


def test_the_engineer_clicks_a_streetlight_and_reads_its_record_and_filters_the_map(page, lam_phaya):
    asset = lam_phaya["asset"]
    violations = _open(page, "lamphaya-engineer", "maps-engineer")
    _show(page, asset.geom, 19, "infrastructure")
    assert page.evaluate("() => Thesaban.drawn('parcels')") > 0  # the parcels under the network
    _click(page, asset.geom)
    panel = page.locator(f'.side-panel [data-asset="{asset.asset_code}"]')
    panel.wait_for()
    assert asset.asset_code in panel.locator("h2").inner_text()
    assert panel.locator("a", has_text="ทะเบียนทรัพย์สินและประวัติ").get_attribute("href") == f"/works/assets/{asset.pk}/"
    page.uncheck('form[data-filters] input[name=kind][value="streetlight"]')
    assert "streetlight" not in page.evaluate("() => Thesaban.filters.kinds")
    page.select_option("form[data-filters] select[name=condition]", "4")
    assert page.evaluate("() => Thesaban.filters.condition") == 4
    assert violations == [] and page.outside_requests == []


def test_the_executive_reads_the_revenue_map_and_dashboard(page, lam_phaya):
    violations = _open(page, "lamphaya-executive", "maps-revenue")
    assert page.locator(".revenue-figures [data-figure=collected]").inner_text() != "0.00"
    assert page.locator("[data-chart=months] svg").count() == 1
    assert page.locator("[data-chart=kinds] svg").count() == 1
    assert f"{YEAR + 543}" in page.locator("h1").inner_text()
    block = lam_phaya["block"]
    _show(page, block.geom, 15, "blocks")
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-overlays label", has_text="แปลงที่ดินตามสถานะภาษี").locator("input").check()
    page.wait_for_function("() => Thesaban.drawn('parcels') > 0")
    _click(page, block.geom)
    panel = page.locator(f'.side-panel [data-area="{block.code}"]')
    panel.wait_for()
    text = panel.inner_text()
    assert "ยอดประเมิน" in text and "จัดเก็บได้" in text and "%" in text
    printed = panel.locator("a", has_text="พิมพ์แผนที่ A4 (PDF)").get_attribute("href")
    assert printed == f"/maps/blocks/{block.pk}/map.pdf?year={YEAR}"  # the year the map shows
    response = page.request.get(f"{page.base_url}{printed}")
    assert response.status == 200 and response.body().startswith(b"%PDF")
    assert violations == [] and page.outside_requests == []


def test_the_printed_map_of_a_parcel_is_a_pdf(page, lam_phaya):
    log_in(page, "lamphaya-officer")
    response = page.request.get(f"{page.base_url}/maps/parcels/{lam_phaya['parcel'].pk}/map.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
