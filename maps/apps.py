from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "maps"
    verbose_name = _("แผนที่")

    def ready(self):
        from municipalities.menus import MenuItem, register
        from municipalities.permissions import Capability

        # Each map owns its page and the tile layers it draws (maps/builders.py); the side panels, search
        # and printing serve all three, so they stay open while one map is (municipalities/modules.py).
        shared = ("maps:parcel-panel", "maps:asset-panel", "maps:search", "maps:print-*")
        register(
            MenuItem(
                "maps-tax",
                _("แผนที่ภาษี"),
                "maps:tax",
                (Capability.VIEW_TAXES,),
                order=25,
                routes=("maps:tax", *shared),
                tiles=("zones", "blocks", "parcels", "buildings", "signboards"),
                needs=("taxes",),
            )
        )
        register(
            MenuItem(
                "maps-engineer",
                _("แผนที่งานช่าง"),
                "maps:engineer",
                (Capability.VIEW_REGISTER,),
                order=45,
                routes=("maps:engineer", *shared),
                tiles=("zones", "parcels", "buildings", "infrastructure"),
            )
        )
        register(
            MenuItem(
                "maps-revenue",
                _("รายได้"),
                "maps:revenue",
                (Capability.VIEW_DASHBOARD,),
                order=30,
                routes=("maps:revenue", *shared),
                tiles=("zones", "blocks", "missed", "parcels"),
                needs=("taxes",),
            )
        )
