"""The tax office's pages and API, gated by capability and scoped to the officer's municipality."""

import datetime
from decimal import Decimal

from django.test import TestCase
from django.urls import reverse

from audit.choices import PersonalDataAction
from audit.models import PersonalDataAccess
from jobs.models import BackgroundTask, TaskStatus
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from taxes.choices import AssessmentStatus
from taxes.models import Assessment, AssessmentRun, Notice, Payment
from taxes.services import assessment_run, notices_issue
from taxes.tasks import run_assessment
from tests.factories import MembershipFactory
from tests.taxes import scenario

D = datetime.date


class TaxPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, cls.sign = scenario.build()
        members = {role: MembershipFactory(municipality=cls.m, role=role).user for role in Role}
        cls.officer, cls.executive, cls.engineer = (
            members[Role.TAX_OFFICER],
            members[Role.EXECUTIVE],
            members[Role.ENGINEER],
        )
        cls.outsider = MembershipFactory(role=Role.ADMIN).user
        with scoped_to(cls.m):
            cls.first_run = assessment_run(municipality=cls.m, tax_year=2026)
            cls.house = Assessment.objects.get(run=cls.first_run, parcel=cls.parcels["01A002"])
            (cls.notice,) = notices_issue(assessments=[cls.house], issued_on=D(2026, 2, 15), acting_user=cls.officer)

    def test_the_officer_starts_a_run_in_the_background_and_sees_its_progress_then_its_result(self):
        self.client.force_login(self.officer)
        home = self.client.get(reverse("home"))
        assert 'data-menu="taxes"' in home.content.decode()
        with self.captureOnCommitCallbacks(execute=False) as deferred:
            response = self.client.post(reverse("taxes:run-start"), {"tax_year": "2026"})
        assert response.status_code == 302
        assert len(deferred) == 1  # the job is handed to the worker once the request commits
        task = BackgroundTask.objects.model._base_manager.get(kind="taxes.assess", municipality=self.m)
        page = self.client.get(reverse("taxes:index")).content.decode()
        assert "ประเมินภาษีปี 2569" in page and 'class="task-progress"' in page
        result = run_assessment(task_id=task.pk, tax_year=2026, acting_user_id=self.officer.pk)
        task.refresh_from_db()
        assert (task.status, task.done, task.total) == (TaskStatus.DONE, 9, 9)
        run = AssessmentRun.objects.model._base_manager.get(pk=result["run"])
        assert (run.started_by, run.task_id, run.is_current) == (self.officer, task.pk, True)
        page = self.client.get(reverse("taxes:index")).content.decode()
        assert reverse("taxes:run", args=[run.pk]) in page
        assert "3,404.00" in page

    def test_the_run_page_shows_zones_problems_and_legal_references(self):
        self.client.force_login(self.officer)
        page = self.client.get(reverse("taxes:run", args=[self.first_run.pk]), {"zone": "01"}).content.decode()
        assert "ผลการประเมินรายเขต" in page
        assert "01A008" in page  # reported: no owner
        assert "LBTA s.94(4)" in page or "residential_other" in page
        assert reverse("taxes:assessment", args=[self.house.pk]) in page

    def test_the_officer_issues_a_zone_and_prints_its_notices(self):
        self.client.force_login(self.officer)
        response = self.client.post(reverse("taxes:zone-issue", args=[self.first_run.pk]), {"zone": "01"})
        assert response.status_code == 302
        with scoped_to(self.m):
            assert not Assessment.objects.filter(run=self.first_run, status=AssessmentStatus.DRAFT).exists()
        url = reverse("taxes:zone-notices-pdf", args=[self.first_run.pk, "01"])
        pdf = self.client.get(url)
        assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
        assert pdf.content.startswith(b"%PDF")
        with scoped_to(self.m):  # every notice printed is logged, with who printed it and from where (PDPA)
            printed = Notice.objects.filter(assessment__run=self.first_run).count()
            logged = PersonalDataAccess.objects.filter(action=PersonalDataAction.PRINT_NOTICE, user=self.officer)
            assert {(row.path, row.record_count) for row in logged} == {(url, 1)}
            assert logged.count() == printed > 1

    def test_the_assessment_page_explains_every_baht_and_records_a_payment_once(self):
        self.client.force_login(self.officer)
        url = reverse("taxes:assessment", args=[self.house.pk])
        page = self.client.get(url).content.decode()
        assert "รายการคำนวณ (ภ.ด.ส.7)" in page and "552.00" in page and "2,400,000.00" in page
        form = {"receipt_number": "R-77", "paid_on": "2026-06-01", "amount": "552.00"}
        self.client.post(reverse("taxes:payment-record", args=[self.house.pk]), form)
        again = self.client.post(reverse("taxes:payment-record", args=[self.house.pk]), form, follow=True)
        assert "บันทึกไว้แล้ว ไม่ได้บันทึกซ้ำ" in again.content.decode()
        assert Payment.objects.model._base_manager.filter(receipt_number="R-77").count() == 1
        assert self.client.get(reverse("taxes:notice-pdf", args=[self.notice.pk])).status_code == 200

    def test_an_executive_reads_but_cannot_assess_pay_or_print_personal_data(self):
        self.client.force_login(self.executive)
        assert self.client.get(reverse("taxes:index")).status_code == 200
        page = self.client.get(reverse("taxes:assessment", args=[self.house.pk])).content.decode()
        assert "(ซ่อนข้อมูลส่วนบุคคล)" in page and "สมชาย" not in page
        assert self.client.post(reverse("taxes:run-start"), {"tax_year": "2026"}).status_code == 403
        assert self.client.post(reverse("taxes:payment-record", args=[self.house.pk]), {}).status_code == 403
        assert self.client.get(reverse("taxes:notice-pdf", args=[self.notice.pk])).status_code == 404

    def test_an_executive_never_sees_a_taxpayers_name_or_id_on_any_tax_page_or_api(self):
        with scoped_to(self.m):
            assessments = list(Assessment.objects.filter(run=self.first_run).values_list("pk", flat=True))
        urls = [
            reverse("taxes:index"),
            reverse("taxes:run", args=[self.first_run.pk]) + "?zone=01",
            "/api/v1/tax/assessments/",
            "/api/v1/tax/payments/",
            *(reverse("taxes:assessment", args=[pk]) for pk in assessments),
            *(f"/api/v1/tax/assessments/{pk}/" for pk in assessments),
        ]
        secrets = {
            text
            for owner in self.people.values()
            for text in (owner.first_name, owner.last_name, owner.national_id, owner.formatted_id)
            if text
        }
        self.client.force_login(self.officer)  # the officer does see them: the check can tell
        page = self.client.get(reverse("taxes:assessment", args=[self.house.pk])).content.decode()
        assert self.people["somchai"].first_name in page
        self.client.force_login(self.executive)
        for url in urls:
            response = self.client.get(url)
            assert response.status_code == 200, url
            shown = sorted(text for text in secrets if text in response.content.decode())
            assert shown == [], (url, shown)

    def test_an_engineer_has_no_tax_pages(self):
        self.client.force_login(self.engineer)
        assert self.client.get(reverse("taxes:index")).status_code == 403
        assert 'data-menu="taxes"' not in self.client.get(reverse("home")).content.decode()

    def test_an_outsider_from_another_municipality_finds_nothing(self):
        self.client.force_login(self.outsider)
        assert self.client.get(reverse("taxes:run", args=[self.first_run.pk])).status_code == 404
        assert self.client.get(reverse("taxes:assessment", args=[self.house.pk])).status_code == 404
        assert self.client.get(reverse("taxes:notice-pdf", args=[self.notice.pk])).status_code == 404
        assert (
            self.client.post(reverse("taxes:zone-issue", args=[self.first_run.pk]), {"zone": "01"}).status_code == 404
        )
        assert "3,404.00" not in self.client.get(reverse("taxes:index")).content.decode()
        api = self.client.get("/api/v1/tax/assessments/").json()
        assert api["count"] == 0
        answer = self.client.post(
            "/api/v1/tax/payments/",
            {"assessment": self.house.pk, "receipt_number": "X", "paid_on": "2026-06-01", "amount": "552.00"},
            content_type="application/json",
        )
        assert answer.status_code == 404
        assert not Payment.objects.model._base_manager.filter(receipt_number="X").exists()


