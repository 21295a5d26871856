from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from municipalities.drf import HasCapability, MunicipalAPIMixin
from municipalities.permissions import Capability
from taxes import calculator, services
from taxes.api.serializers import (
    AssessmentDetailSerializer,
    AssessmentSerializer,
    CalculatorErrorSerializer,
    LandBuildingCaseSerializer,
    LandBuildingResultSerializer,
    PaymentInputSerializer,
    PaymentSerializer,
    SignboardCaseSerializer,
    SignboardResultSerializer,
)
from taxes.models import Assessment, Payment


class CalculateView(MunicipalAPIMixin, APIView):
    """The public calculator: the JSON of `manage.py taxcalc` in, the same JSON answer out (400 on bad input).

    The calculator reads and checks the input itself (one contract for the command and the API); the
    serializers in the schema only document it.
    """

    permission_classes = [HasCapability]
    read_capability = write_capability = Capability.VIEW_TAXES  # computes only; changes nothing
    calculator_name = ""

    def post(self, request):
        try:
            result = calculator.CALCULATORS[self.calculator_name](request.data)
        except ParseError:  # the body is not JSON: answered like `taxcalc` answers a file that is not
            return Response(
                calculator.CaseError("case", "ไม่ใช่ JSON ที่ถูกต้อง").as_dict(), status=status.HTTP_400_BAD_REQUEST
            )
        except calculator.CaseError as error:
            return Response(error.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        return Response(result)


def _calculator_schema(case, result, summary):
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"tax_calculate_{result.__name__.removesuffix('ResultSerializer').lower()}",
            summary=summary,
            request=case,
            responses={200: result, 400: CalculatorErrorSerializer},
        )
    )


@_calculator_schema(LandBuildingCaseSerializer, LandBuildingResultSerializer, "คำนวณภาษีที่ดินและสิ่งปลูกสร้าง")
class LandBuildingCalculateView(CalculateView):
    calculator_name = "land-building"


@_calculator_schema(SignboardCaseSerializer, SignboardResultSerializer, "คำนวณภาษีป้าย")
class SignboardCalculateView(CalculateView):
    calculator_name = "signboard"


class AssessmentList(MunicipalAPIMixin, generics.ListAPIView):
    permission_classes = [HasCapability]
    read_capability = Capability.VIEW_TAXES
    write_capability = None  # read-only: assessments change through the yearly run and the tax pages
    serializer_class = AssessmentSerializer
    filterset_fields = ["tax_year", "kind", "status", "run", "parcel", "signboard", "owner"]

    def get_queryset(self):
        return Assessment.objects.select_related("parcel", "signboard").order_by("-id")


class AssessmentDetail(MunicipalAPIMixin, generics.RetrieveAPIView):
    permission_classes = [HasCapability]
    read_capability = Capability.VIEW_TAXES
    write_capability = None  # read-only: assessments change through the yearly run and the tax pages
    serializer_class = AssessmentDetailSerializer

    def get_queryset(self):
        return Assessment.objects.select_related("parcel", "signboard").prefetch_related("notices", "instalments")


class PaymentList(MunicipalAPIMixin, generics.ListAPIView):
    """GET: payments (VIEW_TAXES). POST: record one (RECORD_PAYMENT); the same receipt again answers 200."""

    permission_classes = [HasCapability]
    read_capability = Capability.VIEW_TAXES
    write_capability = Capability.RECORD_PAYMENT
    serializer_class = PaymentSerializer
    filterset_fields = ["assessment", "paid_on", "receipt_number"]

    def get_queryset(self):
        return Payment.objects.order_by("-paid_on", "-id")

    def post(self, request):
        data = PaymentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = get_object_or_404(Assessment, pk=data.validated_data["assessment"])
        try:
            payment, created = services.payment_record(
                assessment=assessment,
                receipt_number=data.validated_data["receipt_number"],
                amount=data.validated_data["amount"],
                paid_on=data.validated_data["paid_on"],
                acting_user=request.user,
            )
        except ValidationError as error:
            raise APIValidationError(error.message_dict) from None
        return Response(
            PaymentSerializer(payment).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
