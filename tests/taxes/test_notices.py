"""Notices as PDF in Thai: rendered with WeasyPrint and Sarabun, read back with pdftotext."""

import datetime
import re
import subprocess

from django.test import TestCase

from assets.locator import parcel_locator_svg
from audit.choices import PersonalDataAction
from audit.models import PersonalDataAccess
from municipalities.tenancy import scoped_to
from taxes.models import Assessment
from taxes.services import assessment_run, notice_print, notices_issue, warning_issue
from tests.factories import UserFactory
from tests.taxes import scenario

D = datetime.date


# Vowel and tone marks above or below a letter, which pdftotext may put after the next letter.
THAI_MARKS = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")


def squash(text: str) -> str:
    """Thai text as pdftotext gives it back, made comparable.

    pdftotext orders glyphs by position, so marks above and below a letter may come after the next
    letter, and spaces or line breaks fall between them: both are dropped, on both sides. SARA AM
    is drawn as NIKHAHIT + SARA AA and shares the SARA AA glyph in the font subset, so it reads
    back as either: it is compared as SARA AA.
    """
    return re.sub(r"\s+", "", THAI_MARKS.sub("", text.replace("\u0e33", "\u0e32")))


class PDFText(str):
    def __contains__(self, expected):
        return squash(expected) in squash(str(self))

    def count(self, expected, *args):
        return squash(str(self)).count(squash(expected))


def pdf_text(data: bytes, tmp_dir) -> PDFText:
    path = tmp_dir / "notice.pdf"
    path.write_bytes(data)
    return PDFText(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout)


def pdf_fonts(data: bytes, tmp_dir) -> str:
    path = tmp_dir / "fonts.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


class NoticePDFTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, cls.sign = scenario.build()
        cls.officer = UserFactory(username="officer-pdf")
        with scoped_to(cls.m):
            run = assessment_run(municipality=cls.m, tax_year=2026)
            cls.notices = notices_issue(
                assessments=Assessment.objects.filter(run=run).order_by("id"),
                issued_on=D(2026, 2, 15),
                acting_user=cls.officer,
            )

    def setUp(self):
        import pathlib
        import tempfile

        self.tmp = pathlib.Path(tempfile.mkdtemp())

    def notice_for(self, code):
        return next(
            n
            for n in self.notices
            if (n.assessment.parcel and n.assessment.parcel.parcel_code == code)
            or (n.assessment.signboard and n.assessment.signboard.signboard_code == code)
        )

    def test_a_land_and_building_notice_has_the_pds6_and_the_pds7_sheet_in_thai(self):
        notice = self.notice_for("01A002")
        with scoped_to(self.m):
            data = notice_print(notices=[notice], acting_user=self.officer)
        text = pdf_text(data, self.tmp)
        assert data.startswith(b"%PDF")
        for expected in (
            "ภ.ด.ส.6",
            "หนังสือแจ้งการประเมินภาษีที่ดินและสิ่งปลูกสร้าง",
            f"เลขที่ {notice.number}",
            "ประจำปีภาษี 2569",
            "15 กุมภาพันธ์ พ.ศ. 2569",
            "30 มิถุนายน พ.ศ. 2569",
            "นายสมชาย ใจดี",
            "01A002",
            "552.00",
            "ภ.ด.ส.7",
            "2,400,000.00",
            "หักค่าเสื่อมราคา (ไม้ อายุ 10 ปี ร้อยละ 40)",
            "อัตราร้อยละ 0.02",
        ):
            assert expected in text, expected
        assert "Sarabun" in pdf_fonts(data, self.tmp)

    def test_a_signboard_notice_is_a_pp3_with_its_calculation(self):
        with scoped_to(self.m):
            data = notice_print(notices=[self.notice_for("01A006-P001")], acting_user=self.officer)
        text = pdf_text(data, self.tmp)
        for expected in ("ภ.ป.3", "หนังสือแจ้งการประเมินภาษีป้าย", "01A006-P001", "494.00", "19 หน่วย", "บริษัททดสอบ จำกัด"):
            assert expected in text, expected

    def test_a_batch_prints_every_notice_in_one_file(self):
        with scoped_to(self.m):
            data = notice_print(notices=self.notices, acting_user=self.officer)
        text = pdf_text(data, self.tmp)
        assert text.count("ภ.ด.ส.6") == 9
        assert text.count("ภ.ป.3") >= 1
        assert all(n.number in text for n in self.notices)

    def test_each_notice_printed_is_in_the_access_log_with_who_printed_it(self):
        with scoped_to(self.m):
            notice_print(notices=self.notices[:2], acting_user=self.officer)
            logged = list(PersonalDataAccess.objects.order_by("id"))
        assert [(row.user, row.action, row.object_id, row.detail) for row in logged] == [
            (self.officer, PersonalDataAction.PRINT_NOTICE, str(notice.pk), "พิมพ์พร้อมกัน 2 ฉบับ")
            for notice in self.notices[:2]
        ]

    def test_a_warning_letter_names_the_new_date_and_the_40_percent_penalty(self):
        with scoped_to(self.m):
            warning = warning_issue(
                assessment=self.notice_for("01A002").assessment, issued_on=D(2026, 8, 1), acting_user=self.officer
            )
            text = pdf_text(notice_print(notices=[warning], acting_user=self.officer), self.tmp)
        assert "หนังสือแจ้งเตือนให้ชำระภาษีค้าง" in text
        assert "31 สิงหาคม พ.ศ. 2569" in text
        assert "ร้อยละ 40" in text

    def test_the_locator_map_is_drawn_from_our_own_geometry(self):
        parcel = self.parcels["01A002"]
        with scoped_to(self.m):
            svg = parcel_locator_svg(parcel)
        assert svg.startswith("<svg") and "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert svg.count("<path") >= 3  # the parcel, a neighbour and a building at least
        assert "#c0392b" in svg  # the parcel itself, highlighted
