from assets.models.buildings import Building, BuildingUse
from assets.models.infrastructure import InfrastructureAsset
from assets.models.owners import Owner, Ownership
from assets.models.parcels import LandUse, Parcel, ParcelLineage
from assets.models.signboards import Signboard, SignboardPhoto

__all__ = [
    "Building",
    "BuildingUse",
    "InfrastructureAsset",
    "LandUse",
    "Owner",
    "Ownership",
    "Parcel",
    "ParcelLineage",
    "Signboard",
    "SignboardPhoto",
]
