"""The WSGI entry answers tiles in front of Django's request cycle (maps/wsgi.py) with Django's answers.

Transactional: the entry closes obsolete connections at the end of each tile as Django's signals do,
which a test inside a transaction could not survive.
"""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application
from django.test import Client

from config.wsgi import application
from maps import wsgi
from maps.cache import CACHE
from maps.wsgi import TileApplication
from municipalities.choices import Role
from tests.factories import MembershipFactory
from tests.maps.conftest import features, tile_of, tile_url
from tests.taxes import scenario

pytestmark = pytest.mark.django_db(transaction=True)


def call(app, url, cookie="", **environ):
    path, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "HTTP_COOKIE": cookie,
        **environ,
    }
    started = {}
    body = b"".join(app(environ, lambda status, headers, exc_info=None: started.update(status=status, headers=headers)))
    return started["status"], dict(started["headers"]), body


@pytest.fixture
def town():
    m, _people, parcels, _sign = scenario.build()
    CACHE.sync()
    return m, parcels


def session(user) -> tuple[Client, str]:
    """A client logged in as the user, and its session cookie (each user a client of their own: a
    second login on one client ends the first session)."""
    client = Client()
    client.force_login(user)
    return client, f"sessionid={client.cookies['sessionid'].value}"


def test_a_tile_is_answered_as_django_answers_it(town):
    m, parcels = town
    url = tile_url("parcels", *tile_of(parcels["01A002"].geom.centroid, 16))
    client, cookie = session(MembershipFactory(municipality=m, role=Role.TAX_OFFICER).user)
    cycles = []
    request_started.connect(count := lambda **kwargs: cycles.append(kwargs), weak=False)
    try:
        status, headers, body = call(application, url, cookie)
    finally:
        request_started.disconnect(count)
    assert not cycles  # answered in front of Django's request cycle
    django = client.get(url)
    assert status == "200 OK" and body == django.content and features(django, "parcels")
    for name in ("Content-Type", "ETag", "Cache-Control", "X-Content-Type-Options", "Referrer-Policy"):
        assert headers[name] == django[name], name
    assert headers["Content-Length"] == str(len(body))  # a server keeps the connection alive only with it
    status, headers, body = call(application, url, cookie, HTTP_IF_NONE_MATCH=headers["ETag"])
    assert status == "304 Not Modified" and headers["Content-Length"] == "0" and body == b""


def test_the_same_gates_hold(town):
    m, parcels = town
    zxy = tile_of(parcels["01A002"].geom.centroid, 16)
    _, outsider = session(MembershipFactory(role=Role.TAX_OFFICER).user)
    _, engineer = session(MembershipFactory(municipality=m, role=Role.ENGINEER).user)
    assert call(application, tile_url("parcels", *zxy))[0].startswith("403")  # nobody logged in
    assert call(application, tile_url("parcels", *zxy), outsider)[0].startswith("404")  # another town's tile
    assert call(application, tile_url("missed", *zxy), engineer)[0].startswith("403")  # no tax capability
    assert call(application, tile_url("parcels", *zxy), engineer)[0] == "200 OK"


def test_other_paths_and_https_redirects_are_djangos(town, settings):
    m, parcels = town
    url = tile_url("parcels", *tile_of(parcels["01A002"].geom.centroid, 16))
    _, cookie = session(MembershipFactory(municipality=m, role=Role.TAX_OFFICER).user)
    status, _, body = call(application, "/login/")
    assert status == "200 OK" and b"csrfmiddlewaretoken" in body  # the whole stack: sessions, CSRF, templates
    settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS = True, 3600
    redirecting = TileApplication(get_wsgi_application())
    status, headers, _ = call(redirecting, url, cookie)
    assert status.startswith("301") and headers["Location"].startswith("https://testserver/tiles/")
    status, headers, _ = call(redirecting, url, cookie, **{"wsgi.url_scheme": "https"})
    assert status == "200 OK" and "max-age" in headers["Strict-Transport-Security"]


def test_a_failure_is_handed_to_django(town, monkeypatch):
    m, parcels = town
    url = tile_url("parcels", *tile_of(parcels["01A002"].geom.centroid, 16))
    client, cookie = session(MembershipFactory(municipality=m, role=Role.TAX_OFFICER).user)

    def broken(*args):
        raise RuntimeError("the tile failed")

    monkeypatch.setattr(wsgi, "answer", broken)
    status, _, body = call(application, url, cookie)
    assert status == "200 OK" and body == client.get(url).content  # Django ran it again, through TileMiddleware


def test_it_will_not_start_if_a_middleware_would_run_before_tiles(settings):
    settings.MIDDLEWARE = ["django.middleware.common.CommonMiddleware", *settings.MIDDLEWARE]
    with pytest.raises(ImproperlyConfigured):
        TileApplication(get_wsgi_application())
