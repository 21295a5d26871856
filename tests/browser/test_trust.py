"""Pages run under a strict Content-Security-Policy without breaking, and the auditor's desk works."""

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _watch_csp(page) -> list[str]:
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    return violations


def test_the_admin_map_and_the_municipality_switcher_work_without_inline_scripts(page):
    violations = _watch_csp(page)
    log_in(page, "lamphaya-officer")
    page.goto(f"{page.base_url}/admin/assets/parcel/")
    page.locator("#result_list tbody tr th a").first.click()
    page.wait_for_selector(".ol-viewport")  # started by static/js/map-widget.js from its JSON options
    assert page.locator("input[name=seen_version]").count() == 1
    assert violations == []
    assert [url for url in page.outside_requests if "tile.openstreetmap.org" not in url] == []


def test_an_auditor_opens_a_parcel_as_it_was_and_reads_its_history(page):
    violations = _watch_csp(page)
    log_in(page, "lamphaya-auditor")
    page.locator("nav.mainnav a[data-menu=audit]").click()
    assert page.locator("h1").inner_text() == "ตรวจสอบ"
    page.select_option("select[name=model]", "assets.parcel")
    page.fill("input[name=reference]", "01A001")
    page.locator("form button.primary").first.click()
    page.wait_for_selector("table.history")
    assert "01A001" in page.locator("h1").inner_text()
    assert page.locator("table.history tbody tr").count() >= 1
    page.fill("input[name=as_of]", "2099-01-01")
    page.locator("form button.primary").first.click()
    page.wait_for_selector("table.snapshot")
    assert "01A001" in page.locator("table.snapshot").inner_text()
    assert violations == []
    assert page.outside_requests == []


def test_the_privacy_page_is_linked_from_every_page(page):
    page.goto(f"{page.base_url}/login/")
    page.locator("footer a", has_text="ประกาศความเป็นส่วนตัว").click()
    assert page.locator("h1").inner_text() == "ประกาศความเป็นส่วนตัว"
    assert "มาตรา 24(4)" in page.content()
    assert page.outside_requests == []
