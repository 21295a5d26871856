"""OGC API – Features, Part 1 (Core, GeoJSON), read-only, so that QGIS opens layers directly.

A small DRF implementation rather than pygeoapi: pygeoapi reads tables through its own providers
and configuration, outside our tenancy scope, token authentication and dataset classification, and
would need its own server; here each collection is a catalogue dataset, read with the same SQL as
the portal (catalogue.selectors), paged with limit/offset and filtered by bbox on the GiST index.

Anyone sees the public datasets of every municipality (their public columns); a token of a
municipality's member (DRF `Authorization: Token …`) adds that municipality's internal datasets,
with the columns its users see. Personal datasets are never served.
"""

import datetime

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue import selectors
from municipalities.drf import MunicipalAPIMixin

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 2**63 - 1 - MAX_LIMIT  # PostgreSQL's OFFSET is a bigint


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


@extend_schema(exclude=True)  # OGC API – Features describes itself (landing, conformance), not in /api/v1/'s schema
class OGCView(MunicipalAPIMixin, APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    def _membership(self):
        return getattr(self.request, "membership", None)

    def _datasets(self):
        return selectors.served_datasets(self._membership())

    def _dataset(self, identifier: str):
        code, _, key = identifier.partition("-")
        found = self._datasets().filter(municipality__code=code, key=key).first()
        if found is None:
            raise Http404
        return found

    def _internal(self, dataset) -> bool:
        membership = self._membership()
        return membership is not None and dataset.municipality_id == membership.municipality_id

    def _url(self, name, *args, **query) -> str:
        url = self.request.build_absolute_uri(reverse(name, args=args))
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(query)
        return url

    def _collection(self, dataset, *, exact: bool = True) -> dict:
        """A collection's description; its extent is the data's own (one query), or in the list of every
        collection the municipality's boundary, which holds it (no query per dataset)."""
        box = (selectors.extent_of(dataset) if exact else None) or dataset.municipality.boundary.extent
        return {
            "id": dataset.identifier,
            "title": dataset.title,
            "description": dataset.description,
            "itemType": "feature",
            "crs": [CRS84],
            "extent": {"spatial": {"bbox": [list(box)], "crs": CRS84}},
            "links": [
                {
                    "href": self._url("ogc:collection", dataset.identifier),
                    "rel": "self",
                    "type": "application/json",
                    "title": dataset.title,
                },
                {
                    "href": self._url("ogc:items", dataset.identifier),
                    "rel": "items",
                    "type": "application/geo+json",
                    "title": dataset.title,
                },
            ],
        }


class Landing(OGCView):
    def get(self, request):
        return Response(
            {
                "title": "Thesaban OGC API – Features",
                "description": "ชุดข้อมูลของเทศบาล (สาธารณะ และข้อมูลภายในเมื่อใช้โทเคน) / municipal datasets",
                "links": [
                    {
                        "href": self._url("ogc:landing"),
                        "rel": "self",
                        "type": "application/json",
                        "title": "this document",
                    },
                    {
                        "href": self._url("ogc:conformance"),
                        "rel": "conformance",
                        "type": "application/json",
                        "title": "conformance",
                    },
                    {
                        "href": self._url("ogc:collections"),
                        "rel": "data",
                        "type": "application/json",
                        "title": "collections",
                    },
                ],
            }
        )


class Conformance(OGCView):
    def get(self, request):
        return Response({"conformsTo": CONFORMANCE})


class Collections(OGCView):
    def get(self, request):
        return Response(
            {
                "links": [{"href": self._url("ogc:collections"), "rel": "self", "type": "application/json"}],
                "collections": [self._collection(d, exact=False) for d in self._datasets() if d.geometry_type],
            }
        )


class Collection(OGCView):
    def get(self, request, identifier: str):
        return Response(self._collection(self._dataset(identifier)))


def _bad(description: str) -> Response:
    return Response({"code": "InvalidParameterValue", "description": description}, status=400)


def parse_bbox(text: str):
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("bbox needs four numbers: min lon, min lat, max lon, max lat")
    x0, y0, x1, y1 = (float(p) for p in parts)
    if x0 > x1 or y0 > y1 or not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
        raise ValueError("bbox corners out of order or out of range")
    return x0, y0, x1, y1


class Items(OGCView):
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    def get(self, request, identifier: str):
        dataset = self._dataset(identifier)
        try:
            limit = int(request.GET.get("limit", DEFAULT_LIMIT))
            offset = int(request.GET.get("offset", 0))
            if limit < 1 or not 0 <= offset <= MAX_OFFSET:
                raise ValueError
        except ValueError:
            return _bad(f"limit must be a positive integer and offset an integer from 0 to {MAX_OFFSET}")
        limit = min(limit, MAX_LIMIT)
        bbox = None
        if request.GET.get("bbox"):
            try:
                bbox = parse_bbox(request.GET["bbox"])
            except ValueError as error:
                return _bad(str(error))
        found, matched = selectors.features(
            dataset, internal=self._internal(dataset), bbox=bbox, limit=limit, offset=offset
        )
        query = {"limit": limit, **({"bbox": request.GET["bbox"]} if bbox else {})}
        links = [
            {
                "href": self._url("ogc:items", identifier, offset=offset, **query),
                "rel": "self",
                "type": "application/geo+json",
            },
            {"href": self._url("ogc:collection", identifier), "rel": "collection", "type": "application/json"},
        ]
        if offset + len(found) < matched:
            links.append(
                {
                    "href": self._url("ogc:items", identifier, offset=offset + limit, **query),
                    "rel": "next",
                    "type": "application/geo+json",
                }
            )
        if offset > 0:
            links.append(
                {
                    "href": self._url("ogc:items", identifier, offset=max(offset - limit, 0), **query),
                    "rel": "prev",
                    "type": "application/geo+json",
                }
            )
        return Response(
            {
                "type": "FeatureCollection",
                "features": found,
                "numberMatched": matched,
                "numberReturned": len(found),
                "timeStamp": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "links": links,
            },
            content_type="application/geo+json",
        )


class Item(OGCView):
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    def get(self, request, identifier: str, fid: int):
        dataset = self._dataset(identifier)
        found, _matched = selectors.features(dataset, internal=self._internal(dataset), fid=fid)
        if not found:
            raise Http404
        feature = found[0]
        feature["links"] = [
            {"href": self._url("ogc:item", identifier, fid), "rel": "self", "type": "application/geo+json"},
            {"href": self._url("ogc:collection", identifier), "rel": "collection", "type": "application/json"},
        ]
        return Response(feature, content_type="application/geo+json")
