"""The custom fields through the API: their definitions, and a register record's values (read, change)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue import customfields, services
from catalogue.choices import RegisterLayer
from catalogue.models import CustomField
from catalogue.views import RECORD_EDIT
from dataio.layers import LAYERS
from municipalities.drf import HasCapability, MunicipalAPIMixin
from municipalities.permissions import Capability, can


class CustomFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomField
        fields = list(CustomField.DEFINITION)


class CustomFieldList(MunicipalAPIMixin, ListAPIView):
    """The municipality's custom field definitions (what a form or a map panel shows)."""

    serializer_class = CustomFieldSerializer
    permission_classes = [HasCapability]
    read_capability = Capability.VIEW_REGISTER
    write_capability = None  # read-only: definitions change on the catalogue's page (municipal admins)

    def get_queryset(self):
        return CustomField.objects.order_by("layer", "order", "key")


class ShownValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    text = serializers.CharField(help_text="the value as a person reads it (B.E. dates, a choice's label)")


class RecordCustomValuesSerializer(serializers.Serializer):
    layer = serializers.ChoiceField(choices=RegisterLayer.choices)
    id = serializers.IntegerField()
    code = serializers.CharField(help_text="the record's code (parcel code, asset code…)")
    custom = serializers.DictField(help_text="the values by field key, in JSON's own types")
    display = ShownValueSerializer(many=True)


class CustomValuesChangeSerializer(serializers.Serializer):
    custom = serializers.DictField(help_text="the values to set by field key; null removes a value")


@extend_schema_view(
    get=extend_schema(responses=RecordCustomValuesSerializer),
    patch=extend_schema(request=CustomValuesChangeSerializer, responses=RecordCustomValuesSerializer),
)
class RecordCustomValues(MunicipalAPIMixin, APIView):
    """GET a register record's custom values; PATCH some of them (validated against the definitions)."""

    permission_classes = [HasCapability]
    read_capability = Capability.VIEW_REGISTER
    write_capability = Capability.EDIT_REGISTER

    def _record(self, layer: str, pk: int):
        if layer not in LAYERS:
            raise Http404
        record = LAYERS[layer].model.objects.filter(pk=pk).first()
        if record is None:
            raise Http404
        return record

    def _body(self, record, layer):
        personal = can(self.request, Capability.VIEW_PERSONAL_DATA)
        shown = customfields.record_values(record, layer, personal=personal)
        return {
            "layer": layer,
            "id": record.pk,
            "code": str(record),
            "custom": {v.key: v.value for v in shown},
            "display": [{"key": v.key, "label": v.label, "text": v.text} for v in shown],
        }

    def get(self, request, layer: str, pk: int):
        record = self._record(layer, pk)
        return Response(self._body(record, layer))

    def patch(self, request, layer: str, pk: int):
        record = self._record(layer, pk)
        if not can(request, RECORD_EDIT.get(layer, Capability.EDIT_REGISTER)):
            return Response({"detail": _("ไม่มีสิทธิ์แก้ไขชั้นข้อมูลนี้")}, status=403)
        values = request.data.get("custom", request.data)
        if not isinstance(values, dict):
            raise APIValidationError({"custom": [_("ข้อมูลที่กำหนดเองต้องเป็นชุดชื่อและค่า")]})
        if not can(request, Capability.VIEW_PERSONAL_DATA):
            personal = {f.key for f in customfields.fields_for(record.municipality_id, layer) if f.personal}
            if personal & set(values):
                return Response({"detail": _("ไม่มีสิทธิ์แก้ไขข้อมูลส่วนบุคคล")}, status=403)
        try:
            services.record_custom_set(record=record, acting_user=request.user, values=values, partial=True)
        except ValidationError as error:
            raise APIValidationError({"custom": error.messages}) from None
        return Response(self._body(record, layer))
