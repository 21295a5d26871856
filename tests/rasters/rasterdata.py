"""Rasters for the tests: the real Bangkok DEM and Sentinel-2 image, flood depth derived from the DEM,
small synthetic GeoTIFFs, an independent computation of the zonal statistics to check against, and
the tax engine's scenario town laid on a synthetic flood."""

from decimal import Decimal
from pathlib import Path

import numpy as np
import rasterio
import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from pyproj import Transformer
from rasterio.transform import from_origin, rowcol

from assets.models import Building, Parcel
from municipalities.tenancy import scoped_to
from rasters import flood, services

DATA = Path(__file__).resolve().parents[2] / "fixtures" / "data" / "raster"
DEM = DATA / "bangkok_khlongtoei_aster_gdem_v3.tif"
SENTINEL = DATA / "bangkok_khlongtoei_sentinel2_rgb_10m.tif"
# Inside both rasters' extent (the DEM: 100.5510–100.6015 E, 13.6971–13.7426 N).
BANGKOK_BOX = (100.5560, 13.7000, 100.5980, 13.7400)


def bangkok_boundary() -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox(BANGKOK_BOX), srid=4326)


def write_tif(path: Path, bands: np.ndarray, *, crs, transform, nodata=None) -> Path:
    bands = bands if bands.ndim == 3 else bands[None]
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=bands.shape[2],
        height=bands.shape[1],
        count=bands.shape[0],
        dtype=bands.dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as ds:
        ds.write(bands)
    return path


def flood_depth_from_dem(target: Path, *, water_level_m: float) -> Path:
    """Water standing at `water_level_m` above the DEM's datum: depth = level − elevation, 0 where dry."""
    with rasterio.open(DEM) as dem:
        elevation = dem.read(1, masked=True).astype(np.float32)
        depth = np.clip(water_level_m - elevation, 0, None).filled(-9999).astype(np.float32)
        return write_tif(target, depth, crs=dem.crs, transform=dem.transform, nodata=-9999)


def as_upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="image/tiff")


def read_depth(path: Path) -> tuple[np.ndarray, object, object]:
    with rasterio.open(path) as ds:
        return np.ma.filled(ds.read(1, masked=True).astype(np.float64), np.nan), ds.transform, ds.crs


def expected_stats(depth, transform, crs, polygon, threshold: float):
    """(flooded share, mean depth, max depth) of a polygon, cell by cell with shapely intersections.

    `polygon` is a shapely geometry already in the raster's CRS; no-data counts as dry.
    """
    xmin, ymin, xmax, ymax = polygon.bounds
    rows, cols = rowcol(transform, [xmin, xmax], [ymax, ymin])
    total = wet_weight = wet_depth = 0.0
    deepest = None
    for r in range(max(rows[0], 0), min(rows[1], depth.shape[0] - 1) + 1):
        for c in range(max(cols[0], 0), min(cols[1], depth.shape[1] - 1) + 1):
            x0, y0 = transform * (c, r)
            x1, y1 = transform * (c + 1, r + 1)
            cell = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            weight = cell.intersection(polygon).area / cell.area
            if weight <= 0:
                continue
            total += weight
            d = depth[r, c]
            if np.isfinite(d) and d >= threshold:
                wet_weight += weight
                wet_depth += weight * d
                deepest = d if deepest is None else max(deepest, d)
    if total == 0:
        return None
    return wet_weight / total, (wet_depth / wet_weight if wet_weight else None), deepest


def to_crs(geom: GEOSGeometry, crs):
    """A stored (EPSG:4326) geometry as shapely in `crs`."""
    transformer = Transformer.from_crs(4326, crs, always_xy=True)
    return shapely.transform(
        shapely.from_wkb(bytes(geom.wkb)), lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def from_crs(geom, crs, *, multi=False) -> GEOSGeometry:
    """A shapely geometry in `crs` as a GEOS geometry in EPSG:4326."""
    transformer = Transformer.from_crs(crs, 4326, always_xy=True)
    wgs = shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    if multi and wgs.geom_type == "Polygon":
        wgs = shapely.MultiPolygon([wgs])
    return GEOSGeometry(memoryview(shapely.to_wkb(wgs)), srid=4326)


def run_analysis(municipality, user, path: Path, threshold: str, kind="flood_depth"):
    """Upload, convert and analyse a flood raster through the real services; the finished analysis."""
    with scoped_to(municipality):
        raster = services.raster_upload(
            municipality=municipality, acting_user=user, upload=as_upload(path), name=path.stem, kind=kind
        )
        services.raster_convert(raster=raster)
        analysis = services.flood_analysis_start(raster=raster, threshold_m=Decimal(threshold), acting_user=user)
        flood.flood_analyse(analysis=analysis)
        analysis.refresh_from_db()
    return analysis


# The tax engine's scenario (tests/taxes/scenario.py) on a row of 20 m parcels, water 1 m deep over five.
SCENARIO_ORDER = ["01A001", "01A002", "01A003", "01A004", "01A005", "01A006", "01A007", "01A008"]
SCENARIO_FLOODED = {"01A001", "01A002", "01A003", "01A007", "01A008"}


def scenario_flood_raster(municipality, parcels: dict, target: Path, crs="EPSG:32647") -> Path:
    """Move the scenario's parcels (and their buildings) into a row near the town's centre, one per
    2 × 2 cells of 10 m, and write a flood raster 1 m deep over SCENARIO_FLOODED, dry elsewhere."""
    lon, lat = municipality.boundary.centroid.coords
    x0, y0 = (round(v, -1) for v in Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat))
    depth = np.zeros((2, 2 * len(SCENARIO_ORDER)), dtype=np.float32)
    for n, code in enumerate(SCENARIO_ORDER):
        box = shapely.box(x0 + 20 * n + 2, y0 - 18, x0 + 20 * n + 18, y0 - 2)
        Parcel._base_manager.filter(pk=parcels[code].pk).update(geom=from_crs(box, crs, multi=True))
        Building._base_manager.filter(parcel=parcels[code]).update(footprint=from_crs(box.buffer(-4), crs))
        if code in SCENARIO_FLOODED:
            depth[:, 2 * n : 2 * n + 2] = 1.0
    return write_tif(target, depth, crs=crs, transform=from_origin(x0, y0, 10.0, 10.0))
