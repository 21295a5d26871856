from django.contrib.gis.geos import Point
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
    asset_code = serializers.CharField(source="asset.asset_code", read_only=True, default=None)
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
        read_only_fields = ["channel", "external_id", "photo_url", "state", "reported_at", "asset_distance_m"]
        extra_kwargs = {"reporter_name": {"write_only": True}, "reporter_contact": {"write_only": True}}

    def get_coordinates(self, obj) -> list[float]:
        return [obj.location.x, obj.location.y]

    def location(self) -> Point:
        return Point(self.validated_data["longitude"], self.validated_data["latitude"], srid=4326)
