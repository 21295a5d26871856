"""Every change to the register goes through these functions.

Each is one transaction: the record is validated as a whole (field validators, `clean()`, database
constraints) and either everything is saved, with its history row naming the acting user, or
nothing is and a `ValidationError` names the field at fault.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assets.choices import LineageKind
from assets.geometry import as_multi
from assets.models import (
    Building,
    BuildingUse,
    InfrastructureAsset,
    LandUse,
    Owner,
    Ownership,
    Parcel,
    ParcelLineage,
    Signboard,
)
from municipalities.concurrency import check_version


def check_parts_total(total: Decimal, parts: Iterable[Decimal], *, field: str, what: str) -> None:
    """Land uses must sum to the parcel's area, building uses to the floor area (LBTA s.38 apportions by them)."""
    parts = list(parts)
    if not parts:
        return
    found = sum(parts, Decimal(0))
    if found != Decimal(total):
        raise ValidationError(
            {
                field: _("ผลรวมพื้นที่%(what)s (%(found)s) ต้องเท่ากับพื้นที่ทั้งหมด (%(total)s)")
                % {"what": what, "found": found, "total": total}
            }
        )


def _save(instance, acting_user):
    instance._history_user = acting_user
    instance.full_clean()
    instance.save()
    return instance


# Parcels -----------------------------------------------------------------------------------------


@transaction.atomic
def parcel_create(*, municipality, acting_user, land_uses: Iterable[dict] = (), **fields) -> Parcel:
    fields["geom"] = as_multi(fields.get("geom"))
    parcel = _save(Parcel(municipality=municipality, **fields), acting_user)
    if land_uses:
        parcel_set_land_uses(parcel=parcel, uses=land_uses, acting_user=acting_user)
    return parcel


@transaction.atomic
def parcel_update(*, parcel: Parcel, acting_user, expected_version: int | None = None, **changes) -> Parcel:
    """Change a parcel. `expected_version` is the version the editor read: if someone else saved the
    parcel since, nothing is changed and a ValidationError on "version" says who and when."""
    check_version(parcel, expected_version)
    if "geom" in changes:
        changes["geom"] = as_multi(changes["geom"])
    for name, value in changes.items():
        setattr(parcel, name, value)
    _save(parcel, acting_user)
    check_parts_total(
        parcel.area_sq_wah,
        parcel.land_uses.values_list("area_sq_wah", flat=True),
        field="area_sq_wah",
        what=_("การใช้ประโยชน์ที่ดิน"),
    )
    return parcel


@transaction.atomic
def parcel_set_land_uses(*, parcel: Parcel, uses: Iterable[dict], acting_user) -> list[LandUse]:
    """Replace a parcel's land uses as a whole; they must sum to its registered area."""
    uses = list(uses)
    check_parts_total(
        parcel.area_sq_wah, [Decimal(u["area_sq_wah"]) for u in uses], field="land_uses", what=_("การใช้ประโยชน์ที่ดิน")
    )
    for old in parcel.land_uses.all():
        old._history_user = acting_user
        old.delete()
    return [_save(LandUse(municipality_id=parcel.municipality_id, parcel=parcel, **use), acting_user) for use in uses]


@transaction.atomic
def parcel_split(*, parcel: Parcel, parts: list[dict], acting_user, on: datetime.date) -> list[Parcel]:
    """Split a parcel (แบ่งแยก) into new parcels; the original is retired and linked to each part."""
    if parcel.retired_on:
        raise ValidationError({"parcel": _("แปลง %(code)s สิ้นสภาพแล้ว") % {"code": parcel.parcel_code}})
    if len(parts) < 2:
        raise ValidationError({"parts": _("การแบ่งแยกต้องได้แปลงใหม่อย่างน้อย 2 แปลง")})
    children = [
        parcel_create(
            municipality=parcel.municipality,
            acting_user=acting_user,
            **{"block": parcel.block, "price_per_sq_wah": parcel.price_per_sq_wah, **part},
        )
        for part in parts
    ]
    _retire(parcel, children, kind=LineageKind.SPLIT, acting_user=acting_user, on=on)
    return children


