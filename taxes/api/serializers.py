from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from taxes.models import Assessment, Instalment, Notice, Payment
from taxes.rules import land_building as lb
from taxes.rules import signboard as sb


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "kind", "number", "issued_on", "due_on"]


class InstalmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instalment
        fields = ["number", "due_on", "amount", "additional"]


class AssessmentSerializer(serializers.ModelSerializer):
    # One of the two is empty (null): an assessment taxes a parcel or a signboard.
    parcel_code = serializers.CharField(source="parcel.parcel_code", default=None, read_only=True, allow_null=True)
    signboard_code = serializers.CharField(
        source="signboard.signboard_code", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Assessment
        fields = [
            "id",
            "run",
            "tax_year",
            "kind",
            "status",
            "owner",
            "parcel",
            "parcel_code",
            "signboard",
            "signboard_code",
            "tax",
            "issued_on",
            "supersedes",
        ]


class AssessmentDetailSerializer(AssessmentSerializer):
    notices = NoticeSerializer(many=True, read_only=True)
    # What is owed when: a corrected assessment keeps the dates already notified and adds an increase
    # (`additional`) on its own date, which its notice alone does not show (taxes.rules.collection).
    instalments = InstalmentSerializer(many=True, read_only=True)
    facts = serializers.JSONField(source="calculator_input", read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [
            *AssessmentSerializer.Meta.fields,
            "facts",
            "breakdown",
            "correction_reason",
            "notices",
            "instalments",
        ]


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = [
            "id",
            "assessment",
            "receipt_number",
            "paid_on",
            "amount",
            "principal",
            "penalty",
            "surcharge",
            "allocation",
            "recorded_at",
        ]
        read_only_fields = ["principal", "penalty", "surcharge", "allocation", "recorded_at"]


class PaymentInputSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    receipt_number = serializers.CharField(max_length=40)
    paid_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)


# The calculator's contract (taxes/calculator.py), as the OpenAPI schema documents it. The calculator
# itself reads and checks the JSON (the same code serves `manage.py taxcalc`); these only describe it.
# Amounts are decimal strings ("1000.50"); the calculator also takes plain JSON numbers.


def _amount(help_text: str = "", **kwargs):
    return serializers.DecimalField(max_digits=20, decimal_places=4, help_text=help_text, **kwargs)


class UseShareSerializer(serializers.Serializer):
    use = serializers.ChoiceField(
        choices=lb.USES, help_text=_("การใช้ประโยชน์ (land: ไม่รวม residential_main_building_only)")
    )
    share = _amount(_("สัดส่วน 0–1; ทุกรายการรวมกันต้องเท่ากับ 1"))


class CaseLandSerializer(serializers.Serializer):
    area_sq_wah = _amount(_("เนื้อที่ (ตารางวา)"))
    price_per_sq_wah = _amount(_("ราคาประเมินต่อตารางวา (บาท)"))
    vacant_years = serializers.IntegerField(min_value=0, max_value=200, required=False, help_text=_("ปีที่ทิ้งร้างติดต่อกัน"))
    uses = UseShareSerializer(many=True)
    share = _amount(_("สัดส่วนกรรมสิทธิ์ (0–1] ค่าเริ่มต้น 1"), required=False)


class CaseBuildingSerializer(serializers.Serializer):
    floor_area_m2 = _amount(_("พื้นที่อาคาร (ตารางเมตร)"))
    price_per_m2 = _amount(_("ราคาประเมินต่อตารางเมตร (บาท)"))
    structure = serializers.ChoiceField(choices=lb.STRUCTURES)
    age_years = serializers.IntegerField(min_value=0, max_value=500)
    uses = UseShareSerializer(many=True)
    share = _amount(_("สัดส่วนกรรมสิทธิ์ (0–1] ค่าเริ่มต้น 1"), required=False)


class LandBuildingCaseSerializer(serializers.Serializer):
    """One taxpayer's land and buildings on one parcel (LBTA): at least land or one building."""

    tax_year = serializers.IntegerField(min_value=1900, max_value=2200, help_text=_("ปีภาษี (ค.ศ.)"))
    owner_kind = serializers.ChoiceField(choices=lb.OWNER_KINDS)
    land = CaseLandSerializer(required=False, allow_null=True)
    buildings = CaseBuildingSerializer(many=True, required=False)
    prior_year_tax = _amount(_("ภาษีปีก่อน (บาท) สำหรับการบรรเทาภาระ"), required=False, allow_null=True)
    municipality = serializers.CharField(required=False, allow_null=True, help_text=_("รหัสเทศบาล 6 หลัก (ข้อบัญญัติท้องถิ่น)"))
    agriculture_exemption_used = _amount(_("มูลค่ายกเว้นเกษตรกรรมที่ใช้ไปแล้วในเทศบาลอื่น (บาท)"), required=False)


class SignSerializer(serializers.Serializer):
    width_cm = serializers.IntegerField(min_value=1)
    height_cm = serializers.IntegerField(min_value=1)
    sign_type = serializers.ChoiceField(choices=sb.SIGN_TYPES)
    moving = serializers.BooleanField(required=False)


class SignboardCaseSerializer(SignSerializer):
    """One signboard for a tax year (STA)."""

    tax_year = serializers.IntegerField(min_value=1900, max_value=2200, help_text=_("ปีภาษี (ค.ศ.)"))
    installed_on = serializers.DateField(required=False, allow_null=True, help_text=_("วันที่ติดตั้ง (ค.ศ.)"))
    faces = serializers.IntegerField(min_value=1, max_value=4, required=False)
    replaces = SignSerializer(required=False, allow_null=True, help_text=_("ป้ายเดิมที่ถูกแทนที่ในปีเดียวกัน"))
    filing = serializers.ChoiceField(choices=sb.FILINGS, required=False)


class _ResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    tax_year = serializers.IntegerField()
    tax = serializers.CharField(help_text=_("ภาษี (บาท) ทศนิยมสองตำแหน่ง"))
    breakdown = serializers.ListField(child=serializers.DictField(), help_text=_("รายการคำนวณทีละบรรทัด"))
    parameters = serializers.DictField(
        child=serializers.DictField(), help_text=_("ค่าพารามิเตอร์ที่ใช้ พร้อมแหล่งอ้างอิงทางกฎหมาย")
    )


class LandBuildingResultSerializer(_ResultSerializer):
    values = serializers.DictField(child=serializers.CharField(), help_text=_("มูลค่าตามการใช้ประโยชน์ (บาท)"))
    exemptions = serializers.DictField(child=serializers.CharField(), help_text=_("มูลค่าที่ได้รับยกเว้น (บาท)"))
    taxes_by_use = serializers.DictField(child=serializers.CharField(), help_text=_("ภาษีตามการใช้ประโยชน์ (บาท)"))


class SignboardResultSerializer(_ResultSerializer):
    area_cm2 = serializers.IntegerField()
    units = serializers.IntegerField(help_text=_("จำนวนหน่วย 500 ตารางเซนติเมตร"))
    rate_per_unit = serializers.CharField()


class CalculatorErrorSerializer(serializers.Serializer):
    """Bad input: the field at fault (its path, e.g. land.uses[0].share) and why, in Thai."""

    error = serializers.CharField()
    field = serializers.CharField()
