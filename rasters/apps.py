from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RastersConfig(AppConfig):
    name = "rasters"
    verbose_name = _("ภาพแรสเตอร์และพื้นที่น้ำท่วม")

    def ready(self):
        from municipalities.menus import MenuItem, register
        from municipalities.permissions import Capability

        register(
            MenuItem(
                "rasters",
                _("แรสเตอร์/น้ำท่วม"),
                "rasters:list",
                (Capability.VIEW_REGISTER,),
                order=45,
                routes=("rasters:*",),
                datasets=("rasters",),
            )
        )