@transaction.atomic
def parcel_merge(*, parcels: list[Parcel], acting_user, on: datetime.date, **fields) -> Parcel:
    """Merge parcels (รวมแปลง) into a new one; the originals are retired and linked to it."""
    if len(parcels) < 2:
        raise ValidationError({"parcels": _("การรวมแปลงต้องมีอย่างน้อย 2 แปลง")})
    if len({p.municipality_id for p in parcels}) > 1:
        raise ValidationError({"parcels": _("รวมได้เฉพาะแปลงของเทศบาลเดียวกัน")})
    retired = [p.parcel_code for p in parcels if p.retired_on]
    if retired:
        raise ValidationError({"parcels": _("แปลง %(codes)s สิ้นสภาพแล้ว") % {"codes": ", ".join(retired)}})
    if "geom" not in fields:
        union = parcels[0].geom
        for other in parcels[1:]:
            union = union.union(other.geom)
        fields["geom"] = union
    fields.setdefault("area_sq_wah", sum((p.area_sq_wah for p in parcels), Decimal(0)))
    merged = parcel_create(municipality=parcels[0].municipality, acting_user=acting_user, **fields)
    for parcel in parcels:
        _retire(parcel, [merged], kind=LineageKind.MERGE, acting_user=acting_user, on=on)
    return merged


def _retire(parcel: Parcel, children: list[Parcel], *, kind, acting_user, on) -> None:
    parcel.retired_on = on
    parcel._history_user = acting_user
    parcel.save(update_fields=["retired_on"])
    for child in children:
        _save(
            ParcelLineage(
                municipality_id=parcel.municipality_id, parent=parcel, child=child, kind=kind, recorded_on=on
            ),
            acting_user,
        )


# Buildings ---------------------------------------------------------------------------------------


@transaction.atomic
def building_create(*, parcel: Parcel, acting_user, uses: Iterable[dict] = (), **fields) -> Building:
    municipality = fields.pop("municipality", None) or parcel.municipality
    building = _save(Building(municipality=municipality, parcel=parcel, **fields), acting_user)
    if uses:
        building_set_uses(building=building, uses=uses, acting_user=acting_user)
    return building


@transaction.atomic
def building_set_uses(*, building: Building, uses: Iterable[dict], acting_user) -> list[BuildingUse]:
    uses = list(uses)
    check_parts_total(
        building.floor_area_m2,
        [Decimal(u["floor_area_m2"]) for u in uses],
        field="uses",
        what=_("การใช้ประโยชน์สิ่งปลูกสร้าง"),
    )
    for old in building.uses.all():
        old._history_user = acting_user
        old.delete()
    return [
        _save(BuildingUse(municipality_id=building.municipality_id, building=building, **use), acting_user)
        for use in uses
    ]


# Owners ------------------------------------------------------------------------------------------


@transaction.atomic
def owner_create(*, municipality, acting_user, **fields) -> Owner:
    return _save(Owner(municipality=municipality, **fields), acting_user)


@transaction.atomic
def ownership_create(*, owner: Owner, acting_user, parcel=None, building=None, **fields) -> Ownership:
    ownership = _save(
        Ownership(municipality_id=owner.municipality_id, owner=owner, parcel=parcel, building=building, **fields),
        acting_user,
    )
    target = parcel or building
    total = sum(target.ownerships.values_list("share", flat=True), Decimal(0))
    if total > 1:
        raise ValidationError(
            {"share": _("สัดส่วนกรรมสิทธิ์รวมของ %(target)s เกิน 1 (%(total)s)") % {"target": target, "total": total}}
        )
    return ownership


# Signboards and infrastructure -------------------------------------------------------------------


def parcel_at(municipality, point: GEOSGeometry) -> Parcel | None:
    """The current parcel under a point (the sign's parcel is found spatially)."""
    return (
        Parcel._base_manager.filter(municipality=municipality, retired_on__isnull=True, geom__intersects=point)
        .order_by("parcel_code")
        .first()
    )


@transaction.atomic
def signboard_create(*, municipality, acting_user, **fields) -> Signboard:
    signboard = Signboard(municipality=municipality, **fields)
    if signboard.parcel_id is None and signboard.location is not None:
        signboard.parcel = parcel_at(municipality, signboard.location)
    return _save(signboard, acting_user)


@transaction.atomic
def infrastructure_asset_create(*, municipality, acting_user, **fields) -> InfrastructureAsset:
    return _save(InfrastructureAsset(municipality=municipality, **fields), acting_user)


# Plain changes of one record (the API's PUT/PATCH) -----------------------------------------------


def _update(instance, acting_user, changes: dict):
    for name, value in changes.items():
        setattr(instance, name, value)
    return _save(instance, acting_user)


@transaction.atomic
def building_update(*, building: Building, acting_user, **changes) -> Building:
    return _update(building, acting_user, changes)


@transaction.atomic
def owner_update(*, owner: Owner, acting_user, **changes) -> Owner:
    return _update(owner, acting_user, changes)


@transaction.atomic
def signboard_update(*, signboard: Signboard, acting_user, **changes) -> Signboard:
    return _update(signboard, acting_user, changes)


@transaction.atomic
def infrastructure_asset_update(*, asset: InfrastructureAsset, acting_user, **changes) -> InfrastructureAsset:
    return _update(asset, acting_user, changes)
