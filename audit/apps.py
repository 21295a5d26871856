from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("บันทึกการตรวจสอบ")

    def ready(self):
        from audit import signals  # noqa: F401
        from municipalities.menus import MenuItem, register
        from municipalities.permissions import Capability

        register(
            # Never hidden (municipalities/modules.py): the audited must not hide the auditor's view of them.
            MenuItem(
                "audit",
                _("ตรวจสอบ"),
                "audit:index",
                (Capability.VIEW_HISTORY, Capability.VIEW_AUDIT_LOG),
                order=95,
                routes=("audit:*",),
                hideable=False,
            )
        )
