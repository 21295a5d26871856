"""Vector tiles are answered before the rest of the middleware stack: no session row, no user row, no
membership lookup, no locale or CSRF work for a tile the process already holds (maps/cache.py).

Place it right after SecurityMiddleware, before CSPMiddleware (a tile is not a document; building the
policy took a third of a cached tile's time). Permissions are the same as on every other page: see
maps/access.py, which resolves them through the session once and remembers them per session.
"""

import re

from maps.views import tile

TILE_PATH = re.compile(r"^/tiles/(?P<layer>[a-z]+)/(?P<z>\d{1,2})/(?P<x>\d{1,8})/(?P<y>\d{1,8})\.pbf$")


def answer(request, match):
    """The response of maps.views.tile to the tile a TILE_PATH match names (here and in maps/wsgi.py)."""
    return tile(request, match["layer"], int(match["z"]), int(match["x"]), int(match["y"]))


class TileMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = TILE_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        return answer(request, match)
