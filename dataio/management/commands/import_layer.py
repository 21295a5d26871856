import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dataio.layers import LAYERS
from dataio.reader import ENCODINGS, SUPPORTED_SRIDS
from dataio.services import ImportOptions, ImportRefused, import_file
from dataio.values import load_mapping
from jobs.progress import BarProgress
from municipalities.models import Municipality
from municipalities.tenancy import platform_scope, scoped_to


class Command(BaseCommand):
    help = "นำเข้าชั้นข้อมูลจากไฟล์ (shapefile zip, GeoPackage, GeoJSON, KML, CSV, XLSX) / Import a layer from a file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True, help="รหัส อปท. 6 หลัก")
        parser.add_argument("--layer", required=True, choices=list(LAYERS))
        parser.add_argument("--dry-run", action="store_true", help="ตรวจอย่างเดียว ไม่บันทึก")
        parser.add_argument("--mapping", type=Path, help="YAML: ชื่อคอลัมน์ในทะเบียน: ชื่อคอลัมน์ในไฟล์")
        parser.add_argument("--encoding", choices=list(ENCODINGS), help="การเข้ารหัสของ DBF/CSV (ไม่ระบุ = ตรวจหาเอง)")
        parser.add_argument("--srid", type=int, choices=list(SUPPORTED_SRIDS), help="ระบบพิกัดเมื่อไฟล์ไม่มี .prj")
        parser.add_argument("--thai-datum-shift", action="store_true", help="Indian 1975 ด้วย +towgs84=206,837,295")
        parser.add_argument("--repair", action="store_true", help="ซ่อมรูปเรขาคณิตที่ไม่ถูกต้องด้วย make_valid")
        parser.add_argument("--new-only", action="store_true", help="รหัสที่มีอยู่แล้วในทะเบียนถือว่าซ้ำ")
        parser.add_argument("--user", help="ชื่อผู้ใช้ที่บันทึกในประวัติการแก้ไข")
        parser.add_argument("--json", action="store_true", help="พิมพ์รายงานเป็น JSON")

    def handle(self, *args, file, municipality, layer, dry_run, mapping, json: bool, **options):
        with platform_scope():
            town = Municipality.objects.filter(code=municipality).first()
        if town is None:
            raise CommandError(f"ไม่พบเทศบาลรหัส {municipality}")
        if not file.exists():
            raise CommandError(f"ไม่พบไฟล์ {file}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"ไม่พบผู้ใช้ {options['user']}")
        import_options = ImportOptions(
            layer=layer,
            encoding=options["encoding"],
            srid=options["srid"],
            thai_datum_shift=options["thai_datum_shift"],
            repair=options["repair"],
            new_only=options["new_only"],
            mapping=load_mapping(mapping.read_text(encoding="utf-8")) if mapping else {},
        )
        progress = BarProgress(f"{file.name} → {layer}", unit="แถว", disable=None if options["verbosity"] else True)
        try:
            with scoped_to(town):
                report = import_file(
                    municipality=town,
                    acting_user=user,
                    path=file,
                    options=import_options,
                    dry_run=dry_run,
                    progress=progress,
                )
        except ImportRefused as refused:
            progress.close()
            self._print(refused.report, json)
            raise CommandError(refused.messages[0]) from None
        except ValidationError as error:
            progress.close()
            raise CommandError("\n".join(error.messages)) from None
        progress.close()
        self._print(report, json)
        if dry_run:
            self.stdout.write(self.style.WARNING("ตรวจอย่างเดียว (--dry-run): ไม่ได้บันทึกข้อมูล"))
        else:
            result = report["result"]
            self.stdout.write(self.style.SUCCESS(f"บันทึกแล้ว: ใหม่ {result['new']:,} ปรับปรุง {result['changed']:,}"))

    def _print(self, report: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1, default=str))
            return
        source = report["source"]
        self.stdout.write(f"{report['rows']:,} แถว · {source['format']} · {source['crs']} · {source['encoding'] or ''}")
        for note in source["notes"]:
            self.stdout.write(f"  {note}")
        self.stdout.write("คอลัมน์: " + ", ".join(f"{k} ← {v}" for k, v in report["columns"].items()))
        if report.get("outcome"):
            o = report["outcome"]
            self.stdout.write(f"ใหม่ {o['new']:,} · เปลี่ยน {o['changed']:,} · ไม่เปลี่ยน {o['unchanged']:,}")
        self.stdout.write(f"ข้อผิดพลาด {report['errors']:,} · คำเตือน {report['warnings']:,}")
        for problem in report["problems"][:50]:
            self.stdout.write(f"  แถว {problem['row']} {problem['code'] or ''}: {problem['message']}")
