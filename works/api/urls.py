from django.urls import path

from works.api import views

urlpatterns = [
    path("works/complaints/", views.ComplaintListCreate.as_view(), name="api-complaints"),
]
