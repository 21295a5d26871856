import math

from rest_framework.exceptions import ParseError
from rest_framework_gis.filters import InBBoxFilter


class BBoxFilter(InBBoxFilter):
    """`?in_bbox=min_lon,min_lat,max_lon,max_lat` (WGS 84): features that overlap the box."""

    def get_filter_bbox(self, request):
        bbox = super().get_filter_bbox(request)
        if bbox is not None:
            xmin, ymin, xmax, ymax = bbox.extent
            if not all(math.isfinite(v) for v in bbox.extent) or xmin > xmax or ymin > ymax:
                raise ParseError("in_bbox must be four finite numbers: min_lon,min_lat,max_lon,max_lat")
        return bbox
