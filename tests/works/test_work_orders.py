"""Inspections, the work-order flow and preventive schedules, as the engineers of a municipality use them."""

import datetime
import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from assets.models import InfrastructureAsset
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.factories import (
    TEST_PASSWORD,
    ComplaintFactory,
    InfrastructureAssetFactory,
    MembershipFactory,
    MunicipalityFactory,
    WorkOrderFactory,
    point_in,
)
from works import services
from works.choices import ComplaintState, RepeatFrom, WorkOrderSource, WorkOrderStatus
from works.models import Inspection, InspectionPhoto, WorkOrder

TODAY = timezone.localdate()


def photo(name="lamp.jpg", colour="yellow") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


class InspectionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.engineer = MembershipFactory(municipality=cls.lam_phaya, role=Role.ENGINEER).user
        cls.lamp = InfrastructureAssetFactory(municipality=cls.lam_phaya, condition=2)

    def record(self, **fields):
        fields = {
            "asset": self.lamp,
            "acting_user": self.engineer,
            "inspected_on": TODAY - datetime.timedelta(days=1),
            "condition": 4,
            **fields,
        }
        with scoped_to(self.lam_phaya):
            return services.inspection_record(**fields)

    def test_an_engineer_records_an_inspection_with_photos_and_the_asset_takes_its_condition(self):
        inspection = self.record(
            checklist={"lamp": "defect", "pole": "ok", "wiring": "ok"},
            location=point_in(self.lam_phaya, 5),
            photos=[photo("front.jpg"), photo("pole.jpg", "grey")],
        )
        self.lamp.refresh_from_db()
        assert self.lamp.condition == 4
        assert inspection.defects == ["หลอดไฟติด"]
        stored = list(InspectionPhoto._base_manager.filter(inspection=inspection))
        assert len(stored) == 2 and all(p.image.name.startswith("works/inspections/") for p in stored)
        assert all(p.image.storage.exists(p.image.name) for p in stored)
        with scoped_to(self.lam_phaya):
            assert self.lamp.history.first().history_user == self.engineer

    def test_an_older_inspection_recorded_late_does_not_override_the_latest_condition(self):
        self.record(condition=3, inspected_on=TODAY - datetime.timedelta(days=2))
        self.record(condition=5, inspected_on=TODAY - datetime.timedelta(days=60))
        self.lamp.refresh_from_db()
        assert self.lamp.condition == 3

    def test_a_checklist_item_of_another_kind_is_refused_with_nothing_saved(self):
        with self.assertRaisesMessage(ValidationError, "ไม่มีรายการตรวจ potholes สำหรับไฟฟ้าส่องสว่าง"):
            self.record(checklist={"potholes": "defect"}, photos=[photo()])
        assert not Inspection._base_manager.filter(asset=self.lamp).exists()
        self.lamp.refresh_from_db()
        assert self.lamp.condition == 2

    def test_a_file_that_is_not_a_picture_is_refused_and_no_inspection_is_kept(self):
        fake = SimpleUploadedFile("lamp.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")
        with self.assertRaisesMessage(ValidationError, "ไฟล์ lamp.jpg ไม่ใช่รูปภาพ หรือไฟล์เสีย"):
            self.record(photos=[photo(), fake])
        assert not Inspection._base_manager.filter(asset=self.lamp).exists()

    def test_a_gps_point_outside_the_municipality_is_refused(self):
        elsewhere = point_in(MunicipalityFactory(), 1)
        with self.assertRaisesMessage(ValidationError, "พิกัด GPS อยู่นอกเขต"):
            self.record(location=elsewhere)

    def test_the_inspection_form_records_the_checklist_photos_and_an_order(self):
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)
        page = self.client.get(reverse("works:inspection-create", args=[self.lamp.pk])).content.decode()
        assert "สวิตช์ตั้งเวลา/โฟโตเซลล์" in page  # the streetlight checklist
        point = point_in(self.lam_phaya, 7)
        response = self.client.post(
            reverse("works:inspection-create", args=[self.lamp.pk]),
            {
                "inspected_on": TODAY.isoformat(),
                "condition": "5",
                "check_lamp": "defect",
                "check_pole": "defect",
                "check_wiring": "ok",
                "check_timer": "na",
                "notes": "เสาเอียง",
                "latitude": f"{point.y:.7f}",
                "longitude": f"{point.x:.7f}",
                "photos": [photo("a.jpg"), photo("b.jpg")],
                "open_work_order": "on",
                "work_order_due_on": (TODAY + datetime.timedelta(days=7)).isoformat(),
            },
        )
        assert response.status_code == 302, response.content.decode()[-3000:]
        with scoped_to(self.lam_phaya):
            inspection = Inspection.objects.get(asset=self.lamp)
            order = WorkOrder.objects.get(inspection=inspection)
            assert inspection.photos.count() == 2
        assert inspection.checklist == {"lamp": "defect", "pole": "defect", "wiring": "ok", "timer": "na"}
        assert inspection.location.distance(point) < 1e-6
        assert (order.source, order.asset_id, order.status) == (WorkOrderSource.INSPECTION, self.lamp.pk, "open")
        assert "หลอดไฟติด, เสาไม่เอียง ไม่เป็นสนิม" in order.description

    def test_an_executive_reads_but_cannot_inspect_and_an_outsider_finds_nothing(self):
        executive = MembershipFactory(municipality=self.lam_phaya, role=Role.EXECUTIVE).user
        self.client.login(username=executive.username, password=TEST_PASSWORD)
        assert self.client.get(reverse("works:asset", args=[self.lamp.pk])).status_code == 200
        assert self.client.get(reverse("works:inspection-create", args=[self.lamp.pk])).status_code == 403
        outsider = MembershipFactory(role=Role.ENGINEER).user
        self.client.login(username=outsider.username, password=TEST_PASSWORD)
        assert self.client.get(reverse("works:asset", args=[self.lamp.pk])).status_code == 404
        assert self.client.get(reverse("works:inspection-create", args=[self.lamp.pk])).status_code == 404


class WorkOrderFlowTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.engineer = MembershipFactory(municipality=cls.lam_phaya, role=Role.ENGINEER).user
        cls.technician = MembershipFactory(municipality=cls.lam_phaya, role=Role.ENGINEER).user
        cls.lamp = InfrastructureAssetFactory(municipality=cls.lam_phaya)

    def new_order(self, **fields):
        with scoped_to(self.lam_phaya):
            return services.work_order_create(
                municipality=self.lam_phaya,
                acting_user=self.engineer,
                title="เปลี่ยนหลอดไฟ",
                due_on=TODAY + datetime.timedelta(days=3),
                asset=self.lamp,
                **fields,
            )

    def move(self, order, to, **fields):
        with scoped_to(self.lam_phaya):
            return services.work_order_transition(work_order=order, to=to, acting_user=self.engineer, **fields)

    def test_an_order_goes_open_assigned_in_progress_done_with_its_costs(self):
        order = self.new_order()
        assert order.number.endswith("-00001") and order.location == self.lamp.geom
        order = self.move(order, WorkOrderStatus.ASSIGNED, assignee=self.technician)
        order = self.move(order, WorkOrderStatus.IN_PROGRESS)
        order = self.move(
            order,
            WorkOrderStatus.DONE,
            labour_cost=Decimal("450.00"),
            material_cost=Decimal("1250.50"),
            resolution="เปลี่ยนหลอด LED 90 W",
        )
        assert (order.status, order.assignee, order.completed_on) == ("done", self.technician, TODAY)
        assert order.total_cost == Decimal("1700.50")
        assert order.closed_at is not None
        with scoped_to(self.lam_phaya):
            statuses = [h.status for h in order.history.order_by("history_date")]
        assert statuses == ["open", "assigned", "in_progress", "done"]

    def test_an_order_cannot_skip_a_step_or_leave_done(self):
        order = self.new_order()
        with self.assertRaisesMessage(ValidationError, "เปลี่ยนสถานะจาก “เปิดงาน” เป็น “เสร็จแล้ว” ไม่ได้"):
            self.move(order, WorkOrderStatus.DONE, resolution="x")
        with self.assertRaisesMessage(ValidationError, "ต้องระบุผู้รับผิดชอบก่อนมอบหมายงาน"):
            self.move(order, WorkOrderStatus.ASSIGNED)
        order = self.move(order, WorkOrderStatus.CANCELLED)
        with self.assertRaisesMessage(ValidationError, "ไม่ได้"):
            self.move(order, WorkOrderStatus.OPEN)

    def test_closing_needs_a_resolution_and_negative_costs_are_refused(self):
        order = self.new_order(assignee=self.technician)
        order = self.move(order, WorkOrderStatus.IN_PROGRESS)
        with self.assertRaisesMessage(ValidationError, "บันทึกผลการดำเนินงานก่อนปิดงาน"):
            self.move(order, WorkOrderStatus.DONE)
        with self.assertRaises(ValidationError) as caught:
            self.move(order, WorkOrderStatus.DONE, resolution="ok", labour_cost=Decimal("-1"))
        assert "labour_cost" in caught.exception.message_dict
        order.refresh_from_db()
        assert order.status == "in_progress"

    def test_before_and_after_photos_are_kept_with_the_order(self):
        order = self.new_order()
        with scoped_to(self.lam_phaya):
            services.work_order_add_photos(
                work_order=order, stage="before", photos=[photo()], acting_user=self.engineer
            )
            services.work_order_add_photos(
                work_order=order, stage="after", photos=[photo("after.jpg", "white")], acting_user=self.engineer
            )
            assert [p.stage for p in order.photos.all()] == ["after", "before"]

    def test_closing_an_order_from_a_complaint_closes_the_complaint(self):
        complaint = ComplaintFactory(municipality=self.lam_phaya)
        with scoped_to(self.lam_phaya):
            order = services.work_order_from_complaint(
                complaint=complaint, acting_user=self.engineer, due_on=TODAY, assignee=self.technician
            )
            complaint.refresh_from_db()
            assert complaint.state == ComplaintState.IN_PROGRESS
            with self.assertRaisesMessage(ValidationError, "มีใบสั่งงานที่ยังไม่ปิดอยู่แล้ว"):
                services.work_order_from_complaint(complaint=complaint, acting_user=self.engineer, due_on=TODAY)
        order = self.move(order, WorkOrderStatus.IN_PROGRESS)
        self.move(order, WorkOrderStatus.DONE, resolution="ซ่อมแล้ว")
        complaint.refresh_from_db()
        assert complaint.state == ComplaintState.DONE


class PreventiveScheduleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.engineer = MembershipFactory(municipality=cls.lam_phaya, role=Role.ENGINEER).user
        cls.lamp = InfrastructureAssetFactory(municipality=cls.lam_phaya)

    def schedule(self, **fields):
        with scoped_to(self.lam_phaya):
            return services.schedule_create(
                asset=self.lamp,
                acting_user=self.engineer,
                title="ล้างโคมและตรวจสายไฟ",
                interval_months=6,
                first_due_on=datetime.date(2025, 8, 31),
                **fields,
            )

    def close(self, order, to=WorkOrderStatus.DONE, completed_on=None):
        with scoped_to(self.lam_phaya):
            if to == WorkOrderStatus.DONE:
                order = services.work_order_transition(
                    work_order=order, to="assigned", acting_user=self.engineer, assignee=self.engineer
                )
                order = services.work_order_transition(work_order=order, to="in_progress", acting_user=self.engineer)
            return services.work_order_transition(
                work_order=order, to=to, acting_user=self.engineer, resolution="ทำแล้ว", completed_on=completed_on
            )

    def open_orders(self, schedule):
        return list(schedule.work_orders.filter(status__in=["open", "assigned", "in_progress"]))

    def test_a_schedule_opens_its_first_order_and_closing_it_opens_the_next_six_months_after_completion(self):
        schedule = self.schedule()
        with scoped_to(self.lam_phaya):
            (first,) = self.open_orders(schedule)
            assert (first.source, first.due_on, first.asset_id) == (
                "preventive",
                datetime.date(2025, 8, 31),
                self.lamp.pk,
            )
            self.close(first, completed_on=datetime.date(2025, 9, 4))
            (second,) = self.open_orders(schedule)
        assert second.due_on == datetime.date(2026, 3, 4)
        assert second.title == "ล้างโคมและตรวจสายไฟ"

    def test_a_fixed_cycle_counts_from_the_due_date_and_keeps_month_ends(self):
        schedule = self.schedule(repeat_from=RepeatFrom.DUE_DATE)
        with scoped_to(self.lam_phaya):
            (first,) = self.open_orders(schedule)
            self.close(first, completed_on=datetime.date(2025, 9, 20))
            (second,) = self.open_orders(schedule)
        assert second.due_on == datetime.date(2026, 2, 28)  # 31 Aug + 6 months

    def test_a_cancelled_preventive_order_still_brings_the_next_one_and_a_stopped_schedule_does_not(self):
        schedule = self.schedule()
        with scoped_to(self.lam_phaya):
            (first,) = self.open_orders(schedule)
            self.close(first, to=WorkOrderStatus.CANCELLED)
            (second,) = self.open_orders(schedule)
            assert second.due_on == datetime.date(2026, 2, 28)
            services.schedule_stop(schedule=schedule, acting_user=self.engineer)
            self.close(second, to=WorkOrderStatus.CANCELLED)
            assert self.open_orders(schedule) == []
            assert schedule.work_orders.count() == 2


