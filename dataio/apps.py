from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "dataio"
    verbose_name = _("นำเข้าและส่งออกข้อมูล")

    def ready(self):
        from municipalities.menus import MenuItem, register
        from municipalities.permissions import Capability

        register(
            MenuItem(
                "import",
                _("นำเข้าข้อมูล"),
                "dataio:import",
                (Capability.EDIT_REGISTER,),
                order=80,
                routes=("dataio:import*",),
            )
        )
        register(
            MenuItem(
                "export",
                _("ส่งออกข้อมูล"),
                "dataio:export",
                (Capability.VIEW_REGISTER,),
                order=81,
                routes=("dataio:export",),
            )
        )
