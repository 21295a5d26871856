from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "maps"
    verbose_name = _("แผนที่")

    def ready(self):
        from municipalities.menus import MenuItem, register
        from municipalities.permissions import Capability

        register(MenuItem("maps-tax", _("แผนที่ภาษี"), "maps:tax", (Capability.VIEW_TAXES,), order=25))
        register(MenuItem("maps-engineer", _("แผนที่งานช่าง"), "maps:engineer", (Capability.VIEW_REGISTER,), order=45))
        register(MenuItem("maps-revenue", _("รายได้"), "maps:revenue", (Capability.VIEW_DASHBOARD,), order=30))
