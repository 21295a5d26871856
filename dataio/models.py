from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dataio.layers import layer_choices
from municipalities.tenancy import MunicipalModel


class ImportStatus(models.TextChoices):
    CHECKED = "checked", _("ตรวจแล้ว รอยืนยัน")
    COMMITTING = "committing", _("กำลังนำเข้า")
    COMMITTED = "committed", _("นำเข้าแล้ว")
    FAILED = "failed", _("นำเข้าไม่สำเร็จ")


class ImportSession(MunicipalModel):
    """One uploaded file on its way into the register: its reading options, validation report and
    map preview, and the background task that commits it.

    The uploaded file is read by the import only: it may hold owners' names and national IDs, so
    /media/ never serves it (municipalities.views.media), whoever can see the session."""

    serve_files = False

    layer = models.CharField(_("ชั้นข้อมูล"), max_length=20, choices=layer_choices())
    source_name = models.CharField(_("ชื่อไฟล์"), max_length=255)
    file = models.FileField(_("ไฟล์"), upload_to="imports/%Y/%m/")
    options = models.JSONField(
        _("ตัวเลือกการอ่าน"), default=dict, blank=True, help_text=_("การเข้ารหัส ระบบพิกัด การจับคู่คอลัมน์ และการซ่อมรูป")
    )
    status = models.CharField(_("สถานะ"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.CHECKED)
    report = models.JSONField(_("รายงานการตรวจสอบ"), default=dict, blank=True)
    preview = models.JSONField(_("ตัวอย่างบนแผนที่"), default=dict, blank=True)
    task = models.ForeignKey(
        "jobs.BackgroundTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("งานเบื้องหลัง"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("ผู้นำเข้า")
    )
    created_at = models.DateTimeField(_("อัปโหลดเมื่อ"), auto_now_add=True)
    committed_at = models.DateTimeField(_("นำเข้าเมื่อ"), null=True, blank=True)

    class Meta:
        verbose_name = _("การนำเข้าข้อมูล")
        verbose_name_plural = pgettext_lazy("plural", "การนำเข้าข้อมูล")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.source_name} → {self.get_layer_display()}"

    @property
    def errors(self) -> int:
        return self.report.get("errors", 0)

    @property
    def can_commit(self) -> bool:
        return self.status == ImportStatus.CHECKED and self.errors == 0 and self.report.get("rows", 0) > 0
