import json
import sys

from django.core.management.base import BaseCommand

from taxes import calculator


class Command(BaseCommand):
    help = (
        "คำนวณภาษีจากไฟล์ JSON / Calculate a tax from a JSON case: "
        "`taxcalc land-building CASE.json` or `taxcalc signboard CASE.json` ('-' reads standard input)."
    )

    def add_arguments(self, parser):
        parser.add_argument("tax", choices=sorted(calculator.CALCULATORS))
        parser.add_argument("case", help="ไฟล์ JSON ของกรณี หรือ - สำหรับอ่านจาก standard input")

    def handle(self, *args, tax, case, **options):
        try:
            text = sys.stdin.read() if case == "-" else open(case, encoding="utf-8").read()  # noqa: SIM115
        except OSError as error:
            self._fail("case", f"เปิดไฟล์ไม่ได้: {error.strerror}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            self._fail("case", f"ไม่ใช่ JSON ที่ถูกต้อง (บรรทัด {error.lineno}): {error.msg}")
        try:
            result = calculator.CALCULATORS[tax](data)
        except calculator.CaseError as error:
            self._fail(error.field, error.message)
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def _fail(self, field: str, message: str):
        """Exit with status 2 and one line naming the field at fault (never a traceback)."""
        self.stderr.write(json.dumps({"error": message, "field": field}, ensure_ascii=False))
        sys.exit(2)
