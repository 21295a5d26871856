"""Reads of flood analyses: the affected features with their register facts, for maps and exports."""

import json

from assets.models import InfrastructureAsset, Parcel
from rasters.flood import affected_household_parcels
from rasters.models import FloodAnalysis, FloodImpact, ImpactLayer

MAP_LIMIT = 3000  # features drawn on the analysis map per layer, deepest first


def impacts(analysis: FloodAnalysis, layer: str):
    related = {"parcel": "parcel", "building": "building__parcel", "asset": "asset"}[layer]
    return (
        FloodImpact.objects.filter(analysis=analysis, layer=layer)
        .select_related(related)
        .order_by("-max_depth_m", "-flooded_share", "id")
    )


def _target(impact):
    return impact.parcel or impact.building or impact.asset


def describe(impact) -> dict:
    """Register facts of a flooded feature, the same for the map, XLSX and GeoPackage."""
    target = _target(impact)
    if impact.layer == ImpactLayer.PARCEL:
        code, kind, value = target.parcel_code, "", target.land_value
    elif impact.layer == ImpactLayer.BUILDING:
        code, kind, value = target.building_code, target.get_building_type_display(), None
    else:
        code, kind, value = target.asset_code, target.get_kind_display(), target.replacement_cost
    return {
        "code": code,
        "kind": str(kind),
        "flooded_share": round(impact.flooded_share, 4),
        "mean_depth_m": None if impact.mean_depth_m is None else round(impact.mean_depth_m, 3),
        "max_depth_m": None if impact.max_depth_m is None else round(impact.max_depth_m, 3),
        "value": value,
    }


def geometry_of(impact):
    target = _target(impact)
    return target.footprint if impact.layer == ImpactLayer.BUILDING else target.geom


def impacts_geojson(analysis: FloodAnalysis, layer: str, limit: int = MAP_LIMIT) -> dict:
    features = []
    for impact in impacts(analysis, layer)[:limit]:
        properties = describe(impact)
        properties["value"] = None if properties["value"] is None else str(properties["value"])
        properties["share_pct"] = f"{impact.flooded_share:.0%}"
        features.append(
            {"type": "Feature", "geometry": json.loads(geometry_of(impact).geojson), "properties": properties}
        )
    return {"type": "FeatureCollection", "features": features}


def households(analysis: FloodAnalysis):
    """Main-residence parcels affected, with their first building's house number."""
    ids = affected_household_parcels(analysis)
    return Parcel.objects.filter(pk__in=ids).prefetch_related("buildings").order_by("parcel_code")


def asset_value_label(kind: str) -> str:
    return str(dict(InfrastructureAsset._meta.get_field("kind").choices).get(kind, kind))
