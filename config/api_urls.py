"""/api/v1/: the schema and docs, then the routes of every app that has an `api/urls.py`."""

from importlib.util import find_spec

from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script (Content-Security-Policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]


def _has_api(app: str) -> bool:
    package = find_spec(f"{app}.api")
    return (
        package is not None
        and package.submodule_search_locations is not None
        and find_spec(f"{app}.api.urls") is not None
    )


urlpatterns += [path("", include(f"{app}.api.urls")) for app in settings.THESABAN_APPS if _has_api(app)]
