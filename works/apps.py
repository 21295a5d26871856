from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorksConfig(AppConfig):
    name = "works"
    verbose_name = _("งานช่างและโครงสร้างพื้นฐาน")

    def ready(self):
        from municipalities import home
        from municipalities.menus import MenuItem, register
        from municipalities.permissions import Capability
        from works.home import works_card

        register(
            MenuItem(
                "works",
                _("งานช่าง"),
                "works:work-orders",
                (Capability.VIEW_REGISTER,),
                order=40,
                routes=("works:*", "works-public:*", "api-complaints"),  # with the residents' complaint form
            )
        )
        home.register("works", works_card)
