"""The register API (/api/v1/): scoped by tenancy, gated by capabilities, writing through assets.services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, serializers, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework_gis.pagination import GeoJsonPagination

from assets import services
from assets.api import serializers as s
from assets.api.filters import BBoxFilter
from assets.models import Building, InfrastructureAsset, Owner, Parcel, Signboard
from audit.choices import PersonalDataAction
from audit.services import record_personal_data_access
from municipalities.drf import HasCapability, MunicipalAPIMixin
from municipalities.permissions import Capability


class FeaturePagination(GeoJsonPagination):
    """A FeatureCollection with count, next and previous beside its features."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response_schema(self, schema):
        # `schema` is already the serializer's FeatureCollection; rest_framework_gis would nest it in `features`.
        link = {"type": "string", "format": "uri", "nullable": True}
        counts = {"count": {"type": "integer"}, "next": link, "previous": link}
        return {"allOf": [schema, {"type": "object", "required": ["count"], "properties": counts}]}


def _through_service(function, **kwargs):
    try:
        return function(**kwargs)
    except DjangoValidationError as error:
        raise serializers.ValidationError(
            error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
        ) from None


class RegisterViewSet(
    MunicipalAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and change one register. Deleting is not offered: records are retired."""

    permission_classes = [IsAuthenticated, HasCapability]
    parser_classes = [JSONParser]  # GeoJSON in, GeoJSON out
    read_capability = Capability.VIEW_REGISTER
    write_capability = Capability.EDIT_REGISTER
    pagination_class = FeaturePagination
    filter_backends = [*viewsets.GenericViewSet.filter_backends, BBoxFilter]
    bbox_filter_include_overlapping = True
    create_service = update_service = None

    def get_queryset(self):
        return self.queryset.model.objects.all()

    def perform_create(self, serializer):
        serializer.instance = _through_service(
            self.create_service,
            municipality=self.request.municipality,
            acting_user=self.request.user,
            **serializer.validated_data,
        )

    def perform_update(self, serializer):
        serializer.instance = _through_service(
            self.update_service,
            acting_user=self.request.user,
            **{self.update_argument: serializer.instance},
            **serializer.validated_data,
        )


class ParcelViewSet(RegisterViewSet):
    queryset = Parcel.objects.none()
    serializer_class = s.ParcelSerializer
    filterset_fields = ["parcel_code", "block", "deed_type", "deed_number"]
    bbox_filter_field = "geom"
    create_service = staticmethod(services.parcel_create)
    update_service = staticmethod(services.parcel_update)
    update_argument = "parcel"

    def get_queryset(self):
        return Parcel.objects.prefetch_related("ownerships__owner").order_by("parcel_code")

    def perform_create(self, serializer):
        serializer.validated_data.pop("version", None)
        super().perform_create(serializer)

    def perform_update(self, serializer):
        serializer.validated_data["expected_version"] = serializer.validated_data.pop("version", None)
        super().perform_update(serializer)


class BuildingViewSet(RegisterViewSet):
    queryset = Building.objects.none()
    serializer_class = s.BuildingSerializer
    filterset_fields = ["building_code", "parcel", "building_type", "structure"]
    bbox_filter_field = "footprint"
    update_service = staticmethod(services.building_update)
    update_argument = "building"

    def get_queryset(self):
        return Building.objects.prefetch_related("ownerships__owner").order_by("building_code")

    def perform_create(self, serializer):
        serializer.instance = _through_service(
            services.building_create, acting_user=self.request.user, **serializer.validated_data
        )


class SignboardViewSet(RegisterViewSet):
    queryset = Signboard.objects.none()
    serializer_class = s.SignboardSerializer
    filterset_fields = ["signboard_code", "parcel", "sign_type", "moving"]
    bbox_filter_field = "location"
    create_service = staticmethod(services.signboard_create)
    update_service = staticmethod(services.signboard_update)
    update_argument = "signboard"


class InfrastructureAssetViewSet(RegisterViewSet):
    queryset = InfrastructureAsset.objects.none()
    serializer_class = s.InfrastructureAssetSerializer
    filterset_fields = ["asset_code", "kind", "condition"]
    bbox_filter_field = "geom"
    write_capability = Capability.EDIT_INFRASTRUCTURE
    create_service = staticmethod(services.infrastructure_asset_create)
    update_service = staticmethod(services.infrastructure_asset_update)
    update_argument = "asset"


class OwnerViewSet(RegisterViewSet):
    """Taxpayers: personal data, for roles with VIEW_PERSONAL_DATA only."""

    queryset = Owner.objects.none()
    serializer_class = s.OwnerSerializer
    filterset_fields = ["kind", "national_id"]
    filter_backends = viewsets.GenericViewSet.filter_backends
    pagination_class = viewsets.GenericViewSet.pagination_class
    read_capability = Capability.VIEW_PERSONAL_DATA
    create_service = staticmethod(services.owner_create)
    update_service = staticmethod(services.owner_update)
    update_argument = "owner"

    def retrieve(self, request, *args, **kwargs):
        owner = self.get_object()
        record_personal_data_access(
            user=request.user, action=PersonalDataAction.VIEW_NATIONAL_ID, obj=owner, request=request
        )
        return Response(self.get_serializer(owner).data)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "full_national_id": self.action == "retrieve"}
