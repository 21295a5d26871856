from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from assets.models import Parcel
from jobs.models import BackgroundTask, TaskStatus
from jobs.services import municipal_job
from municipalities.choices import Role
from tests.factories import TEST_PASSWORD, BackgroundTaskFactory, MembershipFactory, MunicipalityFactory, ParcelFactory


@municipal_job
def count_parcels(task, progress, *, fail_with=None):
    progress.set_total(2)
    progress.advance()
    if fail_with == "validation":
        raise ValidationError("ไฟล์ไม่มีชั้นข้อมูลแปลงที่ดิน")
    if fail_with == "bug":
        raise ZeroDivisionError
    progress.say("นับแปลงแล้ว")
    progress.advance()
    return {"parcels": Parcel.objects.count()}


class BackgroundTaskTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        ParcelFactory.create_batch(3, municipality=cls.lam_phaya)
        ParcelFactory(municipality=MunicipalityFactory())

    def test_a_job_runs_in_its_municipalitys_scope_and_records_its_progress(self):
        task = BackgroundTaskFactory(municipality=self.lam_phaya)
        assert count_parcels(task_id=task.pk) == {"parcels": 3}
        task.refresh_from_db()
        assert (task.status, task.done, task.total, task.percent, task.message) == (
            TaskStatus.DONE,
            2,
            2,
            100,
            "นับแปลงแล้ว",
        )
        assert task.result == {"parcels": 3}
        assert task.started_at <= task.finished_at

    def test_a_refused_input_ends_the_task_with_the_thai_message(self):
        task = BackgroundTaskFactory(municipality=self.lam_phaya)
        count_parcels(task_id=task.pk, fail_with="validation")
        task.refresh_from_db()
        assert (task.status, task.message) == (TaskStatus.FAILED, "ไฟล์ไม่มีชั้นข้อมูลแปลงที่ดิน")

    def test_an_unexpected_error_is_reported_without_the_traceback_reaching_the_page(self):
        task = BackgroundTaskFactory(municipality=self.lam_phaya)
        with self.assertRaises(ZeroDivisionError):
            count_parcels(task_id=task.pk, fail_with="bug")
        task.refresh_from_db()
        assert task.status == TaskStatus.FAILED
        assert f"งานหมายเลข {task.pk}" in task.message
        assert "ZeroDivisionError" in task.result["traceback"]

        officer = MembershipFactory(municipality=self.lam_phaya, role=Role.TAX_OFFICER).user
        self.client.login(username=officer.username, password=TEST_PASSWORD)
        status = self.client.get(reverse("jobs:status", args=[task.pk])).json()
        assert status["status"] == "failed"
        assert "traceback" not in status["result"]

    def test_another_municipalitys_task_is_not_found(self):
        theirs = BackgroundTaskFactory()
        officer = MembershipFactory(municipality=self.lam_phaya, role=Role.TAX_OFFICER).user
        self.client.login(username=officer.username, password=TEST_PASSWORD)
        assert self.client.get(reverse("jobs:status", args=[theirs.pk])).status_code == 404
        assert BackgroundTask._base_manager.filter(pk=theirs.pk).exists()
