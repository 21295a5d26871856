"""Assessment runs, assessments, notices, instalments, payments, and the tax status the maps read.

An assessment is written once. A rerun makes a new run; an issued assessment is never edited: a
correction is a new assessment that supersedes it (the old one's status changes to superseded,
recorded in its history with the officer and the reason), and payments made on the old one count
towards the new one (they share the same `original`).

The foreign keys of the two large tables (Assessment, TaxStatus) are not database constraints
(`db_constraint=False`): a run writes up to a million rows with COPY, with ids it has just read
or created itself, and a constraint trigger per row took 31 s of a 1M-parcel run (and locks every
parcel row it checks); even the two links between assessments (`supersedes`, `original`), empty in a
run's drafts, cost a trigger call per row and per link at the commit (about 1 s for 1M rows).
Django still refuses to delete a parcel, owner, signboard or run that has assessments
(`on_delete=PROTECT`), and parcels are retired, not deleted.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from municipalities.tenancy import MunicipalModel, municipal_history
from taxes.choices import AssessmentStatus, NoticeKind, RunStatus, TaxKind

MONEY = {"max_digits": 16, "decimal_places": 2}


def bulk_municipality():
    """The municipality of a row of a bulk-written table: no constraint trigger, no index of its own."""
    return models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        verbose_name=_("เทศบาล"),
        help_text=_("เทศบาลเจ้าของข้อมูล"),
    )


class AssessmentRun(MunicipalModel):
    """One yearly assessment of every parcel, building and signboard of a municipality (การประเมินภาษีประจำปี)."""

    tax_year = models.PositiveSmallIntegerField(_("ปีภาษี (ค.ศ.)"))
    status = models.CharField(_("สถานะ"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    is_current = models.BooleanField(
        _("เป็นผลการประเมินล่าสุดของปี"), default=False, help_text=_("การประเมินที่เสร็จล่าสุดของปีภาษีนี้")
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ผู้สั่งประเมิน"),
    )
    started_at = models.DateTimeField(_("เริ่มเมื่อ"), auto_now_add=True)
    finished_at = models.DateTimeField(_("เสร็จเมื่อ"), null=True, blank=True)
    task = models.ForeignKey(
        "jobs.BackgroundTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("งานเบื้องหลัง"),
    )
    parameters = models.JSONField(
        _("ค่าพารามิเตอร์ที่ใช้"), default=dict, blank=True, help_text=_("อัตรา เกณฑ์ และบัญชีราคาที่ใช้ พร้อมแหล่งอ้างอิงทางกฎหมาย")
    )
    stats = models.JSONField(_("สรุปผล"), default=dict, blank=True)
    message = models.TextField(_("ข้อความ"), blank=True)

    history = municipal_history(excluded_fields=["parameters", "stats"])

    class Meta:
        verbose_name = _("รอบการประเมินภาษี")
        verbose_name_plural = pgettext_lazy("plural", "รอบการประเมินภาษี")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "tax_year"],
                condition=models.Q(is_current=True),
                name="%(app_label)s_%(class)s_one_current_per_year",
            ),
        ]

    def __str__(self):
        return _("การประเมินปี %(year)s รอบที่ %(id)s") % {"year": self.tax_year + 543, "id": self.pk}


class Assessment(MunicipalModel):
    """The tax of one taxpayer's holding on one parcel (ภ.ด.ส.6/7), or of one signboard (ภ.ป.3), for a year.

    `facts` are the facts of a calculator case in compact form (taxes/facts.py): `calculator_input`
    gives the calculator's JSON, from which `taxes.calculator` recomputes the tax exactly. The run
    holds the parameter values used. `breakdown` is the ภ.ด.ส.7 sheet line by line: stored when the
    assessment is issued (a run computes a million drafts without it; for a draft it is rebuilt
    from its facts by the same rules and the same parameters).
    """

    municipality = bulk_municipality()
    run = models.ForeignKey(
        AssessmentRun,
        on_delete=models.PROTECT,
        related_name="assessments",
        db_index=False,
        db_constraint=False,
        verbose_name=_("รอบการประเมิน"),
    )
    tax_year = models.PositiveSmallIntegerField(_("ปีภาษี (ค.ศ.)"))
    kind = models.CharField(_("ประเภทภาษี"), max_length=20, choices=TaxKind.choices)
    owner = models.ForeignKey(
        "assets.Owner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        related_name="assessments",
        verbose_name=_("ผู้เสียภาษี"),
    )
    parcel = models.ForeignKey(
        "assets.Parcel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        related_name="assessments",
        verbose_name=_("แปลงที่ดิน"),
    )
    signboard = models.ForeignKey(
        "assets.Signboard",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        related_name="assessments",
        verbose_name=_("ป้าย"),
    )
    facts = models.TextField(
        _("ข้อเท็จจริงที่ใช้คำนวณ"), help_text=_("ในรูปย่อของ taxes/facts.py; แปลงเป็นข้อมูลนำเข้าของเครื่องคำนวณได้ครบถ้วน")
    )
    tax = models.DecimalField(_("ภาษีที่ประเมิน (บาท)"), **MONEY, validators=[MinValueValidator(Decimal(0))])
    breakdown = models.JSONField(_("รายการคำนวณ"), default=list, blank=True)
    status = models.CharField(
        _("สถานะ"), max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    issued_on = models.DateField(_("วันที่แจ้งการประเมิน"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        related_name="superseded_by",
        verbose_name=_("แก้ไขแทนการประเมิน"),
    )
    original = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        related_name="+",
        verbose_name=_("การประเมินครั้งแรกของเรื่องนี้"),
        help_text=_("ว่างไว้สำหรับการประเมินครั้งแรก; การประเมินแก้ไขทุกครั้งชี้ไปที่ครั้งแรก"),
    )
    correction_reason = models.TextField(_("เหตุผลการแก้ไข"), blank=True)

    history = municipal_history()

    zone_paths = ("parcel__block__zone", "signboard__parcel__block__zone")  # the zone of what is taxed

    class Meta:
        verbose_name = _("การประเมินภาษี")
        verbose_name_plural = pgettext_lazy("plural", "การประเมินภาษี")
        ordering = ["run", "id"]
        indexes = [
            models.Index(fields=["run", "parcel"], name="taxes_assessment_run_parcel"),
            models.Index(
                fields=["run", "signboard"],
                name="taxes_assessment_run_sign",
                condition=models.Q(signboard__isnull=False),
            ),
            models.Index(
                fields=["municipality", "tax_year", "status"],
                name="taxes_assessment_issued",
                condition=models.Q(status="issued"),
            ),
            models.Index(
                fields=["original"], name="taxes_assessment_original", condition=models.Q(original__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(tax__gte=0), name="%(app_label)s_%(class)s_tax_not_negative"),
            models.CheckConstraint(
                condition=models.Q(kind=TaxKind.LAND_BUILDING, parcel__isnull=False, signboard__isnull=True)
                | models.Q(kind=TaxKind.SIGNBOARD, signboard__isnull=False, parcel__isnull=True),
                name="%(app_label)s_%(class)s_subject_fits_kind",
            ),
        ]

    def __str__(self):
        subject = self.signboard if self.kind == TaxKind.SIGNBOARD else self.parcel
        return f"{self.get_kind_display()} {self.tax_year + 543} · {subject}"

    @property
    def case(self):
        """The facts as the rules' case (a dataclass)."""
        from taxes import facts

        if self.kind == TaxKind.SIGNBOARD:
            return facts.decode_signboard(self.facts)
        return facts.decode_land_building(self.facts)

    @property
    def calculator_input(self) -> dict:
        """The facts as the JSON that `manage.py taxcalc` and the calculator API take."""
        from taxes import calculator

        if self.kind == TaxKind.SIGNBOARD:
            return calculator.signboard_case_json(self.case)
        return calculator.land_building_case_json(self.case)

    @property
    def chain_id(self) -> int:
        """The id that this assessment and every correction of it share (payments count across it)."""
        return self.original_id or self.pk


