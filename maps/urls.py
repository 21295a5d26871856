from django.urls import path

from maps import views

app_name = "maps"
urlpatterns = [
    path("tax/", views.tax_map, name="tax"),
    path("engineer/", views.engineer_map, name="engineer"),
    path("revenue/", views.revenue, name="revenue"),
    path("parcels/<int:pk>.json", views.parcel_panel, name="parcel-panel"),
    path("assets/<int:pk>.json", views.asset_panel, name="asset-panel"),
    path("search.json", views.search, name="search"),
    path("parcels/<int:pk>/map.pdf", views.print_parcel, name="print-parcel"),
    path("blocks/<int:pk>/map.pdf", views.print_block, name="print-block"),
]
