from django.urls import path

from taxes.api import views

urlpatterns = [
    path(
        "tax/calculate/land-building/",
        views.LandBuildingCalculateView.as_view(),
        name="tax-calculate-land-building",
    ),
    path(
        "tax/calculate/signboard/",
        views.SignboardCalculateView.as_view(),
        name="tax-calculate-signboard",
    ),
    path("tax/assessments/", views.AssessmentList.as_view(), name="tax-assessment-list"),
    path("tax/assessments/<int:pk>/", views.AssessmentDetail.as_view(), name="tax-assessment-detail"),
    path("tax/payments/", views.PaymentList.as_view(), name="tax-payment-list"),
]
