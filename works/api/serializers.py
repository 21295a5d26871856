from django.contrib.gis.geos import Point
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from works.choices import ComplaintCategory
from works.models import Complaint


class ComplaintSerializer(serializers.ModelSerializer):
    """A resident's report as integrations (a LINE bot, a kiosk) send it: category, text, where, a photo."""

    latitude = serializers.FloatField(write_only=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(write_only=True, min_value=-180, max_value=180)
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    photo = serializers.FileField(required=False, allow_null=True, write_only=True)
    coordinates = serializers.SerializerMethodField()
    asset_code = serializers.CharField(source="asset.asset_code", read_only=True, default=None, allow_null=True)
    photo_url = serializers.SerializerMethodField()
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "channel",
            "external_id",
            "category",
            "description",
            "latitude",
            "longitude",
            "coordinates",
            "photo",
            "photo_url",
            "reporter_name",
            "reporter_contact",
            "state",
            "state_display",
            "reported_at",
            "asset_code",
            "asset_distance_m",
        ]
        read_only_fields = ["channel", "external_id", "state", "reported_at", "asset_distance_m"]
        extra_kwargs = {"reporter_name": {"write_only": True}, "reporter_contact": {"write_only": True}}

    def get_coordinates(self, obj) -> list[float]:
        return [obj.location.x, obj.location.y]

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_photo_url(self, obj):
        """The photo in the source system (Traffy Fondue), or null."""
        return obj.photo_url or None

    def location(self) -> Point:
        return Point(self.validated_data["longitude"], self.validated_data["latitude"], srid=4326)
