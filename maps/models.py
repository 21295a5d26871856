from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from municipalities.tenancy import MunicipalModel, municipal_history
from taxes.choices import TaxKind


class RevenueEstimate(MunicipalModel):
    """The revenue a municipality expects from one tax in a year (ประมาณการรายรับตามเทศบัญญัติงบประมาณ).

    The executive's dashboard sets collections against it; without one, it compares them with the
    tax assessed in the year's current run.
    """

    tax_year = models.PositiveSmallIntegerField(
        _("ปีภาษี (ค.ศ.)"), validators=[MinValueValidator(2000), MaxValueValidator(2200)]
    )
    kind = models.CharField(_("ประเภทภาษี"), max_length=20, choices=TaxKind.choices)
    amount = models.DecimalField(
        _("ประมาณการ (บาท)"), max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    reference = models.CharField(
        _("อ้างอิง"), max_length=300, blank=True, help_text=_("เช่น เทศบัญญัติงบประมาณรายจ่ายประจำปีงบประมาณ พ.ศ. 2569")
    )

    history = municipal_history()

    class Meta:
        verbose_name = _("ประมาณการรายรับ")
        verbose_name_plural = pgettext_lazy("plural", "ประมาณการรายรับ")
        ordering = ["-tax_year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "tax_year", "kind"], name="%(app_label)s_%(class)s_one_per_tax_and_year"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="%(app_label)s_%(class)s_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.tax_year + 543}: {self.amount}"


class BlockRevenue(MunicipalModel):
    """The tax due (expected) and paid (collected) in one assessment run by a block's parcels and the
    signs on them: the revenue the zone and block tiles show (ยอดประเมินและยอดจัดเก็บรายเขตย่อย).

    Derived data, kept by the database triggers of maps/triggers.py as the run's status rows
    (taxes.TaxStatus) change, so that a tile of the whole town sums a few thousand rows instead of a
    million parcels; a new run inserts its own along with its status rows (taxes.runs.copy_status).
    """

    run = models.ForeignKey(
        "taxes.AssessmentRun",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("รอบการประเมิน"),
    )
    block = models.ForeignKey(
        "municipalities.Block",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("เขตย่อย"),
    )
    expected = models.DecimalField(_("ยอดประเมิน (บาท)"), max_digits=16, decimal_places=2, default=Decimal(0))
    collected = models.DecimalField(_("ยอดจัดเก็บ (บาท)"), max_digits=16, decimal_places=2, default=Decimal(0))

    zone_paths = ("block__zone",)

    class Meta:
        verbose_name = _("รายได้รายเขตย่อย")
        verbose_name_plural = pgettext_lazy("plural", "รายได้รายเขตย่อย")
        constraints = [
            models.UniqueConstraint(fields=["run", "block"], name="%(app_label)s_%(class)s_one_per_run_and_block"),
        ]

    def __str__(self):
        return f"{self.block_id} · {self.run_id}"
