"""Guards of the import found by review: a deed area kept, a sliver refused, a failed commit that says
so, infrastructure only for those who may edit it, and uploaded files never served back."""

import threading
from decimal import Decimal

import geopandas as gpd
import pytest
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from assets.models import Parcel
from dataio.models import ImportSession, ImportStatus
from dataio.services import (
    ImportOptions,
    ImportRefused,
    check_file,
    import_session_commit_start,
    import_session_create,
)
from dataio.tasks import commit_import
from municipalities.choices import Role
from municipalities.permissions import Capability, capabilities_of
from municipalities.tenancy import scoped_to
from tests.dataio.files import lots, municipality_on_real_boundary, parcels_frame, run, write
from tests.factories import (
    TEST_PASSWORD,
    BlockFactory,
    LandUseFactory,
    MembershipFactory,
    ParcelFactory,
    ZoneFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_geopandas")]


def sliver():
    """A 10 cm square left by digitising, inside Lam Phaya: valid, about 0.01 m² (0.0025 ตร.ว.)."""
    x, y = lots(1)[0].exterior.coords[0]
    d = 0.000001
    return shapely.Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)])


def upload(client, user, path, layer):
    client.login(username=user.username, password=TEST_PASSWORD)
    return client.post(
        reverse("dataio:import"), {"layer": layer, "file": SimpleUploadedFile(path.name, path.read_bytes())}
    )


def test_a_file_without_an_area_column_keeps_the_deed_area_of_existing_parcels(tmp_path, lam_phaya):
    parcel = ParcelFactory(
        municipality=lam_phaya,
        parcel_code="01A001",
        geom=GEOSGeometry(shapely.MultiPolygon(lots(1)).wkt, srid=4326),
        area_sq_wah=Decimal("350.00"),
    )
    LandUseFactory(parcel=parcel, area_sq_wah=Decimal("350.00"))
    frame = parcels_frame(1).drop(columns="area_sq_wah").assign(land_no="999")  # a new land number only
    report = run(lam_phaya, write(frame, tmp_path, "gpkg"))
    parcel.refresh_from_db()
    assert report["result"]["changed"] == 1
    assert (parcel.land_number, parcel.area_sq_wah) == ("999", Decimal("350.00"))


def test_a_new_parcel_without_an_area_column_gets_its_measured_area(tmp_path, lam_phaya):
    run(lam_phaya, write(parcels_frame(1).drop(columns="area_sq_wah"), tmp_path, "gpkg"))
    with scoped_to(lam_phaya):
        assert Parcel.objects.get().area_sq_wah > 0


def test_a_sliver_without_an_area_column_is_refused_by_the_check(tmp_path, lam_phaya):
    path = write(gpd.GeoDataFrame({"parcel_code": ["01A001"]}, geometry=[sliver()], crs=4326), tmp_path, "gpkg")
    with scoped_to(lam_phaya):
        report = check_file(municipality=lam_phaya, path=path, options=ImportOptions(layer="parcels"))
    assert [(p["kind"], p["column"]) for p in report["problems"] if p["severity"] == "error"] == [
        ("unparseable", "area_sq_wah")
    ]
    with pytest.raises(ValidationError):
        run(lam_phaya, path)
    with scoped_to(lam_phaya):
        assert not Parcel.objects.exists()


