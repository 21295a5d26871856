from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxesConfig(AppConfig):
    name = "taxes"
    verbose_name = _("ภาษีที่ดินและสิ่งปลูกสร้างและภาษีป้าย")

    def ready(self):
        from municipalities import home
        from municipalities.menus import MenuItem, register
        from municipalities.permissions import Capability
        from taxes.home import tax_card

        register(
            MenuItem(
                "taxes",
                _("ภาษี"),
                "taxes:index",
                (Capability.VIEW_TAXES, Capability.ASSESS),
                order=20,
                routes=("taxes:*", "tax-*"),
                datasets=("assessments",),
            )
        )
        home.register("taxes", tax_card)
