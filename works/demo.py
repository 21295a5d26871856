"""The engineers' part of a demo town: inspections, preventive schedules, work orders, complaints.

Written through the services, as the engineers would, so every record is valid and has its history.
Dates are relative to the day of seeding, so the demo always has something due and something late.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import timezone

from assets.choices import InfrastructureKind
from assets.models import InfrastructureAsset
from municipalities.tenancy import scoped_to
from works import services
from works.choices import CHECKLISTS, ComplaintChannel, WorkOrderStatus

COMPLAINTS = [
    ("streetlight", "ไฟทางดับหลายต้น มืดมากตอนกลางคืน", InfrastructureKind.STREETLIGHT),
    ("streetlight", "โคมไฟกะพริบทั้งคืน", InfrastructureKind.STREETLIGHT),
    ("flooding", "ฝนตกแล้วน้ำท่วมขังหน้าบ้าน ระบายไม่ทัน", InfrastructureKind.DRAIN),
    ("cctv", "กล้องหน้าตลาดไม่มีไฟสถานะ", InfrastructureKind.CCTV),
    ("other", "กิ่งไม้หักพาดสายไฟ", None),
]


def seed(municipality, *, slug: str, seed: int = 2569) -> None:
    rng = random.Random(f"works-{seed}-{municipality.code}")
    engineer = get_user_model().objects.get(username=f"{slug}-engineer")
    today = timezone.localdate()
    with scoped_to(municipality):
        assets = list(InfrastructureAsset.objects.order_by("asset_code"))
        by_kind = {}
        for asset in assets:
            by_kind.setdefault(asset.kind, []).append(asset)
        for asset in rng.sample(assets, min(30, len(assets))):
            items = CHECKLISTS.get(asset.kind, {})
            condition = rng.choices([1, 2, 3, 4, 5], [15, 35, 30, 15, 5])[0]
            answers = {k: ("defect" if condition >= 4 and rng.random() < 0.6 else "ok") for k in items}
            inspection = services.inspection_record(
                asset=asset,
                acting_user=engineer,
                inspected_on=today - datetime.timedelta(days=rng.randint(3, 300)),
                condition=condition,
                checklist=answers,
                notes="ตรวจตามแผนประจำปี" if condition < 4 else "พบความชำรุด ต้องซ่อม",
            )
            if condition >= 4:
                order = services.work_order_from_inspection(
                    inspection=inspection,
                    acting_user=engineer,
                    due_on=today + datetime.timedelta(days=rng.randint(-10, 30)),
                    priority="high" if condition == 5 else "normal",
                )
                if rng.random() < 0.5:
                    services.work_order_transition(
                        work_order=order, to=WorkOrderStatus.ASSIGNED, acting_user=engineer, assignee=engineer
                    )
        for asset in by_kind.get(InfrastructureKind.STREETLIGHT, [])[:8]:
            services.schedule_create(
                asset=asset,
                acting_user=engineer,
                title="ล้างโคม ตรวจหลอดและสายไฟ",
                interval_months=6,
                first_due_on=today + datetime.timedelta(days=rng.randint(-20, 90)),
            )
        for category, text, kind in COMPLAINTS:
            near = rng.choice(by_kind.get(kind) or assets)
            centre = near.geom if near.geom.geom_type == "Point" else near.geom.point_on_surface
            location = Point(
                centre.x + rng.uniform(-0.0001, 0.0001), centre.y + rng.uniform(-0.0001, 0.0001), srid=4326
            )
            if not municipality.boundary.covers(location):
                continue
            complaint = services.complaint_submit(
                municipality=municipality,
                channel=ComplaintChannel.WEB_FORM,
                category=category,
                description=text,
                location=location,
            )
            if category == "streetlight":
                services.work_order_from_complaint(
                    complaint=complaint, acting_user=engineer, due_on=today + datetime.timedelta(days=5)
                )
