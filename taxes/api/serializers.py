from rest_framework import serializers

from taxes.models import Assessment, Notice, Payment


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "kind", "number", "issued_on", "due_on"]


class AssessmentSerializer(serializers.ModelSerializer):
    parcel_code = serializers.CharField(source="parcel.parcel_code", default=None, read_only=True)
    signboard_code = serializers.CharField(source="signboard.signboard_code", default=None, read_only=True)

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
    facts = serializers.JSONField(source="calculator_input", read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "facts", "breakdown", "correction_reason", "notices"]


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
