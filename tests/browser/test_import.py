"""An officer imports a CP874 shapefile in a real browser: the report and the map, then the commit run by
the real background worker, followed on the page until it is done."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from municipalities.choices import Role
from tests.browser.conftest import log_in
from tests.dataio.files import municipality_on_real_boundary, parcels_frame, write
from tests.factories import TEST_PASSWORD, MembershipFactory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The worker commits from its own process, so this test sees the server's data and runs with the
# transactional tests, after which the tables are emptied: it brings its own town (an earlier
# transactional test may have emptied the demo).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_worker_once():
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}",
        "MEDIA_ROOT": settings.MEDIA_ROOT,  # where the test server kept the upload
    }
    subprocess.run(
        [sys.executable, "manage.py", "procrastinate", "worker", "--one-shot"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )


def test_an_officer_imports_a_shapefile_and_follows_the_commit(page, tmp_path):
    frame = parcels_frame(5).assign(parcel_code=[f"99Z{i:03d}" for i in range(1, 6)])
    path = write(frame, tmp_path, "shp", encoding="CP874", cpg=False)
    town = municipality_on_real_boundary(name_th="ลำพยาทดสอบนำเข้า")
    officer = MembershipFactory(municipality=town, role=Role.TAX_OFFICER, user__username="import-officer").user
    log_in(page, officer.username, TEST_PASSWORD)
    page.click("nav.mainnav a[data-menu=import]")
    page.set_input_files("#id_file", str(path))
    page.click("form button.primary")
    page.wait_for_load_state("networkidle")

    assert "parcels.zip" in page.locator("h1").inner_text()
    assert page.locator("[data-errors]").inner_text() == "0"
    assert "TIS-620" in page.content() or "cp874" in page.content()
    page.wait_for_selector(".preview-map .leaflet-container canvas")  # drawn on a canvas (prefer_canvas)
    drawn = page.evaluate(
        "Object.keys(window).filter(k => k.startsWith('geo_json_') && window[k].getLayers)"
        ".reduce((n, k) => n + window[k].getLayers().length, 0)"
    )
    assert drawn == 6  # the five parcels and the municipal boundary

    page.click("text=ยืนยันนำเข้าลงทะเบียน")
    page.wait_for_selector(".task-progress")
    assert page.locator(".task-progress .task-status").inner_text() == "รอดำเนินการ"

    run_worker_once()

    page.wait_for_selector("text=บันทึกแล้ว: รายการใหม่ 5 ปรับปรุง 0", timeout=20_000)
    assert page.locator(".task-line strong").inner_text() == "เสร็จสิ้น"
    assert page.outside_requests == []