# Notices, instalments and payments lie in the zone of their assessment.
OF_ITS_ASSESSMENT = tuple(f"assessment__{path}" for path in Assessment.zone_paths)


class Notice(MunicipalModel):
    """A notice sent to the taxpayer: the assessment notice (ภ.ด.ส.6 / ภ.ป.3) or a warning letter (s.61)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="notices", verbose_name=_("การประเมิน")
    )
    kind = models.CharField(_("ประเภทหนังสือ"), max_length=12, choices=NoticeKind.choices)
    number = models.CharField(_("เลขที่หนังสือ"), max_length=30)
    issued_on = models.DateField(_("ลงวันที่"))
    due_on = models.DateField(_("ชำระภายในวันที่"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("ผู้ออกหนังสือ")
    )
    created_at = models.DateTimeField(_("บันทึกเมื่อ"), auto_now_add=True)

    history = municipal_history()

    zone_paths = OF_ITS_ASSESSMENT

    class Meta:
        verbose_name = _("หนังสือแจ้ง")
        verbose_name_plural = pgettext_lazy("plural", "หนังสือแจ้ง")
        ordering = ["-issued_on", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "number"], name="%(app_label)s_%(class)s_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("issued_on")), name="%(app_label)s_%(class)s_due_after_issue"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


class Instalment(MunicipalModel):
    """One of the equal instalments of an assessment's tax (LBTA s.52, STA s.19 bis), or an increase.

    A correction keeps the instalments of the assessment it corrects (taking a reduction off the last
    ones first) and adds an increase as an `additional` row with its own due date: the row is no
    instalment of s.52, so missing it does not bring the instalments due, nor does a missed instalment
    bring it due (taxes.rules.collection.corrected_plan, outstanding_instalments).
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="instalments", verbose_name=_("การประเมิน")
    )
    number = models.PositiveSmallIntegerField(_("งวดที่"))
    due_on = models.DateField(_("ครบกำหนด"))
    amount = models.DecimalField(_("จำนวนเงิน (บาท)"), **MONEY)
    additional = models.BooleanField(
        _("ภาษีที่ประเมินเพิ่มเติม"),
        default=False,
        help_text=_("ภาษีส่วนที่เพิ่มขึ้นจากการประเมินแก้ไข ครบกำหนดตามหนังสือแจ้งฉบับแก้ไข ไม่ใช่งวดผ่อนชำระตามมาตรา 52"),
    )

    zone_paths = OF_ITS_ASSESSMENT

    class Meta:
        verbose_name = _("งวดการชำระ")
        verbose_name_plural = pgettext_lazy("plural", "งวดการชำระ")
        ordering = ["assessment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "number"], name="%(app_label)s_%(class)s_unique_number"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="%(app_label)s_%(class)s_amount_not_negative"
            ),
        ]

    def __str__(self):
        return _("งวดที่ %(n)s") % {"n": self.number}


