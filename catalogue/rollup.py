"""The national view: many municipalities' packages (catalogue/national.py) merged with dask-geopandas.

The same code runs on a laptop (Dask's local scheduler) and on a Dask cluster (pass a
`distributed.Client`): packages are read as partitioned GeoParquet, summed per municipality and per
province in parallel, and only the small results (one row per municipality and per province) are
brought together. Nothing here touches the database: packages are files, so the roll-up runs where
the national platform runs, never on a municipality's request path (performance-anchors §5).

Outputs in `out_dir`: `municipalities.parquet` and `provinces.parquet` (GeoParquet) with collection
rates and infrastructure condition, their GeoJSON for the map page, and `summary.json`.
"""

import json
from pathlib import Path

import dask.dataframe as dd
import dask_geopandas  # noqa: F401  (GeoDataFrame partitions in Dask)
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from catalogue.national import SCHEMA_VERSION, SIGNBOARD

PROVINCES = Path(__file__).resolve().parent / "data" / "tha_adm1_provinces.geojson"
SUMS = [
    "parcel_count",
    "land_area_sq_wah",
    "assessed_value_baht",
    "assessed_tax_baht",
    "collected_tax_baht",
    "arrears_baht",
]
FILES_PER_PARTITION = 100  # packages read by one task
INFRA_SUMS = [
    "asset_count",
    "length_m",
    "condition_1",
    "condition_2",
    "condition_3",
    "condition_4",
    "condition_5",
    "condition_unknown",
]


class PackageRefused(ValueError):
    """A folder that is not a national package of a schema version this code reads."""


def check_packages(packages) -> list[Path]:
    folders = [Path(p) for p in packages]
    major = SCHEMA_VERSION.split(".")[0]
    for folder in folders:
        manifest = folder / "manifest.json"
        if not manifest.exists():
            raise PackageRefused(f"{folder}: not a national package (no manifest.json)")
        version = json.loads(manifest.read_text(encoding="utf-8")).get("schema_version", "")
        if version.split(".")[0] != major:
            raise PackageRefused(f"{folder}: schema version {version!r}, this code reads {SCHEMA_VERSION}")
    return folders


def _rates(frame: pd.DataFrame) -> pd.DataFrame:
    assessed = frame["assessed_tax_baht"].where(frame["assessed_tax_baht"] > 0)
    frame["collection_rate"] = (frame["collected_tax_baht"] / assessed).round(4)
    inspected = frame[[f"condition_{i}" for i in range(1, 6)]].sum(axis=1)
    weighted = sum(frame[f"condition_{i}"] * i for i in range(1, 6))
    frame["mean_condition"] = (weighted / inspected.where(inspected > 0)).round(2)
    frame["poor_condition_share"] = (
        (frame["condition_4"] + frame["condition_5"]) / inspected.where(inspected > 0)
    ).round(4)
    return frame


def _chunks(folders: list[Path], partitions: int | None) -> list[list[Path]]:
    count = partitions or max(1, min(len(folders), round(len(folders) / FILES_PER_PARTITION)))
    return [list(part) for part in np.array_split(np.array(folders, dtype=object), count) if len(part)]


