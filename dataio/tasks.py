from procrastinate.contrib.django import app

from dataio.models import ImportSession
from dataio.services import import_session_commit
from jobs.services import municipal_job


@municipal_job
def run_commit_import(task, progress, *, session_id: int):
    """Commit an import session in the worker (scoped to the task's municipality by municipal_job)."""
    session = ImportSession.objects.get(pk=session_id)
    return import_session_commit(session=session, acting_user=task.created_by, progress=progress)


@app.task(name="dataio.commit_import", queue="default")
def commit_import(task_id: int, session_id: int):
    return run_commit_import(task_id=task_id, session_id=session_id)
