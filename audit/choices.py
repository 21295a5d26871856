from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthEventKind(models.TextChoices):
    LOGIN = "login", _("เข้าสู่ระบบ")
    LOGOUT = "logout", _("ออกจากระบบ")
    LOGIN_FAILED = "login_failed", _("เข้าสู่ระบบไม่สำเร็จ")
    LOCKED_OUT = "locked_out", _("ถูกระงับการเข้าสู่ระบบชั่วคราว")
    PERMISSION_DENIED = "permission_denied", _("ถูกปฏิเสธสิทธิ์ (403)")


class PersonalDataAction(models.TextChoices):
    """What was done with personal data (PDPA): each is logged with who, when and which record."""

    VIEW_NATIONAL_ID = "view_national_id", _("ดูเลขประจำตัวเต็ม")
    EXPORT = "export", _("ส่งออกข้อมูลส่วนบุคคล")
    PRINT_NOTICE = "print_notice", _("พิมพ์หนังสือแจ้ง")
