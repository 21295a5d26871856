from django.urls import path

from catalogue.api import views

urlpatterns = [
    path("catalogue/fields/", views.CustomFieldList.as_view(), name="api-custom-fields"),
    path("catalogue/records/<str:layer>/<int:pk>/", views.RecordCustomValues.as_view(), name="api-record-custom"),
]
