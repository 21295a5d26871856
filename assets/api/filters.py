import math

from django.contrib.gis.geos import Polygon
from rest_framework.exceptions import ParseError
from rest_framework_gis.filters import InBBoxFilter


class BBoxFilter(InBBoxFilter):
    """`?in_bbox=min_lon,min_lat,max_lon,max_lat` (WGS 84): features that overlap the box."""

    def get_filter_bbox(self, request):
        raw = request.query_params.get(self.bbox_param)
        if not raw:
            return None
        try:
            values = [float(v) for v in raw.split(",")]
        except ValueError:
            values = []
        if (
            len(values) != 4
            or not all(math.isfinite(v) for v in values)
            or values[0] > values[2]
            or values[1] > values[3]
        ):
            raise ParseError("in_bbox must be four finite numbers: min_lon,min_lat,max_lon,max_lat")
        return Polygon.from_bbox(values)
