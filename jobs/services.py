"""Start long work in the background and run it there, scoped to its municipality."""

import functools
import logging
import traceback

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jobs.models import BackgroundTask, TaskStatus
from jobs.progress import TaskProgress, mark, now
from municipalities.selectors import zone_ids_of
from municipalities.tenancy import scoped_to

logger = logging.getLogger(__name__)


def task_start(*, municipality, acting_user, kind: str, title: str, job, **job_kwargs) -> BackgroundTask:
    """Record a task and defer `job` (a procrastinate task) once the surrounding transaction commits."""
    task = BackgroundTask.objects.create(municipality=municipality, kind=kind, title=title, created_by=acting_user)
    transaction.on_commit(lambda: job.defer(task_id=task.pk, **job_kwargs))
    return task


def _membership_of(task):
    """The starter's membership: a job runs with their zone limits, as their request would."""
    from municipalities.models import Membership

    return Membership._base_manager.filter(user_id=task.created_by_id, municipality_id=task.municipality_id).first()


def municipal_job(function):
    """Wrap a job function `f(task, progress, **kwargs)`: load its task, enter its municipality's scope,
    keep its status, and turn a failure into a Thai message on the task instead of a lost traceback.

    A ValidationError's messages are shown to the user as they are; any other error is logged and
    reported as an unexpected failure.
    """

    @functools.wraps(function)
    def run(task_id: int, **kwargs):
        task = BackgroundTask._base_manager.get(pk=task_id)
        mark(task, status=TaskStatus.RUNNING, started_at=now(), message="")
        progress = TaskProgress(task)
        try:
            with scoped_to(task.municipality_id, zone_ids_of(_membership_of(task))):
                result = function(task, progress, **kwargs)
        except ValidationError as error:
            mark(task, status=TaskStatus.FAILED, finished_at=now(), message="\n".join(error.messages))
            return None
        except Exception:
            logger.exception("background task %s (%s) failed", task.pk, task.kind)
            mark(
                task,
                status=TaskStatus.FAILED,
                finished_at=now(),
                message=_("เกิดข้อผิดพลาดที่ไม่คาดคิด โปรดแจ้งผู้ดูแลระบบ (งานหมายเลข %(id)s)") % {"id": task.pk},
                result={"traceback": traceback.format_exc()[-4000:]},
            )
            raise
        progress.close()
        mark(task, status=TaskStatus.DONE, finished_at=now(), result=result or {})
        return result

    return run
