"""Benchmark: zonal statistics of a flood raster over the 100,000-parcel benchmark town.

    THESABAN_DB_NAME=thesaban_x .venv/bin/python manage.py seed_demo --parcels 100000
    THESABAN_DB_NAME=thesaban_x .venv/bin/python manage.py assess --municipality 400101 --year 2026  # optional
    THESABAN_DB_NAME=thesaban_x .venv/bin/python bench/flood.py [--resolution 5] [--repeat 3] [--tax-year 2026]

The benchmark town (fixtures/bulk.py) lies in Mueang Khon Kaen, where we have no real flood map. The
flood raster is made from the real ASTER DEM of Khlong Toei (fixtures/data/raster): its heights are
georeferenced over the town's extent (stretched with bilinear resampling onto a UTM 48N grid of
`--resolution` metres), and water stands at the 35th percentile of those heights, so about a third
of the town is under water. The raster goes through the real pipeline (validation, COG, then the
flood analysis); timings are wall-clock on this machine, exactextract runs on one core. When the town
has an assessment run for `--tax-year`, the reads of the flood page and exports that join the tax of
the flooded parcels at read time (rasters/selectors.py) are timed too.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import geopandas  # noqa: E402
import numpy as np  # noqa: E402
import rasterio  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files import File  # noqa: E402
from django.db import transaction  # noqa: E402
from exactextract import exact_extract  # noqa: E402
from exactextract.raster import NumPyRasterSource  # noqa: E402
from rasterio.transform import from_bounds, from_origin  # noqa: E402
from rasterio.warp import Resampling, reproject, transform_bounds  # noqa: E402

from fixtures.bulk import LARGE  # noqa: E402
from municipalities.models import Municipality  # noqa: E402
from municipalities.tenancy import platform_scope, scoped_to  # noqa: E402
from rasters import exports, flood, selectors, services  # noqa: E402
from rasters.models import ImpactLayer  # noqa: E402
from taxes.selectors import current_run, parcel_tax_status  # noqa: E402

DEM = ROOT / "fixtures" / "data" / "raster" / "bangkok_khlongtoei_aster_gdem_v3.tif"


def make_flood_raster(municipality, resolution: float, target: Path) -> tuple[Path, float]:
    crs = f"EPSG:{municipality.area_srid}"
    west, south, east, north = transform_bounds("EPSG:4326", crs, *municipality.boundary.extent)
    width, height = int((east - west) / resolution) + 1, int((north - south) / resolution) + 1
    with rasterio.open(DEM) as dem:
        heights = dem.read(1, masked=True).astype(np.float32).filled(np.nan)
    elevation = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        heights,
        elevation,
        src_transform=from_bounds(west, south, east, north, heights.shape[1], heights.shape[0]),
        src_crs=crs,
        src_nodata=np.nan,
        dst_transform=from_origin(west, north, resolution, resolution),
        dst_crs=crs,
        dst_nodata=np.nan,
        resampling=Resampling.bilinear,
    )
    level = float(np.nanpercentile(elevation, 35))
    depth = np.where(np.isfinite(elevation), np.clip(level - elevation, 0, None), -9999).astype(np.float32)
    transform = from_origin(west, north, resolution, resolution)
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32", "crs": crs,
               "nodata": -9999, "transform": transform, "compress": "deflate", "tiled": True}  # fmt: skip
    with rasterio.open(target, "w", **profile) as out:
        out.write(depth, 1)
    return target, level


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=float, default=5.0, help="cell size of the flood raster, metres")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the zonal statistics (median reported)")
    parser.add_argument("--threshold", type=Decimal, default=Decimal("0.10"), help="flood depth threshold, metres")
    parser.add_argument("--tax-year", type=int, default=2026, help="tax year whose run the tax reads join")
    args = parser.parse_args()

    with platform_scope():
        municipality = Municipality.objects.filter(code=LARGE.code).first()
    if municipality is None:
        sys.exit(f"No benchmark town: run `manage.py seed_demo --parcels 100000` first (code {LARGE.code}).")
    user = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.first()

    # One transaction, rolled back at the end: no row stays and no background job is queued.
    with tempfile.TemporaryDirectory() as tmp, scoped_to(municipality), transaction.atomic():
        started = time.perf_counter()
        path, level = make_flood_raster(municipality, args.resolution, Path(tmp) / "khon-kaen-flood.tif")
        made = time.perf_counter() - started
        with path.open("rb") as handle:
            upload = File(handle, name=path.name)
            tick = time.perf_counter()
            raster = services.raster_upload(
                municipality=municipality, acting_user=user, upload=upload, name="bench flood", kind="flood_depth"
            )
            services.raster_convert(raster=raster)
            cog_s = time.perf_counter() - tick

        with services.local_path(raster.cog) as cog, rasterio.open(cog) as dataset:
            tick = time.perf_counter()
            layers = flood.read_layers(municipality, raster.footprint, dataset.crs)
            fetch_s = time.perf_counter() - tick
            tick = time.perf_counter()
            depth, bounds = flood.read_depth(dataset, layers)
            read_s = time.perf_counter() - tick
        parcels = layers[ImpactLayer.PARCEL]
        runs = []
        for _ in range(args.repeat):
            tick = time.perf_counter()
            stats = flood.zonal_statistics(depth, bounds, float(args.threshold), parcels)
            runs.append(time.perf_counter() - tick)
        zonal_s = statistics.median(runs)
        flooded = int((stats["flooded_share"] > 0).sum())
        # Side by side: the same statistics with exactextract reading a GeoDataFrame (its stock
        # feature source builds GeoJSON per feature), to show what the WKB feature source saves.
        frame = geopandas.GeoDataFrame({"id": parcels.ids}, geometry=parcels.geoms, crs=raster.crs)
        wet = np.isfinite(depth) & (depth >= float(args.threshold))
        tick = time.perf_counter()
        exact_extract(
            [NumPyRasterSource(wet.astype(np.float32), *bounds, name="flooded"),
             NumPyRasterSource(np.where(wet, depth, np.nan).astype(np.float32), *bounds, name="depth")],
            frame, [f"mean({flood.MIN_COVERAGE})", f"max({flood.MIN_COVERAGE})"], include_cols=["id"], output="pandas",
        )  # fmt: skip
        geopandas_s = time.perf_counter() - tick

        analysis = services.flood_analysis_start(raster=raster, threshold_m=args.threshold, acting_user=user)
        tick = time.perf_counter()
        summary = flood.flood_analyse(analysis=analysis)
        total_s = time.perf_counter() - tick

        print(
            f"flood raster: {depth.shape[1]} x {depth.shape[0]} cells of {args.resolution:g} m, water at {level:.1f} m"
            f" (made in {made:.1f} s; validation + COG {cog_s:.1f} s)"
        )
        print(f"parcels: {len(parcels.ids):,}; flooded: {flooded:,} ({flooded / len(parcels.ids):.0%})")
        print(f"read parcels, buildings, assets from PostGIS and reproject: {fetch_s:.2f} s")
        print(f"read the raster window: {read_s:.2f} s")
        print(
            f"zonal statistics (exactextract, parcels only, median of {args.repeat}): {zonal_s:.2f} s"
            f" = {len(parcels.ids) / zonal_s:,.0f} parcels/s on one core  [runs: {', '.join(f'{r:.2f}' for r in runs)}]"
        )
        print(
            f"  same, through exactextract's GeoPandas feature source: {geopandas_s:.2f} s"
            f" = {len(parcels.ids) / geopandas_s:,.0f} parcels/s"
        )
        analysed = sum(summary["analysed"].values())
        print(
            f"whole analysis (parcels, buildings, assets; stored; summary): {total_s:.1f} s for {analysed:,} features"
            f" = {analysed / total_s:,.0f} features/s; flooded {summary['flooded']},"
            f" households {summary['households']:,}"
        )
        if current_run(args.tax_year) is not None:
            time_tax_reads(analysis, args.tax_year)
        raster.cog.storage.delete(raster.cog.name)
        transaction.set_rollback(True)


def time_tax_reads(analysis, tax_year: int):
    """The tax of the flooded parcels, joined at read time: the page's totals and the exports' rows."""
    tick = time.perf_counter()
    homes = flood.affected_household_parcels(analysis)
    homes_s = time.perf_counter() - tick
    tick = time.perf_counter()
    totals = selectors.tax_totals(analysis, tax_year, homes)
    totals_s = time.perf_counter() - tick
    flooded = list(analysis.impacts.filter(layer=ImpactLayer.PARCEL).values_list("parcel_id", flat=True))
    tick = time.perf_counter()
    rows = parcel_tax_status(tax_year=tax_year, parcel_ids=flooded)
    rows_s = time.perf_counter() - tick
    tick = time.perf_counter()
    exports.workbook(analysis, tax_year=tax_year)
    book_s = time.perf_counter() - tick
    tick = time.perf_counter()
    exports.workbook(analysis)
    plain_s = time.perf_counter() - tick
    parcels = totals["parcels"]
    print(
        f"tax {tax_year}: flooded parcels {parcels.parcels:,} ({parcels.not_assessed:,} not assessed),"
        f" tax {parcels.tax_due:,} baht; households {totals['households'].parcels:,},"
        f" tax {totals['households'].tax_due:,} baht"
    )
    print(f"  affected households (page, exports): {homes_s:.2f} s; tax totals over the view: {totals_s:.2f} s")
    print(f"  per-parcel tax of {len(rows):,} flooded parcels (exports): {rows_s:.2f} s")
    print(f"  XLSX workbook with the tax: {book_s:.1f} s; without it (a reader without VIEW_TAXES): {plain_s:.1f} s")


if __name__ == "__main__":
    main()
