"""Test files made the way municipalities make them: from a real tambon boundary, with geopandas."""

import io
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from pyproj import Transformer
from shapely.geometry import shape
from shapely.ops import polylabel

from fixtures.demo import boundary_feature
from tests.factories import MunicipalityFactory

LAM_PHAYA = shape(boundary_feature("TH730514")["geometry"])  # RTSD/OCHA COD-AB, west of 102° E: UTM 47N
LOT_M = 40
LAND_TYPES = ["โฉนด", "น.ส.3 ก", "สปก 4-01"]


def municipality_on_real_boundary(**kwargs):
    multi = shapely.MultiPolygon([LAM_PHAYA]) if LAM_PHAYA.geom_type == "Polygon" else LAM_PHAYA
    return MunicipalityFactory(boundary=GEOSGeometry(multi.wkt, srid=4326), area_srid=32647, **kwargs)


def lots(n: int, *, first: int = 1, columns: int = 5) -> list[shapely.Polygon]:
    """`n` square lots of 40 m in a grid around the middle of Lam Phaya, in WGS 84."""
    to_utm = Transformer.from_crs(4326, 32647, always_xy=True)
    to_wgs = Transformer.from_crs(32647, 4326, always_xy=True)
    centre = polylabel(LAM_PHAYA, tolerance=1e-5)
    x0, y0 = to_utm.transform(centre.x, centre.y)
    squares = []
    for i in range(first - 1, first - 1 + n):
        x, y = x0 + (i % columns) * LOT_M, y0 + (i // columns) * LOT_M
        ring = [(x, y), (x + LOT_M, y), (x + LOT_M, y + LOT_M), (x, y + LOT_M), (x, y)]
        squares.append(shapely.Polygon([to_wgs.transform(px, py) for px, py in ring]))
    return squares


def parcels_frame(n: int = 12, *, first: int = 1) -> gpd.GeoDataFrame:
    """Parcels with the LTAX GIS export's field names and Thai document types."""
    return gpd.GeoDataFrame(
        {
            "parcel_code": [f"01A{i:03d}" for i in range(first, first + n)],
            "land_no": [str(100 + i) for i in range(n)],
            "survey": [str(2000 + i) for i in range(n)],
            "Mapsheet": "5036IV6620",
            "land_type": [LAND_TYPES[i % 3] for i in range(n)],
            "Scale": "1:4000",
            "area_sq_wah": ["400.00"] * n,
        },
        geometry=lots(n, first=first),
        crs=4326,
    )


def write(
    frame: gpd.GeoDataFrame,
    folder: Path,
    fmt: str,
    *,
    name: str = "parcels",
    encoding: str = "UTF-8",
    crs: int | None = None,
    cpg: bool = True,
    prj: bool = True,
) -> Path:
    """Write `frame` as a municipality would hand it over: a zipped shapefile, a GeoPackage, …"""
    if crs is not None:
        frame = frame.to_crs(crs)
    if fmt == "shp":
        parts = folder / f"{name}-parts"
        parts.mkdir()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DBF names are cut to 10 characters, as in real municipal files
            frame.to_file(parts / f"{name}.shp", engine="pyogrio", encoding=encoding)
        if not cpg:
            (parts / f"{name}.cpg").unlink(missing_ok=True)
        if not prj:
            (parts / f"{name}.prj").unlink()
        return zip_folder(parts, folder / f"{name}.zip")
    if fmt in ("csv", "xlsx"):
        table = frame.drop(columns="geometry").assign(wkt=shapely.to_wkt(frame.geometry.values, rounding_precision=-1))
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            path.write_bytes(table.to_csv(index=False).encode(encoding))
        else:
            table.to_excel(path, index=False)
        return path
    suffix, driver = {"gpkg": ("gpkg", "GPKG"), "geojson": ("geojson", "GeoJSON"), "kml": ("kml", "KML")}[fmt]
    path = folder / f"{name}.{suffix}"
    frame.to_file(path, driver=driver, engine="pyogrio")
    return path


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    return target


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def self_intersecting(vertices: int = 10_000) -> shapely.Polygon:
    """A star-like ring that crosses itself many times (a digitising accident), inside Lam Phaya."""
    centre = polylabel(LAM_PHAYA, tolerance=1e-5)
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    radius = 0.0004 * (1 + 0.6 * np.sin(angles * 7))
    order = np.argsort((angles * 3) % (2 * np.pi), kind="stable")  # visit the points out of order: crossings
    xs, ys = centre.x + radius[order] * np.cos(angles[order]), centre.y + radius[order] * np.sin(angles[order])
    return shapely.Polygon(np.column_stack([xs, ys]))


def run(town, path, layer="parcels", zones=None, **options):
    """Import a file into `town` as a member limited to `zones` (None: every zone) would."""
    from dataio.services import ImportOptions, import_file
    from municipalities.tenancy import scoped_to

    with scoped_to(town, zones=zones):
        return import_file(
            municipality=town, acting_user=None, path=path, options=ImportOptions(layer=layer, **options)
        )


def check(town, path, layer="parcels", **options):
    from dataio.services import ImportOptions, check_file
    from municipalities.tenancy import scoped_to

    with scoped_to(town):
        return check_file(municipality=town, path=path, options=ImportOptions(layer=layer, **options))


def export_and_import(source, target, folder: Path, *, fmt: str, layer: str = "parcels", encoding: str = "utf-8"):
    """Export a layer of `source` as a real file in `folder` and import that file into `target`."""
    from dataio.services import ImportOptions, export_layer, import_file
    from municipalities.tenancy import scoped_to

    with scoped_to(source):
        exported = export_layer(municipality=source, acting_user=None, layer=layer, fmt=fmt, encoding=encoding)
    path = folder / exported.filename
    path.write_bytes(exported.content)
    with warnings.catch_warnings(), scoped_to(target):
        warnings.simplefilter("ignore")  # shapefile names cut to 10 characters, on purpose
        return import_file(municipality=target, acting_user=None, path=path, options=ImportOptions(layer=layer))
