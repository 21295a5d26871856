"""Optimistic locking: two people editing one record, the second one is told, and nothing is lost.

A model opts in with a `version` column (`Versioned`). An editor carries the version they read;
`check_version` locks the row for the rest of the transaction (SELECT … FOR UPDATE), compares, and
either bumps the version or refuses with a Thai message naming who changed the record and when.
Services call it before changing a record; `VersionCheckedForm` does the same for admin forms, so
the second editor's form comes back with their input intact and the first editor's change kept.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from municipalities.thai import thai_date


class Versioned(models.Model):
    version = models.PositiveIntegerField(
        gettext_lazy("รุ่นของข้อมูล"),
        default=1,
        db_default=1,  # rows loaded with COPY (fixtures/bulk.py, imports) start at version 1 too
        editable=False,
        help_text=gettext_lazy("เพิ่มขึ้นทุกครั้งที่แก้ไข ใช้ตรวจว่ามีผู้อื่นแก้ไขพร้อมกันหรือไม่"),
    )

    class Meta:
        abstract = True


def is_versioned(model) -> bool:
    return issubclass(model, Versioned)


def conflict_message(instance) -> str:
    last = (
        instance.history.order_by("-history_date").select_related("history_user").first()
        if hasattr(instance, "history")
        else None
    )
    who = getattr(last.history_user, "username", None) if last else None
    return _(
        "%(what)s %(record)s ถูกแก้ไขโดย %(who)s เมื่อ %(when)s ระหว่างที่คุณกำลังแก้ไขอยู่ "
        "การแก้ไขของคุณยังไม่ได้บันทึก และข้อมูลที่ผู้อื่นแก้ไขไว้ยังอยู่ครบ "
        "โปรดเปิดข้อมูลล่าสุด ตรวจสอบ แล้วแก้ไขอีกครั้ง"
    ) % {
        "what": instance._meta.verbose_name,
        "record": instance,
        "who": who or _("ผู้ใช้อื่น"),
        "when": thai_date(last.history_date) if last else "-",
    }


def check_version(instance, expected: int | None) -> None:
    """Lock `instance`'s row until the transaction ends; refuse if it is no longer at version `expected`
    (None: the caller did not read it, so only lock), then move the instance to the next version."""
    current = type(instance)._base_manager.select_for_update().values_list("version", flat=True).get(pk=instance.pk)
    if expected is not None and int(expected) != current:
        raise ValidationError({"version": conflict_message(instance)}, code="edit_conflict")
    instance.version = current + 1


class VersionCheckedForm(forms.ModelForm):
    """A model form that carries the version it was opened at and refuses a stale save."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            try:
                check_version(self.instance, cleaned.get("seen_version"))
            except ValidationError as error:
                raise ValidationError(error.message_dict["version"], code="edit_conflict") from None
        return cleaned
