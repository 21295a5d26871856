from django.contrib.gis.db.models import GeometryField
from django.db.models import CharField, Transform


@GeometryField.register_lookup
class GeometryTypeTransform(Transform):
    """`geom__geometry_type__in=["POINT"]`: PostGIS GeometryType(), usable in check constraints."""

    lookup_name = "geometry_type"
    function = "GeometryType"
    output_field = CharField()