class WorkOrderListTests(TestCase):
    """The engineer's list: open orders by due date, overdue ones marked, the same orders on the map."""

    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.engineer = MembershipFactory(municipality=cls.lam_phaya, role=Role.ENGINEER).user
        m = cls.lam_phaya
        cls.late = WorkOrderFactory(municipality=m, number="69-00003", due_on=TODAY - datetime.timedelta(days=2))
        cls.soon = WorkOrderFactory(municipality=m, number="69-00001", due_on=TODAY + datetime.timedelta(days=1))
        cls.later = WorkOrderFactory(
            municipality=m,
            number="69-00002",
            due_on=TODAY + datetime.timedelta(days=9),
            status="assigned",
            assignee=cls.engineer,
        )
        cls.done = WorkOrderFactory(
            municipality=m, number="69-00004", due_on=TODAY, status="done", assignee=cls.engineer
        )
        cls.theirs = WorkOrderFactory(number="69-00005", due_on=TODAY - datetime.timedelta(days=5))

    def setUp(self):
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)

    def test_open_orders_are_listed_by_due_date_with_the_overdue_one_marked(self):
        page = self.client.get(reverse("works:work-orders")).content.decode()
        positions = [page.index(f'data-number="{n}"') for n in ("69-00003", "69-00001", "69-00002")]
        assert positions == sorted(positions)
        assert 'data-number="69-00004"' not in page  # done
        assert 'data-number="69-00005"' not in page  # another municipality's
        assert 'class="overdue" data-number="69-00003"' in page
        assert 'data-figure="overdue">1<' in page and 'data-figure="open">3<' in page

    def test_the_map_draws_exactly_the_listed_orders(self):
        page = self.client.get(reverse("works:work-orders")).content.decode()
        assert page.count('"number": "69-0000') == 3
        assert '"number": "69-00005"' not in page
        assert "/static/vendor/leaflet-1.9.4/leaflet.js" in page and "https://" not in page.split("<body")[0]

    def test_my_orders_and_a_kind_filter_narrow_the_list(self):
        mine = self.client.get(reverse("works:work-orders") + "?mine=1").content.decode()
        assert 'data-number="69-00002"' in mine and 'data-number="69-00001"' not in mine
        roads = self.client.get(reverse("works:work-orders") + "?kind=road").content.decode()
        assert "data-number=" not in roads

    def test_the_list_takes_a_fixed_number_of_queries(self):
        for n in range(10):
            WorkOrderFactory(
                municipality=self.lam_phaya, number=f"69-01{n:03d}", assignee=self.engineer, status="assigned"
            )
        # Session, user, memberships, the membership's zone limits (trust: the scope needs them), the
        # count, the page, the overdue summary, the municipality's settings (catalogue: logo, colours,
        # menu), the memberships again for the switcher: none per order.
        with self.assertNumQueries(9):
            self.client.get(reverse("works:work-orders"))

    def test_an_engineer_moves_an_order_from_its_page(self):
        response = self.client.post(
            reverse("works:work-order-transition", args=[self.soon.pk]),
            {"to": "assigned", "assignee": self.engineer.pk},
        )
        assert response.status_code == 302
        self.soon.refresh_from_db()
        assert (self.soon.status, self.soon.assignee) == ("assigned", self.engineer)
        page = self.client.get(reverse("works:work-order", args=[self.soon.pk])).content.decode()
        assert "มอบหมายแล้ว" in page and "กำลังดำเนินการ" in page  # the next step is offered

    def test_a_move_made_on_a_stale_page_is_refused_in_thai_and_the_first_engineers_change_stays(self):
        technician = MembershipFactory(municipality=self.lam_phaya, role=Role.ENGINEER).user
        url = reverse("works:work-order-transition", args=[self.soon.pk])
        seen = self.soon.version  # both engineers opened the order's page at this version
        page = self.client.get(reverse("works:work-order", args=[self.soon.pk])).content.decode()
        assert f'name="version" value="{seen}"' in page
        self.client.post(url, {"to": "assigned", "assignee": self.engineer.pk, "version": seen})
        stale = Client()
        stale.force_login(technician)
        answer = stale.post(url, {"to": "cancelled", "resolution": "ซ้ำกับงานอื่น", "version": seen}, follow=True)
        text = answer.content.decode()
        assert f"ใบสั่งงาน 69-00001 ถูกแก้ไขโดย {self.engineer.username} เมื่อ" in text
        assert "การแก้ไขของคุณยังไม่ได้บันทึก" in text
        self.soon.refresh_from_db()
        assert (self.soon.status, self.soon.assignee, self.soon.resolution) == ("assigned", self.engineer, "")
        assert self.soon.version == seen + 1

    def test_an_executive_cannot_move_orders_and_an_outsider_cannot_see_them(self):
        executive = MembershipFactory(municipality=self.lam_phaya, role=Role.EXECUTIVE).user
        self.client.login(username=executive.username, password=TEST_PASSWORD)
        assert self.client.get(reverse("works:work-orders")).status_code == 200
        response = self.client.post(reverse("works:work-order-transition", args=[self.soon.pk]), {"to": "cancelled"})
        assert response.status_code == 403
        outsider = MembershipFactory(role=Role.ENGINEER).user
        self.client.login(username=outsider.username, password=TEST_PASSWORD)
        assert self.client.get(reverse("works:work-order", args=[self.soon.pk])).status_code == 404
        response = self.client.post(reverse("works:work-order-transition", args=[self.soon.pk]), {"to": "cancelled"})
        assert response.status_code == 404
        self.soon.refresh_from_db()
        assert self.soon.status == "open"
        assert "69-00001" not in self.client.get(reverse("works:work-orders")).content.decode()

    def test_an_engineer_opens_an_order_for_an_asset_by_its_code(self):
        response = self.client.post(
            reverse("works:work-order-create"),
            {
                "title": "ซ่อมเสา",
                "asset_code": self.late.asset.asset_code,
                "due_on": TODAY.isoformat(),
                "priority": "high",
            },
        )
        assert response.status_code == 302
        with scoped_to(self.lam_phaya):
            order = WorkOrder.objects.get(title="ซ่อมเสา")
        assert order.asset == self.late.asset and order.priority == "high"
        missing = self.client.post(
            reverse("works:work-order-create"),
            {"title": "x", "asset_code": self.theirs.asset.asset_code, "due_on": TODAY.isoformat(), "priority": "low"},
        )
        assert "ไม่พบทรัพย์สินรหัส" in missing.content.decode()
        assert InfrastructureAsset._base_manager.filter(pk=self.theirs.asset_id).exists()
