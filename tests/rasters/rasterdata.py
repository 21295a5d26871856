"""Rasters for the tests: the real Bangkok DEM and Sentinel-2 image, flood depth derived from the DEM,
small synthetic GeoTIFFs, and an independent computation of the zonal statistics to check against."""

from pathlib import Path

import numpy as np
import rasterio
import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from pyproj import Transformer
from rasterio.transform import rowcol

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