def test_a_commit_that_fails_unexpectedly_leaves_the_session_failed(
    client, tmp_path, lam_phaya, monkeypatch, django_capture_on_commit_callbacks
):
    officer = MembershipFactory(municipality=lam_phaya, role=Role.TAX_OFFICER).user
    upload(client, officer, write(parcels_frame(2), tmp_path, "gpkg"), "parcels")
    session = ImportSession._base_manager.get()
    assert session.can_commit
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dataio:import-commit", args=[session.pk]))

    def broken(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("dataio.services.import_file", broken)
    job = ProcrastinateJob.objects.filter(task_name="dataio.commit_import").last()
    with pytest.raises(RuntimeError):
        commit_import(**job.args)
    session.refresh_from_db()
    assert session.status == ImportStatus.FAILED


def test_infrastructure_is_imported_only_by_those_who_may_edit_it(client, tmp_path, lam_phaya):
    assert Capability.EDIT_INFRASTRUCTURE not in capabilities_of(Role.TAX_OFFICER)
    officer = MembershipFactory(municipality=lam_phaya, role=Role.TAX_OFFICER).user
    frame = gpd.GeoDataFrame(
        {"asset_code": ["SL-1"], "kind": ["streetlight"]}, geometry=[lots(1)[0].centroid], crs=4326
    )
    response = upload(client, officer, write(frame, tmp_path, "gpkg", name="lights"), "infrastructure")
    assert response.status_code == 200  # the form again, the layer not among its choices
    assert "infrastructure" not in dict(response.context["form"].fields["layer"].choices)
    assert not ImportSession._base_manager.exists()


def test_an_uploaded_import_file_is_never_served_back(client, tmp_path, lam_phaya, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    officer = MembershipFactory(municipality=lam_phaya, role=Role.TAX_OFFICER).user
    executive = MembershipFactory(municipality=lam_phaya, role=Role.EXECUTIVE).user
    upload(client, officer, write(parcels_frame(1), tmp_path, "csv", name="parcels"), "parcels")
    session = ImportSession._base_manager.get()
    for user in (officer, executive):
        client.login(username=user.username, password=TEST_PASSWORD)
        assert client.get("/media/" + session.file.name).status_code == 404


class TestAMemberLimitedToSomeZones:
    """Writes only what lies in their zones, before and after the import (docs/DEVELOPING.md, trust)."""

    @pytest.fixture
    def town(self, lam_phaya):
        self.ours, self.theirs = (ZoneFactory(municipality=lam_phaya, code=code) for code in ("01", "02"))
        BlockFactory(municipality=lam_phaya, zone=self.ours, code="01A")
        BlockFactory(municipality=lam_phaya, zone=self.theirs, code="02A")
        self.their_parcel = ParcelFactory(
            municipality=lam_phaya,
            parcel_code="02A001",
            geom=GEOSGeometry(shapely.MultiPolygon(lots(1)).wkt, srid=4326),
            land_number="1",
        )
        return lam_phaya

    def refused_codes(self, town, path, layer="parcels"):
        with pytest.raises(ImportRefused) as refused:
            run(town, path, layer=layer, zones=[self.ours.pk])
        return sorted(p["code"] for p in refused.value.report["problems"] if p["kind"] == "outside_zones")

    def test_a_parcel_of_another_zone_is_neither_changed_nor_created(self, tmp_path, town):
        frame = parcels_frame(3).assign(parcel_code=["02A001", "02A002", "01A001"], land_no="666")
        assert self.refused_codes(town, write(frame, tmp_path, "gpkg")) == ["02A001", "02A002"]
        self.their_parcel.refresh_from_db()
        assert self.their_parcel.land_number == "1"
        assert Parcel._base_manager.filter(municipality=town).count() == 1  # nothing written

    def test_a_parcel_of_their_own_zone_is_imported(self, tmp_path, town):
        frame = parcels_frame(2).assign(parcel_code=["01A001", "01A002"])
        assert run(town, write(frame, tmp_path, "gpkg"), zones=[self.ours.pk])["result"]["new"] == 2

    def test_a_member_of_every_zone_imports_them_all(self, tmp_path, town):
        frame = parcels_frame(2).assign(parcel_code=["02A001", "01A001"], land_no="666")
        assert run(town, write(frame, tmp_path, "gpkg"))["result"] == {"new": 1, "changed": 1}

    def test_a_sign_on_a_parcel_of_another_zone_is_refused(self, tmp_path, town):
        centre = lots(1)[0].centroid  # on 02A001
        path = tmp_path / "signs.csv"
        path.write_text(
            "signboard_code,business,sign_type,width_cm,height_cm,installed,lon,lat\n"
            f"02A001-P001,ร้านข้าวแกง,2,200,80,15/01/2568,{centre.x},{centre.y}\n",
            encoding="utf-8",
        )
        assert self.refused_codes(town, path, layer="signboards") == ["02A001-P001"]


@pytest.mark.django_db(transaction=True)
def test_two_commits_of_one_session_at_once_queue_one_import(tmp_path):
    town = municipality_on_real_boundary()
    officer = MembershipFactory(municipality=town, role=Role.TAX_OFFICER).user
    path = write(parcels_frame(2), tmp_path, "gpkg")
    with scoped_to(town):
        session = import_session_create(
            municipality=town,
            acting_user=officer,
            upload=SimpleUploadedFile(path.name, path.read_bytes()),
            options=ImportOptions(layer="parcels"),
        )
    assert session.can_commit
    barrier = threading.Barrier(2)
    outcomes = []

    def commit():
        try:
            with scoped_to(town):
                barrier.wait(timeout=10)
                outcomes.append(import_session_commit_start(session=session, acting_user=officer))
        except ValidationError as refused:
            outcomes.append(refused)
        finally:
            connection.close()

    threads = [threading.Thread(target=commit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(o).__name__ for o in outcomes) == ["BackgroundTask", "ValidationError"]
    assert ProcrastinateJob.objects.filter(task_name="dataio.commit_import", args__session_id=session.pk).count() == 1
