"""An engineer uploads GeoTIFFs: bad files are refused in Thai with nothing stored; good ones become
Cloud-Optimized GeoTIFFs served as map tiles from our own server."""

import io
import tempfile
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.urls import reverse
from PIL import Image
from rasterio.transform import from_origin
from rio_cogeo.cogeo import cog_validate

from jobs.models import TaskStatus
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from rasters import services, tasks
from rasters.models import Raster, RasterKind, RasterStatus
from tests.factories import TEST_PASSWORD, MembershipFactory, MunicipalityFactory
from tests.rasters.rasterdata import DEM, SENTINEL, as_upload, bangkok_boundary, write_tif


def stored_raster_files() -> list[Path]:
    return [p for p in (Path(settings.MEDIA_ROOT) / "rasters").rglob("*") if p.is_file()]


class BadRasterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.bangkok = MunicipalityFactory(boundary=bangkok_boundary())
        cls.engineer = MembershipFactory(municipality=cls.bangkok, role=Role.ENGINEER).user

    def setUp(self):
        self.before = set(stored_raster_files())
        self.tmp = Path(tempfile.mkdtemp())

    def refused(self, upload, kind=RasterKind.DEM) -> str:
        with scoped_to(self.bangkok), self.assertRaises(ValidationError) as caught:
            services.raster_upload(
                municipality=self.bangkok, acting_user=self.engineer, upload=upload, name="", kind=kind
            )
        assert not Raster._base_manager.filter(municipality=self.bangkok).exists()
        assert set(stored_raster_files()) == self.before
        return " ".join(caught.exception.messages)

    def test_a_raster_without_a_crs_is_refused(self):
        path = write_tif(
            self.tmp / "no-crs.tif", np.ones((10, 10), np.float32), crs=None, transform=from_origin(0, 10, 1, 1)
        )
        assert "ไม่มีระบบพิกัด (CRS)" in self.refused(as_upload(path))

    def test_a_raster_that_misses_the_municipality_is_refused(self):
        elsewhere = MunicipalityFactory()  # 99° E, 15° N: far from Bangkok
        member = MembershipFactory(municipality=elsewhere, role=Role.ENGINEER).user
        with scoped_to(elsewhere), self.assertRaises(ValidationError) as caught:
            services.raster_upload(
                municipality=elsewhere, acting_user=member, upload=as_upload(DEM), name="", kind="dem"
            )
        assert f"ภาพอยู่นอกเขต{elsewhere.display_name}" in caught.exception.messages[0]
        assert not Raster._base_manager.filter(municipality=elsewhere).exists()
        assert set(stored_raster_files()) == self.before

    def test_a_corrupt_tiff_is_refused(self):
        truncated = DEM.read_bytes()[:3000]
        assert "ไม่ใช่ไฟล์ GeoTIFF หรือไฟล์เสีย" in self.refused(as_upload(self._write("cut.tif", truncated)))
        assert "ไม่ใช่ไฟล์ GeoTIFF หรือไฟล์เสีย" in self.refused(as_upload(self._write("text.tif", b"not a tiff at all")))

    def test_a_png_is_not_taken_for_a_geotiff(self):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8)).save(buffer, "PNG")
        message = self.refused(as_upload(self._write("picture.tif", buffer.getvalue())))
        assert "GeoTIFF" in message

    @override_settings(RASTER_MAX_UPLOAD_BYTES=50_000)
    def test_a_raster_over_the_size_limit_is_refused_before_it_is_read(self):
        assert "ไฟล์ใหญ่เกินกำหนด" in self.refused(as_upload(SENTINEL))

    def test_the_upload_page_shows_the_thai_message_and_keeps_nothing(self):
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)
        path = write_tif(
            self.tmp / "no-crs.tif", np.ones((4, 4), np.uint8), crs=None, transform=from_origin(0, 4, 1, 1)
        )
        with path.open("rb") as handle:
            response = self.client.post(reverse("rasters:upload"), {"name": "x", "kind": "dem", "file": handle})
        assert response.status_code == 400
        assert "ไม่มีระบบพิกัด (CRS)" in response.content.decode()
        assert not Raster._base_manager.filter(municipality=self.bangkok).exists()

    def _write(self, name: str, content: bytes) -> Path:
        path = self.tmp / name
        path.write_bytes(content)
        return path


class CloudOptimizedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.bangkok = MunicipalityFactory(boundary=bangkok_boundary())
        cls.engineer = MembershipFactory(municipality=cls.bangkok, role=Role.ENGINEER).user
        cls.outsider = MembershipFactory(role=Role.ENGINEER).user
        with scoped_to(cls.bangkok):
            cls.dem = services.raster_upload(
                municipality=cls.bangkok,
                acting_user=cls.engineer,
                upload=as_upload(DEM),
                name="DEM คลองเตย",
                kind="dem",
            )
            tasks.raster_convert(task_id=cls.dem.task_id, raster_id=cls.dem.pk)
            cls.photo = services.raster_upload(
                municipality=cls.bangkok,
                acting_user=cls.engineer,
                upload=as_upload(SENTINEL),
                name="Sentinel-2",
                kind="orthophoto",
            )
            services.raster_convert(raster=cls.photo)

    def setUp(self):
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)

    def test_the_upload_is_described_and_converted_to_a_valid_cog_in_the_background_task(self):
        with scoped_to(self.bangkok):
            dem = Raster.objects.select_related("task").get(pk=self.dem.pk)
        assert (dem.status, dem.crs, dem.width, dem.height, dem.band_count, dem.dtype) == (
            RasterStatus.READY,
            "EPSG:4326",
            182,
            164,
            1,
            "int16",
        )
        assert dem.nodata == -32768
        assert dem.task.status == TaskStatus.DONE
        assert dem.source.name == ""  # the original is dropped once the COG exists
        valid, errors, _warnings = cog_validate(dem.cog.path, quiet=True)
        assert valid, errors
        low, high = dem.value_range[0]
        assert 0 <= low < high <= 44  # the DEM's heights over Khlong Toei, in metres

    def test_a_tile_over_the_dem_is_a_coloured_png_and_a_tile_elsewhere_is_empty(self):
        response = self.client.get(reverse("rasters:tile", args=[self.dem.pk, 14, 12769, 7561]))
        assert response.status_code == 200, response.status_code
        assert response["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(response.content)).convert("RGBA")
        assert image.size == (256, 256)
        alpha = np.asarray(image)[..., 3]
        assert (alpha > 0).mean() > 0.5
        assert self.client.get(reverse("rasters:tile", args=[self.dem.pk, 14, 100, 100])).status_code == 204

    def test_the_sentinel_image_is_drawn_in_its_own_colours(self):
        response = self.client.get(reverse("rasters:tile", args=[self.photo.pk, 15, 25538, 15123]))
        assert response.status_code == 200
        pixels = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGBA"))
        opaque = pixels[pixels[..., 3] > 0][:, :3]
        assert len(opaque) > 1000
        assert len({tuple(p) for p in opaque[:: max(1, len(opaque) // 500)]}) > 50  # a picture, not a flat fill

    def test_the_raster_page_puts_our_tile_layer_on_the_map(self):
        page = self.client.get(reverse("rasters:detail", args=[self.dem.pk])).content.decode()
        assert f"/rasters/{self.dem.pk}/tiles/{{z}}/{{x}}/{{y}}.png" in page
        assert "EPSG:4326" in page

    def test_an_outsider_gets_no_page_and_no_tile(self):
        self.client.login(username=self.outsider.username, password=TEST_PASSWORD)
        assert self.client.get(reverse("rasters:detail", args=[self.dem.pk])).status_code == 404
        assert self.client.get(reverse("rasters:tile", args=[self.dem.pk, 14, 12769, 7561])).status_code == 404
        assert "DEM คลองเตย" not in self.client.get(reverse("rasters:list")).content.decode()

    def test_an_executive_sees_rasters_but_cannot_upload(self):
        executive = MembershipFactory(municipality=self.bangkok, role=Role.EXECUTIVE).user
        self.client.login(username=executive.username, password=TEST_PASSWORD)
        assert self.client.get(reverse("rasters:list")).status_code == 200
        with DEM.open("rb") as handle:
            response = self.client.post(reverse("rasters:upload"), {"kind": "dem", "file": handle})
        assert response.status_code == 403
