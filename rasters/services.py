"""Uploading a GeoTIFF, converting it to a Cloud-Optimized GeoTIFF, and cutting map tiles from it.

An upload is checked with rasterio before anything is stored: it must be a readable GeoTIFF with a
coordinate reference system, overlapping the municipality, under the size limit. Only then is the
file saved (through Django's storage API), its row written and the conversion to COG handed to the
background worker (rasters.tasks). Files are read from local paths; storage that has none (S3…)
is copied to a temporary file first.
"""

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import rasterio
from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from rasterio.errors import RasterioError
from rasterio.warp import transform_bounds
from rio_cogeo.cogeo import cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles

from jobs.progress import NullProgress
from jobs.services import task_start
from rasters.models import FloodAnalysis, Raster, RasterKind, RasterStatus

PREVIEW_SIZE = 512  # pixels a side read to check the data and set the display range


@contextmanager
def local_path(field_file):
    """A filesystem path for a stored file, copying it out of remote storage when needed."""
    try:
        yield Path(field_file.path)
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(suffix=Path(field_file.name).suffix) as tmp:
        with field_file.open("rb") as source:
            shutil.copyfileobj(source, tmp)
        tmp.flush()
        yield Path(tmp.name)


@contextmanager
def _upload_path(upload: UploadedFile):
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    with tempfile.NamedTemporaryFile(suffix=".tif") as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        yield Path(tmp.name)


def describe(path: Path, *, municipality) -> dict:
    """Read a GeoTIFF's metadata and a preview of its values; a Thai ValidationError if unusable."""
    try:
        with rasterio.open(path) as ds:
            if ds.driver != "GTiff":
                raise ValidationError({"file": _("ไฟล์นี้ไม่ใช่ GeoTIFF (พบรูปแบบ %(driver)s)") % {"driver": ds.driver}})
            if ds.crs is None:
                raise ValidationError(
                    {"file": _("ไฟล์ไม่มีระบบพิกัด (CRS) จึงวางบนแผนที่ไม่ได้ โปรดกำหนดระบบพิกัดก่อน เช่น EPSG:32647")}
                )
            west, south, east, north = transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=21)
            footprint = Polygon.from_bbox((west, south, east, north))
            footprint.srid = 4326
            if not footprint.intersects(municipality.boundary):
                raise ValidationError(
                    {
                        "file": _(
                            "ภาพอยู่นอกเขต%(name)s (ขอบเขตภาพ %(w).4f, %(s).4f – %(e).4f, %(n).4f) "
                            "โปรดตรวจสอบระบบพิกัดหรือเลือกภาพของพื้นที่นี้"
                        )
                        % {"name": municipality.display_name, "w": west, "s": south, "e": east, "n": north}
                    }
                )
            scale = max(ds.width, ds.height) / PREVIEW_SIZE
            shape = (ds.count, max(1, round(ds.height / max(scale, 1))), max(1, round(ds.width / max(scale, 1))))
            preview = ds.read(out_shape=shape, masked=True)
            value_range = []
            for band in preview:
                values = band.compressed()
                values = values[np.isfinite(values)]
                if values.size:
                    low, high = np.percentile(values, [2, 98])
                    value_range.append([float(low), float(high)])
                else:
                    value_range.append([0.0, 1.0])
            return {
                "crs": ds.crs.to_string()[:100],
                "footprint": footprint,
                "width": ds.width,
                "height": ds.height,
                "band_count": ds.count,
                "dtype": ds.dtypes[0],
                "nodata": ds.nodata,
                "pixel_size": abs(ds.res[0]),
                "value_range": value_range,
            }
    except RasterioError:
        raise ValidationError({"file": _("อ่านไฟล์ไม่ได้: ไม่ใช่ไฟล์ GeoTIFF หรือไฟล์เสีย")}) from None


