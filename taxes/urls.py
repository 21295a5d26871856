from django.urls import path

from taxes import views

app_name = "taxes"
urlpatterns = [
    path("", views.index, name="index"),
    path("runs/start/", views.run_start, name="run-start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/issue/", views.zone_issue, name="zone-issue"),
    path("runs/<int:pk>/zones/<str:zone>/notices.pdf", views.zone_notices_pdf, name="zone-notices-pdf"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/issue/", views.assessment_issue, name="assessment-issue"),
    path("assessments/<int:pk>/warn/", views.assessment_warn, name="assessment-warn"),
    path("assessments/<int:pk>/payments/", views.payment_record, name="payment-record"),
    path("notices/<int:pk>.pdf", views.notice_pdf, name="notice-pdf"),
]
