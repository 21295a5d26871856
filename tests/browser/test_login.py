"""The first thing a municipality sees: the login page and its home page, in a real browser."""

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_the_login_page_shows_both_demo_municipalities_in_thai(page):
    page.goto(f"{page.base_url}/login/")
    assert page.locator("h1").inner_text() == "เข้าสู่ระบบ"
    listed = page.locator(".municipality-list li").all_inner_texts()
    assert any("เทศบาลตำบลลำพญา" in item for item in listed)
    assert any("เทศบาลเมืองตาคลี" in item for item in listed)
    assert "ข้อมูลตัวอย่างสังเคราะห์" in page.locator(".demo-banner").inner_text()
    # Thai text is drawn with our own Sarabun, not a fallback font.
    loaded = page.evaluate("document.fonts.load('16px Sarabun', 'เทศบาล').then(faces => faces.map(f => f.family))")
    assert loaded == ["Sarabun"]
    assert page.outside_requests == []


def test_an_officer_logs_in_and_sees_their_municipalitys_register(page):
    log_in(page, "lamphaya-officer")
    assert page.locator("h1").inner_text() == "เทศบาลตำบลลำพญา"
    figures = dict(
        zip(
            page.locator(".tile .label").all_inner_texts(), page.locator(".tile .figure").all_inner_texts(), strict=True
        )
    )
    assert int(figures["แปลงที่ดิน"].replace(",", "")) > 1500
    assert "เจ้าของทรัพย์สิน" in figures  # a tax officer works with owners
    assert page.outside_requests == []


def test_a_wrong_password_is_refused_with_a_thai_message(page):
    log_in(page, "lamphaya-officer", password="wrong-password")
    assert page.url.endswith("/login/")
    assert page.locator(".error").is_visible()
    assert page.outside_requests == []


def test_the_parcel_admin_draws_the_map_widget_from_our_own_files(page):
    log_in(page, "takhli-officer")
    page.goto(f"{page.base_url}/admin/assets/parcel/")
    first = page.locator("#result_list tbody tr th a").first
    code = first.inner_text()
    first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("input[name=parcel_code]").input_value() == code
    page.wait_for_selector(".ol-viewport")  # OpenLayers drew the map
    assert page.evaluate("typeof ol") == "object"
    # Only OpenStreetMap tiles would leave the machine, and they were blocked; no script or style did.
    assert [url for url in page.outside_requests if "tile.openstreetmap.org" not in url] == []


def test_the_server_under_test_uses_the_test_database(page, demo_site):
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")
    page.goto(f"{page.base_url}/login/")
    assert "ชุดทดสอบสมรรถนะ" not in page.content()
