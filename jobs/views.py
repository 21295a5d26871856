from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from jobs.models import BackgroundTask


@login_required
def task_status(request, pk: int):
    """The progress of a task, polled by the page that started it (scoped: another municipality's is a 404)."""
    task = get_object_or_404(BackgroundTask, pk=pk)
    return JsonResponse(
        {
            "id": task.pk,
            "title": task.title,
            "status": task.status,
            "status_display": task.get_status_display(),
            "done": task.done,
            "total": task.total,
            "percent": task.percent,
            "message": task.message,
            "finished": task.finished,
            "result": {k: v for k, v in task.result.items() if k != "traceback"},
        }
    )
