from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxesConfig(AppConfig):
    name = "taxes"
    verbose_name = _("ภาษีที่ดินและสิ่งปลูกสร้างและภาษีป้าย")
