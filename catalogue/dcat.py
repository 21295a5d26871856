"""Metadata of the public datasets as Thailand's CKAN-based government catalogues harvest it.

- `catalog(...)`: a DCAT-AP style JSON-LD `dcat:Catalog` (served at /catalog.json).
- `package(...)`: a CKAN package dict (served by /api/3/action/package_show), as CKAN's own API
  returns it: name, title, notes, organization, tags, license_id, resources with url and format,
  extras, metadata_created / metadata_modified.

Only datasets classified public are described; their distributions are the portal's downloads
(GeoJSON, GeoPackage, CSV), which never carry personal data, and the OGC API collection.
"""

from django.urls import reverse

from catalogue.choices import FREQUENCY_CODES, LICENCE_URLS
from catalogue.models import Dataset
from catalogue.views import DOWNLOAD_FORMATS

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "locn": "http://www.w3.org/ns/locn#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
}
MEDIA_TYPES = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3", "csv": "text/csv"}
FORMAT_NAMES = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "csv": "CSV"}
FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"


def _texts(thai: str, english: str) -> list[dict]:
    texts = [{"@value": thai, "@language": "th"}]
    if english:
        texts.append({"@value": english, "@language": "en"})
    return texts


def _when(moment) -> dict | None:
    return {"@value": moment.isoformat(), "@type": "xsd:dateTime"} if moment else None


def _urls(request, dataset: Dataset) -> dict:
    code = dataset.municipality.code
    return {
        "page": request.build_absolute_uri(reverse("open:dataset", args=[code, dataset.key])),
        "downloads": {
            fmt: request.build_absolute_uri(reverse("open:download", args=[code, dataset.key, fmt]))
            for fmt in DOWNLOAD_FORMATS
        },
        "ogc": request.build_absolute_uri(reverse("ogc:items", args=[dataset.identifier])),
    }


def _bbox_wkt(box) -> str | None:
    if not box:
        return None
    x0, y0, x1, y1 = box
    return f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"


def dataset_node(request, dataset: Dataset, box=None) -> dict:
    urls = _urls(request, dataset)
    municipality = dataset.municipality
    licence = LICENCE_URLS.get(dataset.licence) or None
    distributions = [
        {
            "@id": url,
            "@type": "dcat:Distribution",
            "dct:title": f"{dataset.title_th} ({FORMAT_NAMES[fmt]})",
            "dcat:accessURL": {"@id": urls["page"]},
            "dcat:downloadURL": {"@id": url},
            "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES[fmt]}"},
            "dct:format": FORMAT_NAMES[fmt],
            **({"dct:license": {"@id": licence}} if licence else {}),
        }
        for fmt, url in urls["downloads"].items()
    ]
    distributions.append(
        {
            "@id": urls["ogc"],
            "@type": "dcat:Distribution",
            "dct:title": "OGC API – Features",
            "dcat:accessURL": {"@id": urls["ogc"]},
            "dct:format": "OGC API - Features",
            "dct:conformsTo": {"@id": "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"},
        }
    )
    node = {
        "@id": urls["page"],
        "@type": "dcat:Dataset",
        "dct:identifier": dataset.identifier,
        "dct:title": _texts(dataset.title_th, dataset.title_en),
        "dct:description": _texts(dataset.description_th or dataset.title_th, dataset.description_en),
        "dct:publisher": {
            "@type": "foaf:Organization",
            "foaf:name": _texts(f"{municipality.get_kind_display()}{municipality.name_th}", municipality.name_en),
        },
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": dataset.owner_department},
        "dcat:keyword": list(dataset.keywords or []),
        "dct:accrualPeriodicity": {"@id": FREQUENCY_BASE + FREQUENCY_CODES[dataset.update_frequency]},
        "dcat:landingPage": {"@id": urls["page"]},
        "dcat:distribution": distributions,
        "dct:issued": _when(dataset.created_at),
        "dct:modified": _when(dataset.last_updated),
        "dct:spatial": {
            "@type": "dct:Location",
            "dcat:bbox": {"@value": _bbox_wkt(box or municipality.boundary.extent), "@type": "gsp:wktLiteral"},
        },
    }
    if licence:
        node["dct:license"] = {"@id": licence}
    return {k: v for k, v in node.items() if v is not None}


