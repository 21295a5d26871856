from django.urls import path

from catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("fields/", views.fields, name="fields"),
    path("fields/<int:pk>/", views.field_edit, name="field-edit"),
    path("fields/<int:pk>/delete/", views.field_delete, name="field-delete"),
    path("settings/", views.settings_page, name="settings"),
    path("national/", views.national, name="national"),
    path("records/<str:layer>/<int:pk>/", views.record, name="record"),
    path("<str:key>/", views.dataset_detail, name="dataset"),
    path("<str:key>/download.<str:fmt>", views.dataset_download, name="download"),
    path("<str:key>/delete/", views.dataset_delete, name="delete"),
]
