"""Public pages and APIs of the open data (no login): the portal, DCAT, CKAN's action API."""

from django.urls import path

from catalogue import public

app_name = "open"
urlpatterns = [
    path("open/", public.index, name="index"),
    path("open/<str:code>/<str:key>/", public.dataset, name="dataset"),
    path("open/<str:code>/<str:key>/download.<str:fmt>", public.download, name="download"),
    path("catalog.json", public.catalog_json, name="catalog-json"),
    path("api/3/action/package_list", public.package_list, name="ckan-package-list"),
    path("api/3/action/package_show", public.package_show, name="ckan-package-show"),
    path("api/3/action/package_search", public.package_search, name="ckan-package-search"),
    path("api/3/action/help_show", public.help_show, name="ckan-help"),
]
