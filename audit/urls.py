from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.index, name="index"),
    path("history/<str:model>/<int:pk>/", views.record_history_view, name="history"),
]
