from django.core.exceptions import ValidationError
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from municipalities.drf import HasCapability, MunicipalAPIMixin
from municipalities.permissions import Capability
from works import services
from works.api.serializers import ComplaintSerializer
from works.choices import ComplaintChannel
from works.models import Complaint


class ComplaintListCreate(MunicipalAPIMixin, generics.ListCreateAPIView):
    """Complaints of the municipality; POST records a resident's report (multipart for the photo)."""

    serializer_class = ComplaintSerializer
    permission_classes = [IsAuthenticated, HasCapability]
    read_capability = Capability.VIEW_REGISTER
    write_capability = Capability.EDIT_INFRASTRUCTURE
    filterset_fields = ["state", "category", "channel"]

    def get_queryset(self):
        return Complaint.objects.select_related("asset").order_by("-reported_at", "-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.complaint_submit(
                municipality=self.request.municipality,
                channel=ComplaintChannel.API,
                category=data["category"],
                description=data["description"],
                location=serializer.location(),
                photo=data.get("photo"),
                reporter_name=data.get("reporter_name", ""),
                reporter_contact=data.get("reporter_contact", ""),
                acting_user=self.request.user,
            )
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
