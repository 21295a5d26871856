from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MunicipalitiesConfig(AppConfig):
    name = "municipalities"
    verbose_name = _("เทศบาลและสิทธิ์ผู้ใช้")

    def ready(self):
        from municipalities import signals  # noqa: F401