@transaction.atomic
def raster_upload(*, municipality, acting_user, upload: UploadedFile, name: str, kind: str) -> Raster:
    """Validate and store an uploaded GeoTIFF, then queue its conversion to COG."""
    limit = settings.RASTER_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "file": _("ไฟล์ใหญ่เกินกำหนด (%(size).1f MB เกิน %(limit).0f MB)")
                % {"size": upload.size / 2**20, "limit": limit / 2**20}
            }
        )
    if kind not in RasterKind.values:
        raise ValidationError({"kind": _("เลือกประเภทของภาพ")})
    with _upload_path(upload) as path:
        facts = describe(path, municipality=municipality)
    raster = Raster(
        municipality=municipality,
        name=name.strip() or Path(upload.name).stem,
        kind=kind,
        uploaded_by=acting_user,
        size_bytes=upload.size,
        **facts,
    )
    raster.full_clean(exclude=["source", "cog"])
    upload.seek(0)
    raster.source.save(Path(upload.name).name, upload, save=False)
    try:
        raster.save()
        from rasters.tasks import raster_convert

        raster.task = task_start(
            municipality=municipality,
            acting_user=acting_user,
            kind="raster_convert",
            title=_("แปลง %(name)s เป็น Cloud-Optimized GeoTIFF") % {"name": raster.name},
            job=raster_convert,
            raster_id=raster.pk,
        )
        raster.save(update_fields=["task"])
    except Exception:
        raster.source.storage.delete(raster.source.name)  # no file without its row
        raise
    return raster


def raster_convert(*, raster: Raster, progress=None) -> Raster:
    """Turn the stored source into a COG (DEFLATE, 512 px internal tiles, overviews) and drop the source."""
    progress = progress or NullProgress()
    progress.set_total(3)
    progress.say(_("กำลังแปลงเป็น COG"))
    with local_path(raster.source) as source, tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"{Path(raster.source.name).stem}.cog.tif"
        profile = cog_profiles.get("deflate")
        profile.update(blockxsize=512, blockysize=512)
        resampling = "bilinear" if raster.kind in (RasterKind.ORTHOPHOTO, RasterKind.DEM) else "nearest"
        cog_translate(str(source), str(target), profile, overview_resampling=resampling, in_memory=False, quiet=True)
        progress.advance()
        valid, errors, _warnings = cog_validate(str(target), quiet=True)
        if not valid:
            raise ValidationError(_("ไฟล์ที่แปลงแล้วไม่เป็น COG ที่ถูกต้อง: %(errors)s") % {"errors": "; ".join(errors)})
        progress.advance()
        with target.open("rb") as handle:
            raster.cog.save(target.name, File(handle), save=False)
    source_name = raster.source.name
    raster.source = ""
    raster.status = RasterStatus.READY
    raster.message = ""
    raster.save(update_fields=["cog", "source", "status", "message"])
    Raster.source.field.storage.delete(source_name)
    progress.advance()
    return raster


@transaction.atomic
def flood_analysis_start(*, raster: Raster, threshold_m, acting_user) -> FloodAnalysis:
    """Record a flood analysis of a ready flood raster and queue it for the worker."""
    from rasters.tasks import flood_analyse

    if not raster.is_flood_map:
        raise ValidationError({"raster": _("วิเคราะห์น้ำท่วมได้เฉพาะแผนที่ความลึกหรือขอบเขตน้ำท่วม")})
    if raster.status != RasterStatus.READY:
        raise ValidationError({"raster": _("ภาพยังแปลงเป็น COG ไม่เสร็จ โปรดรอสักครู่")})
    analysis = FloodAnalysis(
        municipality_id=raster.municipality_id, raster=raster, threshold_m=threshold_m, created_by=acting_user
    )
    analysis.full_clean()
    analysis.save()
    analysis.task = task_start(
        municipality=raster.municipality,
        acting_user=acting_user,
        kind="flood_analysis",
        title=str(analysis),
        job=flood_analyse,
        analysis_id=analysis.pk,
    )
    analysis.save(update_fields=["task"])
    return analysis
