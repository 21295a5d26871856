from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jobs.progress import BarProgress
from municipalities.models import Municipality
from municipalities.tenancy import platform_scope, scoped_to
from municipalities.thai import be_year, format_baht
from taxes.services import assessment_run


class Command(BaseCommand):
    help = "ประเมินภาษีที่ดินและสิ่งปลูกสร้างและภาษีป้ายทั้งเทศบาล / Assess every parcel and signboard of a municipality."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="รหัส อปท. 6 หลัก เช่น 730514")
        parser.add_argument("--year", type=int, required=True, help="ปีภาษี ค.ศ. เช่น 2026")

    def handle(self, *args, municipality, year, **options):
        with platform_scope():
            found = Municipality.objects.filter(code=municipality).first()
        if found is None:
            raise CommandError(f"ไม่พบเทศบาลรหัส {municipality}")
        progress = BarProgress(f"ประเมินภาษีปี {be_year(year)}", unit="แปลง")
        try:
            with scoped_to(found):
                run = assessment_run(municipality=found, tax_year=year, progress=progress)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        finally:
            progress.close()
        stats = run.stats
        self.stdout.write(
            self.style.SUCCESS(
                f"{found.display_name} ปีภาษี {be_year(year)}: รอบที่ {run.pk} · "
                f"{stats['holdings']:,} รายการที่ดินและสิ่งปลูกสร้าง ({format_baht(stats['tax_land_building'])} บาท) · "
                f"{stats['signboards']:,} ป้าย ({format_baht(stats['tax_signboard'])} บาท)"
            )
        )
        for kind, problem in stats.get("problems", {}).items():
            self.stdout.write(f"  {kind}: {problem['count']:,} เช่น {', '.join(problem['examples'][:5])}")
        seconds = stats["seconds"]
        self.stdout.write(
            f"เวลา {seconds['total']} วินาที (ฐานข้อมูล {seconds['database']} วินาที, คำนวณ {seconds['compute']} วินาที)"
        )
