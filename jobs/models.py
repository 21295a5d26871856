from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from municipalities.tenancy import MunicipalModel


class TaskStatus(models.TextChoices):
    QUEUED = "queued", _("รอดำเนินการ")
    RUNNING = "running", _("กำลังดำเนินการ")
    DONE = "done", _("เสร็จสิ้น")
    FAILED = "failed", _("ไม่สำเร็จ")


class BackgroundTask(MunicipalModel):
    """A long piece of work (import, assessment run, flood analysis) run by the worker.

    Its progress is written as the work goes, so the page that started it can show a progress bar.
    """

    kind = models.CharField(_("ประเภทงาน"), max_length=50)
    title = models.CharField(_("ชื่องาน"), max_length=300)
    status = models.CharField(_("สถานะ"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.QUEUED)
    done = models.PositiveBigIntegerField(_("ทำแล้ว"), default=0)
    total = models.PositiveBigIntegerField(_("ทั้งหมด"), null=True, blank=True)
    message = models.TextField(_("ข้อความ"), blank=True)
    result = models.JSONField(_("ผลลัพธ์"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("ผู้สั่งงาน")
    )
    created_at = models.DateTimeField(_("สั่งงานเมื่อ"), auto_now_add=True)
    started_at = models.DateTimeField(_("เริ่มเมื่อ"), null=True, blank=True)
    finished_at = models.DateTimeField(_("เสร็จเมื่อ"), null=True, blank=True)

    class Meta:
        verbose_name = _("งานเบื้องหลัง")
        verbose_name_plural = pgettext_lazy("plural", "งานเบื้องหลัง")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["municipality", "kind", "-created_at"], name="jobs_task_recent")]

    def __str__(self):
        return self.title

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (TaskStatus.DONE, TaskStatus.FAILED)
