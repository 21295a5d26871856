"""Background work of the tax office, run by the Procrastinate worker."""

from django.contrib.auth import get_user_model
from procrastinate.contrib.django import app

from jobs.services import municipal_job
from taxes.services import assessment_run


@municipal_job
def run_assessment(task, progress, *, tax_year: int, acting_user_id: int | None = None) -> dict:
    user = get_user_model().objects.filter(pk=acting_user_id).first() if acting_user_id else None
    run = assessment_run(
        municipality=task.municipality, tax_year=tax_year, acting_user=user, progress=progress, task=task
    )
    return {"run": run.pk, "holdings": run.stats["holdings"], "signboards": run.stats["signboards"]}


assess = app.task(name="taxes.assess", queue="default")(run_assessment)