class TaxAPITests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, _ = scenario.build()
        cls.officer = MembershipFactory(municipality=cls.m, role=Role.TAX_OFFICER).user
        cls.auditor = MembershipFactory(municipality=cls.m, role=Role.AUDITOR).user
        with scoped_to(cls.m):
            run = assessment_run(municipality=cls.m, tax_year=2026)
            cls.house = Assessment.objects.get(run=run, parcel=cls.parcels["01A002"])
            notices_issue(assessments=[cls.house], issued_on=D(2026, 2, 15), acting_user=cls.officer)

    def test_assessments_are_listed_and_read_with_their_facts_and_breakdown(self):
        self.client.force_login(self.auditor)
        listed = self.client.get("/api/v1/tax/assessments/", {"status": "issued"}).json()
        assert [row["id"] for row in listed["results"]] == [self.house.pk]
        detail = self.client.get(f"/api/v1/tax/assessments/{self.house.pk}/").json()
        assert detail["tax"] == "552.00"
        assert detail["facts"]["land"]["area_sq_wah"] == "80"
        assert detail["breakdown"][-1] == {"code": "tax", "amount": "552"}
        assert detail["notices"][0]["number"] == "2569/000001"

    def test_a_payment_posted_twice_is_recorded_once(self):
        self.client.force_login(self.officer)
        body = {"assessment": self.house.pk, "receipt_number": "API-1", "paid_on": "2026-07-15", "amount": "612.72"}
        first = self.client.post("/api/v1/tax/payments/", body, content_type="application/json")
        second = self.client.post("/api/v1/tax/payments/", body, content_type="application/json")
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.json()["id"] == second.json()["id"]
        assert (first.json()["penalty"], first.json()["surcharge"]) == ("55.20", "5.52")
        listed = self.client.get("/api/v1/tax/payments/").json()
        assert [p["receipt_number"] for p in listed["results"]] == ["API-1"]
        over = self.client.post(
            "/api/v1/tax/payments/", body | {"receipt_number": "API-2", "amount": "10"}, content_type="application/json"
        )
        assert over.status_code == 400 and "amount" in over.json()

    def test_recording_a_payment_needs_the_right_to(self):
        self.client.force_login(self.auditor)
        body = {
            "assessment": self.house.pk,
            "receipt_number": "A-1",
            "paid_on": "2026-06-01",
            "amount": str(Decimal("552.00")),
        }
        assert self.client.post("/api/v1/tax/payments/", body, content_type="application/json").status_code == 403


def test_the_zone_summary_counts_signboards_with_their_parcels_zone(db):
    from taxes.selectors import run_summary_by_zone

    m, _, parcels, _ = scenario.build()
    with scoped_to(m):
        run = assessment_run(municipality=m, tax_year=2026)
        (zone,) = run_summary_by_zone(run)
        assert (zone["zone"], zone["count"], zone["drafts"], zone["tax"]) == ("01", 10, 10, Decimal("3898.00"))
        notices_issue(
            assessments=Assessment.objects.filter(run=run, parcel=parcels["01A002"]),
            issued_on=D(2026, 2, 15),
            acting_user=None,
        )
        (zone,) = run_summary_by_zone(run)
    assert (zone["count"], zone["drafts"]) == (10, 9)
