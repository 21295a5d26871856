from django.urls import path

from catalogue import ogc

app_name = "ogc"
urlpatterns = [
    path("", ogc.Landing.as_view(), name="landing"),
    path("conformance", ogc.Conformance.as_view(), name="conformance"),
    path("collections", ogc.Collections.as_view(), name="collections"),
    path("collections/<str:identifier>", ogc.Collection.as_view(), name="collection"),
    path("collections/<str:identifier>/items", ogc.Items.as_view(), name="items"),
    path("collections/<str:identifier>/items/<int:fid>", ogc.Item.as_view(), name="item"),
]
