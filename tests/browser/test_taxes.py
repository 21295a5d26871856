"""The tax office's page in a real browser: Thai, our own files only, the officer's tools in place."""

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_the_tax_officer_opens_the_tax_page_from_the_menu(page):
    log_in(page, "lamphaya-officer")
    page.click('nav.mainnav a[data-menu="taxes"]')
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "ประเมินภาษีประจำปี"
    assert page.locator("select[name=tax_year] option[selected]").inner_text() == "2569"
    assert page.locator("form.tax-form button").inner_text() == "เริ่มประเมินภาษีทั้งเทศบาล"
    assert page.outside_requests == []


def test_an_engineer_has_no_tax_menu(page):
    log_in(page, "lamphaya-engineer")
    assert page.locator('nav.mainnav a[data-menu="taxes"]').count() == 0
