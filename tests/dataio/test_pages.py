"""The import and export pages: upload, report and map, commit in the background worker with progress,
and the same walls as everywhere (capabilities, the municipality's own data, PDPA)."""

import warnings

import geopandas as gpd
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from assets.models import Parcel
from catalogue.models import CustomField
from dataio.models import ImportSession, ImportStatus
from dataio.services import import_session_commit
from dataio.tasks import commit_import
from jobs.models import TaskStatus
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.dataio.files import lots, municipality_on_real_boundary, parcels_frame, write
from tests.factories import TEST_PASSWORD, MembershipFactory, OwnerFactory, OwnershipFactory, ParcelFactory


def upload(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes())


class ImportPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = municipality_on_real_boundary()
        cls.officer = MembershipFactory(municipality=cls.lam_phaya, role=Role.TAX_OFFICER).user

    def setUp(self):
        self.client.login(username=self.officer.username, password=TEST_PASSWORD)
        warnings.simplefilter("ignore", UserWarning)

    def file(self, frame, fmt="gpkg", name="parcels"):
        import tempfile
        from pathlib import Path

        folder = Path(tempfile.mkdtemp())
        return write(frame, folder, fmt, name=name)

    def test_an_officer_uploads_checks_on_the_map_and_commits_in_the_background(self):
        page = self.client.get(reverse("dataio:import"))
        assert page.status_code == 200 and "นำเข้าข้อมูลจากไฟล์" in page.content.decode()
        assert any(item.key == "import" for item in page.context["menu"])

        response = self.client.post(
            reverse("dataio:import"), {"layer": "parcels", "file": upload(self.file(parcels_frame(8), "shp"))}
        )
        session = ImportSession._base_manager.get()
        self.assertRedirects(response, reverse("dataio:import-detail", args=[session.pk]))
        detail = self.client.get(response["Location"]).content.decode()
        assert "ยืนยันนำเข้าลงทะเบียน" in detail
        assert "/static/vendor/leaflet-1.9.4/leaflet.js" in detail and "01A008" in detail  # the preview map
        assert session.report["outcome"] == {"new": 8, "changed": 0, "unchanged": 0}
        with scoped_to(self.lam_phaya):
            assert Parcel.objects.count() == 0  # nothing written before the officer confirms

        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("dataio:import-commit", args=[session.pk]))
        session.refresh_from_db()
        assert session.status == ImportStatus.COMMITTING
        job = ProcrastinateJob.objects.get(task_name="dataio.commit_import")
        assert job.args == {"task_id": session.task_id, "session_id": session.pk}
        page = self.client.get(reverse("dataio:import-detail", args=[session.pk])).content.decode()
        assert f'data-status-url="/jobs/{session.task_id}/"' in page  # the progress bar polls the task

        commit_import(**job.args)  # what the worker runs for this job

        status = self.client.get(reverse("jobs:status", args=[session.task_id])).json()
        assert (status["status"], status["percent"], status["result"]) == (
            TaskStatus.DONE,
            100,
            {"new": 8, "changed": 0},
        )
        session.refresh_from_db()
        assert session.status == ImportStatus.COMMITTED and session.committed_at is not None
        with scoped_to(self.lam_phaya):
            assert Parcel.objects.count() == 8
            assert set(Parcel.history.values_list("history_user_id", flat=True)) == {self.officer.pk}
        assert "บันทึกแล้ว: รายการใหม่ 8 ปรับปรุง 0" in self.client.get(response["Location"]).content.decode()

    def test_a_commit_that_meets_a_changed_register_fails_whole_with_the_reason(self):
        self.client.post(reverse("dataio:import"), {"layer": "parcels", "file": upload(self.file(parcels_frame(3)))})
        session = ImportSession._base_manager.get()
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("dataio:import-commit", args=[session.pk]))
        # Between the check and the worker, someone retires a parcel with one of the file's codes.
        retired = {"parcel_code": "01A002", "geom": _multi(lots(9)[8]), "retired_on": "2025-01-01"}
        ParcelFactory(municipality=self.lam_phaya, **retired)
        job = ProcrastinateJob.objects.get(task_name="dataio.commit_import")
        commit_import(**job.args)
        session.refresh_from_db()
        assert session.status == ImportStatus.FAILED
        assert session.task.status == TaskStatus.FAILED and "ยังไม่มีการบันทึกข้อมูลใด ๆ" in session.task.message
        assert [p["kind"] for p in session.report["problems"]] == ["duplicate_in_register"]
        with scoped_to(self.lam_phaya):
            assert list(Parcel.objects.values_list("parcel_code", flat=True)) == ["01A002"]  # only the retired one

    def test_a_file_that_cannot_be_read_is_refused_on_the_form_and_not_kept(self):
        path = self.file(parcels_frame(2), "shp")
        broken = SimpleUploadedFile("parcels.zip", path.read_bytes()[:200])
        page = self.client.post(reverse("dataio:import"), {"layer": "parcels", "file": broken})
        assert page.status_code == 200
        assert "zip เสียหาย" in page.content.decode()
        assert not ImportSession._base_manager.exists()

    def test_a_file_with_errors_shows_them_and_cannot_be_committed_until_mapped(self):
        frame = gpd.GeoDataFrame(
            {"รหัส": ["01C001", "01C002"], "area_sq_wah": ["100", "200"]}, geometry=lots(2), crs=4326
        )
        self.client.post(reverse("dataio:import"), {"layer": "parcels", "file": upload(self.file(frame))})
        session = ImportSession._base_manager.get()
        page = self.client.get(reverse("dataio:import-detail", args=[session.pk])).content.decode()
        assert "ไม่มีรหัสแปลงที่ดิน" in page and "ยืนยันนำเข้าลงทะเบียน" not in page
        self.client.post(reverse("dataio:import-commit", args=[session.pk]))
        session.refresh_from_db()
        assert session.task is None and session.status == ImportStatus.CHECKED

        self.client.post(
            reverse("dataio:import-recheck", args=[session.pk]),
            {"column_parcel_code": "รหัส", "column_area_sq_wah": "area_sq_wah"},
        )
        session.refresh_from_db()
        assert session.report["errors"] == 0 and session.options["mapping"]["parcel_code"] == "รหัส"
        assert session.can_commit

    def mapping_on_the_page(self, session) -> dict[str, str]:
        """The mapping form as the page shows it: register column → the file column selected."""
        page = self.client.get(reverse("dataio:import-detail", args=[session.pk]))
        form = page.context["mapping_form"]
        html = page.content.decode()
        shown = {}
        for name in form.column_fields:
            value = form[name].value() or ""
            assert f'<option value="{value}" selected>' in html, name  # what the browser shows selected
            shown[name.removeprefix("column_")] = value
        return shown

    def test_after_a_recheck_the_form_shows_the_mapping_now_in_force(self):
        frame = parcels_frame(2).rename(columns={"land_no": "เลขที่ดินเดิม"})
        frame["เลขที่ดินใหม่"] = ["501", "502"]
        frame["รหัสเดิม"] = ["01Z001", "01Z002"]
        self.client.post(reverse("dataio:import"), {"layer": "parcels", "file": upload(self.file(frame))})
        session = ImportSession._base_manager.get()
        guessed = self.mapping_on_the_page(session)
        assert (guessed["parcel_code"], guessed["land_number"], guessed["survey_page"]) == ("parcel_code", "", "survey")

        changed = {f"column_{k}": v for k, v in guessed.items()}
        changed.update(column_land_number="เลขที่ดินใหม่", column_survey_page="")  # one set, one left out
        response = self.client.post(reverse("dataio:import-recheck", args=[session.pk]), changed)
        self.assertRedirects(response, reverse("dataio:import-detail", args=[session.pk]))
        shown = self.mapping_on_the_page(session)
        assert (shown["land_number"], shown["survey_page"]) == ("เลขที่ดินใหม่", "")
        assert {k: v for k, v in shown.items() if k not in ("land_number", "survey_page")} == {
            k: v for k, v in guessed.items() if k not in ("land_number", "survey_page")
        }
        # …and it is the mapping the check used: a second recheck with the page as shown changes nothing.
        session.refresh_from_db()
        report = session.report
        self.client.post(
            reverse("dataio:import-recheck", args=[session.pk]), {f"column_{k}": v for k, v in shown.items()}
        )
        session.refresh_from_db()
        assert session.report["columns"] == report["columns"] and report["columns"]["land_number"] == "เลขที่ดินใหม่"
        assert "survey_page" not in report["columns"]

    def test_a_recheck_the_file_refuses_keeps_the_officers_choices_on_the_form_with_the_reason(self):
        """The officer maps the columns and picks an encoding the file is not in: the page says why, and
        the selects still show what was chosen (not the mapping last checked), to correct and resend."""
        frame = parcels_frame(2).rename(columns={"parcel_code": "รหัส", "area_sq_wah": "เนื้อที่ (ตร.ว.)"})
        self.client.post(reverse("dataio:import"), {"layer": "parcels", "file": upload(self.file(frame, "csv"))})
        session = ImportSession._base_manager.get()
        before = session.report
        chosen = {f"column_{k}": v for k, v in before["columns"].items()}
        chosen.update(column_parcel_code="รหัส", column_area_sq_wah="เนื้อที่ (ตร.ว.)", encoding="cp874")
        response = self.client.post(reverse("dataio:import-recheck", args=[session.pk]), chosen)
        assert response.status_code == 200
        html = response.content.decode()
        assert "ข้อความในไฟล์ไม่ได้เข้ารหัสแบบ TIS-620 / CP874 (Windows Thai) ตามที่ระบุ" in html
        form = response.context["mapping_form"]
        assert form["column_parcel_code"].value() == "รหัส"
        assert form["column_area_sq_wah"].value() == "เนื้อที่ (ตร.ว.)" and form["encoding"].value() == "cp874"
        assert '<option value="รหัส" selected>' in html
        session.refresh_from_db()
        assert session.report == before and session.options.get("encoding") is None  # nothing changed

    def test_the_municipalitys_own_fields_and_the_code_helpers_are_offered_as_mapping_targets(self):
        with scoped_to(self.lam_phaya):
            CustomField.objects.create(
                municipality=self.lam_phaya,
                layer="parcels",
                key="flood_prone",
                label_th="พื้นที่เสี่ยงน้ำท่วม",
                field_type="boolean",
            )
        # No parcel code and no recognised names: zone, block and lot make the code (as in LTAX GIS files).
        frame = parcels_frame(2).drop(columns="parcel_code")
        frame["เขตที่"], frame["บล็อกที่"], frame["แปลงที่"] = ["01", "01"], ["A", "A"], ["7", "8"]
        frame["น้ำท่วมถึง"] = ["ใช่", "ไม่ใช่"]
        self.client.post(reverse("dataio:import"), {"layer": "parcels", "file": upload(self.file(frame))})
        session = ImportSession._base_manager.get()
        page = self.client.get(reverse("dataio:import-detail", args=[session.pk]))
        form = page.context["mapping_form"]
        for name, label in (
            ("column_flood_prone", "พื้นที่เสี่ยงน้ำท่วม"),
            ("column_zone", "เขต (ใช้ประกอบรหัสแปลงเมื่อไฟล์ไม่มีรหัสแปลง)"),
            ("column_block", "เขตย่อย (ใช้ประกอบรหัสแปลงเมื่อไฟล์ไม่มีรหัสแปลง)"),
            ("column_lot", "ลำดับแปลง (ใช้ประกอบรหัสแปลงเมื่อไฟล์ไม่มีรหัสแปลง)"),
        ):
            assert form.fields[name].label == label
            assert f'<label for="id_{name}">{label}</label>' in page.content.decode()
        assert ("น้ำท่วมถึง", "น้ำท่วมถึง") in form.fields["column_flood_prone"].choices

        mapping = {f"column_{k}": v for k, v in session.report["columns"].items()}
        mapping.update(column_zone="เขตที่", column_block="บล็อกที่", column_lot="แปลงที่", column_flood_prone="น้ำท่วมถึง")
        self.client.post(reverse("dataio:import-recheck", args=[session.pk]), mapping)
        session.refresh_from_db()
        assert session.report["errors"] == 0, session.report["problems"]
        assert session.report["columns"]["flood_prone"] == "น้ำท่วมถึง"
        shown = self.mapping_on_the_page(session)
        assert (shown["flood_prone"], shown["zone"], shown["block"], shown["lot"]) == (
            "น้ำท่วมถึง",
            "เขตที่",
            "บล็อกที่",
            "แปลงที่",
        )
        with scoped_to(self.lam_phaya):
            import_session_commit(session=session, acting_user=self.officer)  # what the worker runs
            assert dict(Parcel.objects.values_list("parcel_code", "custom")) == {
                "01A007": {"flood_prone": True},
                "01A008": {"flood_prone": False},
            }

    def test_an_outsider_cannot_see_or_commit_another_municipalitys_import(self):
        self.client.post(reverse("dataio:import"), {"layer": "parcels", "file": upload(self.file(parcels_frame(1)))})
        session = ImportSession._base_manager.get()
        outsider = MembershipFactory(role=Role.ADMIN).user
        self.client.login(username=outsider.username, password=TEST_PASSWORD)
        assert self.client.get(reverse("dataio:import-detail", args=[session.pk])).status_code == 404
        assert self.client.post(reverse("dataio:import-commit", args=[session.pk])).status_code == 404
        assert self.client.get(reverse("dataio:import")).context["recent"].count() == 0

    def test_executives_and_engineers_do_not_import(self):
        for role in (Role.EXECUTIVE, Role.ENGINEER):
            person = MembershipFactory(municipality=self.lam_phaya, role=role).user
            self.client.login(username=person.username, password=TEST_PASSWORD)
            assert self.client.get(reverse("dataio:import")).status_code == 403


class ExportPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.takhli = municipality_on_real_boundary()
        parcel = ParcelFactory(municipality=cls.takhli, parcel_code="01A001", geom=_multi(lots(1)[0]))
        cls.owner = OwnerFactory(municipality=cls.takhli)
        OwnershipFactory(parcel=parcel, owner=cls.owner)

    def download(self, role, **params):
        person = MembershipFactory(municipality=self.takhli, role=role).user
        self.client.login(username=person.username, password=TEST_PASSWORD)
        return self.client.get(reverse("dataio:export"), {"layer": "parcels", "fmt": "csv", **params})

    def test_an_officer_may_ask_for_personal_data(self):
        response = self.download(Role.TAX_OFFICER, personal_data="on")
        assert response["Content-Disposition"] == f'attachment; filename="{self.takhli.code}-parcels.csv"'
        assert self.owner.national_id in response.content.decode("utf-8-sig")

    def test_an_executive_gets_only_the_form_without_personal_data(self):
        page = self.download(Role.EXECUTIVE, fmt="")
        assert "personal_data" not in page.context["form"].fields
        response = self.download(Role.EXECUTIVE, personal_data="on")
        assert "-pdpa.csv" in response["Content-Disposition"]
        text = response.content.decode("utf-8-sig")
        assert "01A001" in text and self.owner.national_id not in text and "owner" not in text


def _multi(polygon):
    from django.contrib.gis.geos import GEOSGeometry
    from shapely import MultiPolygon

    return GEOSGeometry(MultiPolygon([polygon]).wkt, srid=4326)


class UploadLimitTests(TestCase):
    def test_a_file_over_the_configured_limit_is_refused_before_reading(self):
        town = municipality_on_real_boundary()
        officer = MembershipFactory(municipality=town, role=Role.ADMIN).user
        self.client.login(username=officer.username, password=TEST_PASSWORD)
        with self.settings(DATAIO_MAX_UPLOAD_BYTES=1024):
            page = self.client.post(
                reverse("dataio:import"), {"layer": "parcels", "file": SimpleUploadedFile("big.csv", b"x" * 5000)}
            )
        assert "เกินขนาดที่รับได้" in page.content.decode()
        assert not ImportSession._base_manager.exists()
