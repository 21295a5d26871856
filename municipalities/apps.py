from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MunicipalitiesConfig(AppConfig):
    name = "municipalities"
    verbose_name = _("เทศบาลและสิทธิ์ผู้ใช้")

    def ready(self):
        from municipalities import signals  # noqa: F401
        from municipalities.menus import MenuItem, register
        from municipalities.permissions import Capability

        # Never hidden (municipalities/modules.py): the home page, and the register, which is the admin.
        register(MenuItem("home", _("หน้าหลัก"), "home", tuple(Capability), order=0, hideable=False))
        register(
            MenuItem(
                "register",
                _("ทะเบียน"),
                "admin:index",
                (Capability.VIEW_REGISTER,),
                order=90,
                routes=("admin:*", "parcel-*", "building-*", "owner-*", "signboard-*", "infrastructure-*"),
                hideable=False,
            )
        )
