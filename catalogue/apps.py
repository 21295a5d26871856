from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("แคตตาล็อกข้อมูลและข้อมูลเปิด")

    def ready(self):
        from catalogue import signals
        from municipalities.menus import MenuItem, register
        from municipalities.permissions import Capability

        signals.connect()
        # Its settings page (catalogue:settings) is never closed: it is where a hidden module is shown again.
        register(
            MenuItem(
                "catalogue",
                _("แคตตาล็อกข้อมูล"),
                "catalogue:index",
                (Capability.VIEW_REGISTER,),
                order=85,
                routes=("catalogue:*", "api-custom-fields", "api-record-custom"),
            )
        )
