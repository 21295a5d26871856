"""Access logs: logins and denials (AuthEvent) and uses of personal data (PersonalDataAccess).

Both are municipal tables, read by the municipality's auditor and admin only, and append-only:
a row is written once by audit.services and never changed.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.choices import AuthEventKind, PersonalDataAction
from municipalities.tenancy import MunicipalModel, check_writable


class AppendOnly(MunicipalModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ผู้ใช้"),
    )
    username = models.CharField(_("ชื่อผู้ใช้"), max_length=150, help_text=_("เก็บไว้แม้บัญชีผู้ใช้ถูกลบภายหลัง"))
    at = models.DateTimeField(_("เวลา"), auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("หมายเลข IP"), null=True, blank=True)
    path = models.CharField(_("หน้าที่เรียก"), max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["-at"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            check_writable(self.municipality_id)  # another municipality's row is out of scope before all
            raise ValueError("access log rows are append-only")
        super().save(*args, **kwargs)


class AuthEvent(AppendOnly):
    """A login, logout, failed login, lock-out or permission denial (403) of a member of this municipality.

    An event of a user who belongs to several municipalities is written once for each of them, so each
    municipality's auditor sees the whole story of its own members.
    """

    kind = models.CharField(_("เหตุการณ์"), max_length=20, choices=AuthEventKind.choices, db_index=True)
    method = models.CharField(_("วิธีเรียก"), max_length=10, blank=True)
    user_agent = models.CharField(_("โปรแกรมที่ใช้"), max_length=300, blank=True)

    class Meta(AppendOnly.Meta):
        verbose_name = _("บันทึกการเข้าสู่ระบบและการปฏิเสธสิทธิ์")
        verbose_name_plural = pgettext_lazy("plural", "บันทึกการเข้าสู่ระบบและการปฏิเสธสิทธิ์")

    def __str__(self):
        return f"{self.username} · {self.get_kind_display()}"


class PersonalDataAccess(AppendOnly):
    """A use of personal data (PDPA): a full national ID seen, personal data exported, a notice printed."""

    action = models.CharField(_("การกระทำ"), max_length=20, choices=PersonalDataAction.choices, db_index=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ประเภทข้อมูล")
    )
    object_id = models.CharField(_("รหัสระเบียน"), max_length=64, blank=True)
    object_repr = models.CharField(_("ระเบียน"), max_length=200, blank=True)
    record_count = models.PositiveIntegerField(_("จำนวนระเบียน"), default=1)
    detail = models.CharField(_("รายละเอียด"), max_length=300, blank=True)

    class Meta(AppendOnly.Meta):
        verbose_name = _("บันทึกการเข้าถึงข้อมูลส่วนบุคคล")
        verbose_name_plural = pgettext_lazy("plural", "บันทึกการเข้าถึงข้อมูลส่วนบุคคล")
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_pda_object_idx")]

    def __str__(self):
        return f"{self.username} · {self.get_action_display()} · {self.object_repr}"