def catalog(request, datasets) -> dict:
    return {
        "@context": CONTEXT,
        "@id": request.build_absolute_uri(reverse("open:catalog-json")),
        "@type": "dcat:Catalog",
        "dct:title": _texts("แคตตาล็อกข้อมูลเปิดของเทศบาล (Thesaban)", "Municipal open data catalogue (Thesaban)"),
        "dct:description": _texts(
            "ชุดข้อมูลที่เทศบาลเปิดเผยเป็นสาธารณะ: แผนที่ภาษีรายเขต โครงสร้างพื้นฐาน และชุดข้อมูลที่เทศบาลเผยแพร่เอง ไม่มีข้อมูลส่วนบุคคล",
            "Datasets published by municipalities: tax map zones, infrastructure and their own data; no personal data.",
        ),
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": "Thesaban"},
        "foaf:homepage": {"@id": request.build_absolute_uri(reverse("open:index"))},
        "dcat:dataset": [dataset_node(request, d) for d in datasets],
    }


def package(request, dataset: Dataset) -> dict:
    """A CKAN package dict (CKAN 2.x `package_show` result) of a public dataset."""
    urls = _urls(request, dataset)
    municipality = dataset.municipality
    modified = (dataset.last_updated or dataset.created_at).isoformat()
    return {
        "id": dataset.identifier,
        "name": dataset.identifier,
        "title": dataset.title_th,
        "notes": dataset.description_th,
        "url": urls["page"],
        "state": "active",
        "private": False,
        "type": "dataset",
        "license_id": dataset.licence,
        "license_title": dataset.get_licence_display(),
        "license_url": LICENCE_URLS.get(dataset.licence, ""),
        "maintainer": dataset.owner_department,
        "author": municipality.display_name,
        "metadata_created": dataset.created_at.isoformat(),
        "metadata_modified": modified,
        "num_resources": len(urls["downloads"]) + 1,
        "num_tags": len(dataset.keywords or []),
        "tags": [{"name": k, "display_name": k, "state": "active"} for k in dataset.keywords or []],
        "organization": {
            "id": municipality.code,
            "name": f"lgo-{municipality.code}",
            "title": f"{municipality.get_kind_display()}{municipality.name_th}",
            "description": municipality.name_en,
            "type": "organization",
            "state": "active",
            "is_organization": True,
        },
        "owner_org": municipality.code,
        "resources": [
            {
                "id": f"{dataset.identifier}-{fmt}",
                "package_id": dataset.identifier,
                "name": f"{dataset.title_th} ({FORMAT_NAMES[fmt]})",
                "url": url,
                "format": FORMAT_NAMES[fmt],
                "mimetype": MEDIA_TYPES[fmt],
                "state": "active",
                "position": position,
                "last_modified": modified,
            }
            for position, (fmt, url) in enumerate(urls["downloads"].items())
        ]
        + [
            {
                "id": f"{dataset.identifier}-ogc",
                "package_id": dataset.identifier,
                "name": "OGC API – Features",
                "url": urls["ogc"],
                "format": "OGC API - Features",
                "mimetype": "application/geo+json",
                "state": "active",
                "position": len(urls["downloads"]),
                "last_modified": modified,
            }
        ],
        "extras": [
            {"key": "classification", "value": dataset.classification},
            {"key": "update_frequency", "value": dataset.update_frequency},
            {"key": "record_count", "value": str(dataset.record_count)},
            {"key": "dcat_identifier", "value": dataset.identifier},
            {"key": "spatial", "value": municipality.boundary.envelope.geojson},
        ],
    }
