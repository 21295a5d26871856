"""GeoJSON serializers of the register. Owners and owner fields appear only to roles with VIEW_PERSONAL_DATA."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from assets.models import Building, InfrastructureAsset, Owner, Ownership, Parcel, Signboard
from municipalities.permissions import Capability, can


class PersonalFieldsMixin:
    """Drops `personal_fields` from what is shown to a role without VIEW_PERSONAL_DATA (PDPA)."""

    personal_fields: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not can(request, Capability.VIEW_PERSONAL_DATA):
            properties = data.get("properties", data)
            for name in self.personal_fields:
                properties.pop(name, None)
        return data


class FeatureSerializer(PersonalFieldsMixin, GeoFeatureModelSerializer):
    """A GeoJSON Feature; a body of any other shape is refused field by field, never a server error."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("ต้องเป็น GeoJSON Feature")]})
        if not isinstance(data.get("properties", {}), dict):
            raise serializers.ValidationError({"properties": [_("properties ต้องเป็นชุดชื่อและค่า")]})
        return super().to_internal_value(data)


class HoldingSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)

    class Meta:
        model = Ownership
        fields = ["owner", "owner_name", "share", "in_house_registration"]


class ParcelSerializer(FeatureSerializer):
    ownerships = HoldingSerializer(many=True, read_only=True, required=False)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("รุ่นของข้อมูลที่อ่านมา: ส่งกลับมาเมื่อแก้ไข หากมีผู้อื่นแก้ไขก่อนจะได้ข้อผิดพลาด 400 ที่ version"),
    )
    personal_fields = ("ownerships",)

    class Meta:
        model = Parcel
        geo_field = "geom"
        fields = [
            "id",
            "parcel_code",
            "block",
            "deed_type",
            "deed_number",
            "land_number",
            "survey_page",
            "map_sheet",
            "map_scale",
            "area_sq_wah",
            "price_per_sq_wah",
            "retired_on",
            "version",
            "ownerships",
        ]
        read_only_fields = ["retired_on"]


class BuildingSerializer(FeatureSerializer):
    ownerships = HoldingSerializer(many=True, read_only=True, required=False)
    personal_fields = ("ownerships",)

    class Meta:
        model = Building
        geo_field = "footprint"
        fields = [
            "id",
            "parcel",
            "building_code",
            "house_number",
            "building_type",
            "structure",
            "floors",
            "floor_area_m2",
            "year_built",
            "price_per_m2",
            "ownerships",
        ]


class SignboardSerializer(FeatureSerializer):
    personal_fields = ("owner",)

    class Meta:
        model = Signboard
        geo_field = "location"
        fields = [
            "id",
            "signboard_code",
            "parcel",
            "business_name",
            "owner",
            "text",
            "width_cm",
            "height_cm",
            "faces",
            "sign_type",
            "moving",
            "installed_on",
            "removed_on",
        ]
        extra_kwargs = {"owner": {"required": False}}


class InfrastructureAssetSerializer(FeatureSerializer):
    class Meta:
        model = InfrastructureAsset
        geo_field = "geom"
        fields = [
            "id",
            "asset_code",
            "kind",
            "name",
            "material",
            "installed_on",
            "condition",
            "replacement_cost",
            "useful_life_years",
            "attributes",
        ]


class OwnerSerializer(serializers.ModelSerializer):
    """A taxpayer. `national_id` is written in full but read as `national_id_display`: masked in lists,
    in full on a single owner's page, and every such reading is logged (audit.PersonalDataAccess)."""

    national_id = serializers.CharField(write_only=True, max_length=13, help_text=_("ตัวเลข 13 หลัก ไม่มีขีด"))
    national_id_display = serializers.SerializerMethodField(
        help_text=_("แบบปิดบัง (1-xxxx-xxxxx-xx-3) ในรายการ และเต็มเมื่อเปิดดูทีละราย")
    )

    class Meta:
        model = Owner
        fields = [
            "id",
            "kind",
            "title",
            "first_name",
            "last_name",
            "national_id",
            "national_id_display",
            "address",
            "mailing_address",
            "phone",
        ]

    def get_national_id_display(self, owner) -> str:
        return owner.formatted_id if self.context.get("full_national_id") else owner.masked_id