def _read_table(folders, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One partition: the `name` table of several packages, read by Arrow in one go."""
    return pq.ParquetDataset([str(f / name) for f in folders]).read(columns=columns).to_pandas()


def _read_geo(folders, name: str) -> gpd.GeoDataFrame:
    """One partition of a GeoParquet table of several packages (geometry as WKB, in WGS 84 per the schema)."""
    frame = _read_table(folders, name)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries.from_wkb(frame.pop("geometry")), crs=4326)


def rollup(packages, *, out_dir: Path, partitions: int | None = None) -> dict:
    """Merge `packages` into the national view in `out_dir`; returns the summary (also written).

    Runs on whatever Dask scheduler is active: a `distributed.Client` made by the caller, else
    Dask's default threads.
    """
    folders = check_packages(packages)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = ["lgo_code", "province_code", "use_category", *SUMS]
    # Packages are small files: one partition reads many of them at once (a task per file would cost
    # more in scheduling than in reading). The block outlines are not needed for the sums.
    chunks = _chunks(folders, partitions)
    cells = dd.from_map(_read_table, chunks, name="cells.parquet", columns=columns)
    land = cells[cells["use_category"] != SIGNBOARD]
    by_lgo = land.groupby(["lgo_code", "province_code"])[SUMS].sum()
    signboards = (
        cells[cells["use_category"] == SIGNBOARD]
        .groupby("lgo_code")[["parcel_count", "assessed_tax_baht", "collected_tax_baht"]]
        .sum()
    )
    infrastructure = dd.from_map(_read_table, chunks, name="infrastructure.parquet", columns=["lgo_code", *INFRA_SUMS])
    infra_by_lgo = infrastructure.groupby("lgo_code")[INFRA_SUMS].sum()
    # GeoDataFrame partitions: dask-geopandas makes this a dask_geopandas.GeoDataFrame.
    outlines = dd.from_map(_read_geo, chunks, name="municipality.parquet")
    by_lgo, signboards, infra_by_lgo, outlines = dd.compute(by_lgo, signboards, infra_by_lgo, outlines)

    municipalities = (
        by_lgo.reset_index()
        .merge(signboards.add_prefix("signboard_").reset_index(), on="lgo_code", how="left")
        .merge(infra_by_lgo.reset_index(), on="lgo_code", how="left")
    )
    numeric = municipalities.columns.difference(["lgo_code", "province_code"])
    municipalities[numeric] = municipalities[numeric].fillna(0)
    municipalities = _rates(municipalities)
    names = pd.DataFrame(outlines.drop(columns="geometry"))[
        ["lgo_code", "name_th", "name_en", "centre_lon", "centre_lat"]
    ]
    municipalities = municipalities.merge(names, on="lgo_code", how="left")
    points = gpd.GeoDataFrame(
        municipalities,
        geometry=gpd.points_from_xy(municipalities["centre_lon"], municipalities["centre_lat"]),
        crs=4326,
    )

    totals = municipalities.groupby("province_code")[[*SUMS, *INFRA_SUMS]].sum()
    totals["municipalities"] = municipalities.groupby("province_code").size()
    provinces = gpd.read_file(PROVINCES)
    provinces["province_code"] = provinces["ADM1_PCODE"].str[2:]
    provinces = provinces.merge(totals.reset_index(), on="province_code", how="left")
    provinces[[*SUMS, *INFRA_SUMS, "municipalities"]] = provinces[[*SUMS, *INFRA_SUMS, "municipalities"]].fillna(0)
    provinces = _rates(provinces)

    points.to_parquet(out_dir / "municipalities.parquet", index=False)
    provinces.to_parquet(out_dir / "provinces.parquet", index=False)
    points.to_file(out_dir / "municipalities.geojson", driver="GeoJSON", engine="pyogrio")
    provinces.to_file(out_dir / "provinces.geojson", driver="GeoJSON", engine="pyogrio")
    national = municipalities[[*SUMS, *INFRA_SUMS]].sum()
    summary = {
        "schema_version": SCHEMA_VERSION,
        "packages": len(folders),
        "municipalities": len(municipalities),
        "provinces_with_data": int((provinces["municipalities"] > 0).sum()),
        "parcels": int(national["parcel_count"]),
        "assessed_tax_baht": round(float(national["assessed_tax_baht"]), 2),
        "collected_tax_baht": round(float(national["collected_tax_baht"]), 2),
        "arrears_baht": round(float(national["arrears_baht"]), 2),
        "collection_rate": round(float(national["collected_tax_baht"] / national["assessed_tax_baht"]), 4)
        if national["assessed_tax_baht"]
        else None,
        "infrastructure_assets": int(national["asset_count"]),
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return summary