class Payment(MunicipalModel):
    """A payment received, with its receipt number (ใบเสร็จรับเงิน): the tax, penalty and surcharge it covers.

    A receipt number is recorded once per municipality: submitting the same receipt again (a
    double click, two officers at once) returns the payment already recorded.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="payments", verbose_name=_("การประเมิน")
    )
    receipt_number = models.CharField(_("เลขที่ใบเสร็จ"), max_length=40)
    paid_on = models.DateField(_("วันที่ชำระ"))
    amount = models.DecimalField(_("จำนวนเงินที่รับ (บาท)"), **MONEY)
    principal = models.DecimalField(_("ค่าภาษี (บาท)"), **MONEY)
    penalty = models.DecimalField(_("เบี้ยปรับ (บาท)"), **MONEY, default=Decimal(0))
    surcharge = models.DecimalField(_("เงินเพิ่ม (บาท)"), **MONEY, default=Decimal(0))
    allocation = models.JSONField(_("การตัดชำระรายงวด"), default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("ผู้รับชำระ")
    )
    recorded_at = models.DateTimeField(_("บันทึกเมื่อ"), auto_now_add=True)

    history = municipal_history()

    zone_paths = OF_ITS_ASSESSMENT

    class Meta:
        verbose_name = _("การรับชำระภาษี")
        verbose_name_plural = pgettext_lazy("plural", "การรับชำระภาษี")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "receipt_number"], name="%(app_label)s_%(class)s_unique_receipt"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="%(app_label)s_%(class)s_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(amount=models.F("principal") + models.F("penalty") + models.F("surcharge")),
                name="%(app_label)s_%(class)s_amount_is_the_sum",
            ),
        ]

    def __str__(self):
        return f"{self.receipt_number} · {self.amount}"


STATUS_FIGURES = ["tax_due", "tax_paid", "notice_sent", "due_on"]  # what the tiles read of a status row


class TaxStatus(MunicipalModel):
    """The tax of a parcel (all its taxpayers) or a signboard in a run, kept current for the maps.

    Written by the run and updated by the services that issue notices and record payments. Tile SQL
    joins the view `taxes_tax_status` (see taxes/selectors.py), which keeps the current run's rows
    and derives the status from these figures and today's date.
    """

    municipality = bulk_municipality()
    run = models.ForeignKey(
        AssessmentRun,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("รอบการประเมิน"),
    )
    tax_year = models.PositiveSmallIntegerField(_("ปีภาษี (ค.ศ.)"))
    parcel = models.ForeignKey(
        "assets.Parcel",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("แปลงที่ดิน"),
    )
    signboard = models.ForeignKey(
        "assets.Signboard",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("ป้าย"),
    )
    tax_due = models.DecimalField(_("ภาษีที่ต้องชำระ (บาท)"), **MONEY)
    tax_paid = models.DecimalField(_("ภาษีที่ชำระแล้ว (บาท)"), **MONEY, default=Decimal(0))
    notice_sent = models.BooleanField(_("แจ้งการประเมินแล้ว"), default=False)
    due_on = models.DateField(_("ครบกำหนดชำระ"), null=True, blank=True)

    zone_paths = Assessment.zone_paths

    class Meta:
        verbose_name = _("สถานะภาษีรายแปลง/รายป้าย")
        verbose_name_plural = pgettext_lazy("plural", "สถานะภาษีรายแปลง/รายป้าย")
        # A tile reads each feature's status from these indexes alone (an index-only scan once the run's
        # rows are vacuumed): a z14 tile of 3,000 parcels probes one 3,000 times (docs/BENCHMARKS.md).
        constraints = [
            models.UniqueConstraint(
                fields=["run", "parcel"],
                include=STATUS_FIGURES,
                condition=models.Q(parcel__isnull=False),
                name="%(app_label)s_%(class)s_unique_parcel",
            ),
            models.UniqueConstraint(
                fields=["run", "signboard"],
                include=STATUS_FIGURES,
                condition=models.Q(signboard__isnull=False),
                name="%(app_label)s_%(class)s_unique_signboard",
            ),
            # Each taxpayer's payments count up to their tax due (taxes.runs.STATUS_SQL).
            models.CheckConstraint(
                condition=models.Q(tax_paid__lte=models.F("tax_due")), name="%(app_label)s_%(class)s_paid_within_due"
            ),
        ]

    def __str__(self):
        return f"{self.parcel or self.signboard} · {self.tax_year + 543}"
