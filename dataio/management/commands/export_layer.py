from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from dataio.exporter import FORMATS
from dataio.layers import LAYERS
from dataio.services import export_layer, export_with_personal_data
from municipalities.models import Municipality
from municipalities.tenancy import platform_scope, scoped_to


class Command(BaseCommand):
    help = "ส่งออกชั้นข้อมูลเป็นไฟล์ (ไม่มีข้อมูลส่วนบุคคล เว้นแต่ระบุ --personal-data) / Export a layer."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True)
        parser.add_argument("--layer", choices=list(LAYERS), default="parcels")
        parser.add_argument("--format", dest="fmt", choices=list(FORMATS), default="gpkg")
        parser.add_argument(
            "--encoding",
            choices=["utf-8", "cp874"],
            default="utf-8",
            help="shapefile เท่านั้น: ข้อความช่องละไม่เกิน 254 ไบต์ (ไทยราว 84 ตัวใน UTF-8, 254 ตัวใน CP874)",
        )
        parser.add_argument("--personal-data", action="store_true", help="รวมชื่อ เลขประจำตัว ที่อยู่ (ต้องระบุ --user ที่มีสิทธิ์)")
        parser.add_argument("--user", help="ผู้ส่งออก (ต้องมีสิทธิ์ดูข้อมูลส่วนบุคคลเมื่อใช้ --personal-data)")
        parser.add_argument("-o", "--output", type=Path, help="ไฟล์ผลลัพธ์ (ไม่ระบุ = ตั้งชื่อให้)")

    def handle(self, *args, municipality, layer, fmt, encoding, personal_data, user, output, **options):
        with platform_scope():
            town = Municipality.objects.filter(code=municipality).first()
        if town is None:
            raise CommandError(f"ไม่พบเทศบาลรหัส {municipality}")
        acting_user = get_user_model().objects.filter(username=user).first() if user else None
        if user and acting_user is None:
            raise CommandError(f"ไม่พบผู้ใช้ {user}")
        arguments = {"municipality": town, "acting_user": acting_user, "layer": layer, "fmt": fmt, "encoding": encoding}
        try:
            with scoped_to(town):
                exported = export_with_personal_data(**arguments) if personal_data else export_layer(**arguments)
        except PermissionDenied as error:
            raise CommandError(str(error) or "ไม่มีสิทธิ์ส่งออกข้อมูลส่วนบุคคล") from None
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None
        target = output or Path(exported.filename)
        target.write_bytes(exported.content)
        self.stdout.write(self.style.SUCCESS(f"{target}: {exported.rows:,} รายการ"))
