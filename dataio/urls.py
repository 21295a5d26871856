from django.urls import path

from dataio import views

app_name = "dataio"
urlpatterns = [
    path("import/", views.import_start, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import-detail"),
    path("import/<int:pk>/recheck/", views.import_recheck, name="import-recheck"),
    path("import/<int:pk>/commit/", views.import_commit, name="import-commit"),
    path("export/", views.export, name="export"),
]
