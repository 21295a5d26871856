from django.urls import path

from rasters import views

app_name = "rasters"
urlpatterns = [
    path("", views.raster_list, name="list"),
    path("upload/", views.raster_upload, name="upload"),
    path("<int:pk>/", views.raster_detail, name="detail"),
    path("<int:pk>/tiles/<int:z>/<int:x>/<int:y>.png", views.tile, name="tile"),
    path("<int:pk>/flood/", views.flood_start, name="flood-start"),
    path("flood/<int:pk>/", views.flood_detail, name="flood"),
    path("flood/<int:pk>/impact.xlsx", views.flood_xlsx, name="flood-xlsx"),
    path("flood/<int:pk>/impact.gpkg", views.flood_gpkg, name="flood-gpkg"),
]
