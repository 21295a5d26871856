from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.choices import AuthEventKind
from audit.services import record_auth_event


def _known_user(username):
    return get_user_model()._default_manager.filter(username=username).first() if username else None


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    record_auth_event(kind=AuthEventKind.LOGIN, request=request, user=user)


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    if user is not None:
        record_auth_event(kind=AuthEventKind.LOGOUT, request=request, user=user)


@receiver(user_login_failed)
def log_failed_login(sender, credentials, request=None, **kwargs):
    username = credentials.get("username", "")
    record_auth_event(kind=AuthEventKind.LOGIN_FAILED, request=request, user=_known_user(username), username=username)


@receiver(user_locked_out)
def log_lockout(sender, request, username=None, ip_address=None, **kwargs):
    record_auth_event(kind=AuthEventKind.LOCKED_OUT, request=request, user=_known_user(username), username=username)
