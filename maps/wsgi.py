"""The WSGI entry for vector tiles: answered in front of Django's request cycle, with the same checks.

A map page asks for dozens of tiles at each pan, so the tile is the request the servers answer most,
and on the uncached path Django's cycle around it cost as much CPU as a z16 tile's whole Python side:
the request_started/request_finished signals (every database alias and cache looked up through
asgiref's locals, twice), URL resolution, the middleware chain's wrappers and the response's closing
(docs/BENCHMARKS.md, tiles, third pass). TileMiddleware already skips the middlewares a tile does not
need; `TileApplication` goes one step further for the WSGI server (config/wsgi.py) and runs, for a
/tiles/… path, only what Django would run for it:

- `SecurityMiddleware`, as the first middleware of the stack: the HTTPS redirect and its headers;
- `maps.views.tile`, the view TileMiddleware calls: maps/access.py decides who may read what, as on
  every page (login, capability, municipality, zones);
- at the end, `close_old_connections()`, which Django's signals run: a connection past CONN_MAX_AGE or
  one that had an error is closed.

Anything that raises on the way is handed to Django's own handler, which runs the request again and
answers it as it answers any failure (the 500 page, django.request's log). Every other path goes to
Django. The ASGI entry and the test client reach tiles through TileMiddleware, the same view. A
middleware put ahead of TileMiddleware would be skipped here, so the application refuses to start
unless SecurityMiddleware and TileMiddleware come first (config/settings.py).
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIRequest
from django.db import close_old_connections
from django.middleware.security import SecurityMiddleware

from maps.middleware import TILE_PATH, answer


def _unused(request):  # SecurityMiddleware needs a next step; TileApplication calls its hooks itself
    raise NotImplementedError


AHEAD_OF_TILES = ["django.middleware.security.SecurityMiddleware", "maps.middleware.TileMiddleware"]


class TileApplication:
    def __init__(self, application):
        if settings.MIDDLEWARE[:2] != AHEAD_OF_TILES:
            raise ImproperlyConfigured(f"maps.wsgi runs {AHEAD_OF_TILES} for a tile: they must lead MIDDLEWARE")
        self.application = application
        self.security = SecurityMiddleware(_unused)

    def __call__(self, environ, start_response):
        match = TILE_PATH.match(environ.get("PATH_INFO", ""))
        if match is None:
            return self.application(environ, start_response)
        try:
            request = WSGIRequest(environ)
            response = self.security.process_request(request) or answer(request, match)
            response = self.security.process_response(request, response)
        except Exception:
            return self.application(environ, start_response)
        finally:
            close_old_connections()
        if not response.has_header("Content-Length"):  # as CommonMiddleware sets it, so the connection is kept alive
            response.headers["Content-Length"] = str(len(response.content))
        headers = [*response.items(), *(("Set-Cookie", c.output(header="")) for c in response.cookies.values())]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [response.content]
