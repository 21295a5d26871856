from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from audit import views as audit_views
from maps import views as maps_views
from municipalities import views as municipality_views

urlpatterns = [
    path("", municipality_views.home, name="home"),
    path("taxes/", include("taxes.urls")),
    path("login/", municipality_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("municipality/switch/", municipality_views.switch_municipality, name="switch-municipality"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("privacy/", audit_views.privacy, name="privacy"),
    path("jobs/", include("jobs.urls")),
    path("works/", include("works.urls")),
    path("rasters/", include("rasters.urls")),
    path("report/", include("works.public_urls")),  # residents' complaint form: public, no login
    path("data/", include("dataio.urls")),
    path("maps/", include("maps.urls")),
    # Answered by maps.middleware.TileMiddleware before the session middleware; named here for reverse().
    path("tiles/<slug:layer>/<int:z>/<int:x>/<int:y>.pbf", maps_views.tile, name="tile"),
    path("catalogue/", include("catalogue.urls")),
    path("", include("catalogue.public_urls")),  # open-data portal, catalog.json, CKAN API: public, no login
    path("ogc/", include("catalogue.ogc_urls")),  # OGC API – Features: public datasets, internal ones with a token
    path("audit/", include("audit.urls")),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", municipality_views.media, name="media"),
]
