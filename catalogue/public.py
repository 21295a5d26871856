"""The open-data portal and its harvestable metadata: pages without login, public datasets only.

Every view reads through `selectors.public_datasets`, which keeps datasets classified public and
nothing else, and serves only their public columns (`internal=False`): never personal data.
"""

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from catalogue import dcat, selectors, services
from catalogue.views import DOWNLOAD_FORMATS, download_response, preview_map
from municipalities.models import Municipality


def _public(code: str, key: str):
    dataset = selectors.public_datasets(code).filter(key=key).first()
    if dataset is None:
        raise Http404
    services.dataset_refresh([dataset])
    return dataset


@require_GET
def index(request):
    code = request.GET.get("municipality") or None
    municipalities = Municipality._base_manager.filter(
        pk__in=selectors.public_datasets().values("municipality_id")
    ).order_by("name_th")
    page = Paginator(selectors.public_datasets(code), 30).get_page(request.GET.get("page"))
    page.object_list = services.dataset_refresh(page.object_list)  # recount only what this page shows
    return render(
        request,
        "catalogue/portal_index.html",
        {"page": page, "municipalities": municipalities, "chosen": code},
    )


@require_GET
def dataset(request, code: str, key: str):
    found = _public(code, key)
    rendered, shown, matched = preview_map(found, internal=False)
    return render(
        request,
        "catalogue/portal_dataset.html",
        {"dataset": found, "map": rendered, "shown": shown, "matched": matched, "formats": DOWNLOAD_FORMATS},
    )


@require_GET
def download(request, code: str, key: str, fmt: str):
    return download_response(_public(code, key), fmt, internal=False)


@require_GET
@cache_control(max_age=300)
def catalog_json(request):
    datasets = services.dataset_refresh(selectors.public_datasets(request.GET.get("municipality") or None))
    return JsonResponse(
        dcat.catalog(request, datasets), content_type="application/ld+json", json_dumps_params={"ensure_ascii": False}
    )


def _ckan(request, name: str, result, status: int = 200) -> JsonResponse:
    body = {"help": request.build_absolute_uri(reverse("open:ckan-help")) + f"?name={name}", "success": status == 200}
    if status == 200:
        body["result"] = result
    else:
        body["error"] = result
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def package_list(request):
    names = [f"{code}-{key}" for code, key in selectors.public_datasets().values_list("municipality__code", "key")]
    return _ckan(request, "package_list", names)


@require_GET
def package_show(request):
    identifier = request.GET.get("id", "")
    found = selectors.public_dataset(identifier) if identifier else None
    if found is None:
        return _ckan(request, "package_show", {"__type": "Not Found Error", "message": "Not found"}, status=404)
    services.dataset_refresh([found])
    return _ckan(request, "package_show", dcat.package(request, found))


SEARCH_ROWS, SEARCH_MAX_ROWS = 10, 1000  # CKAN's defaults for package_search
SEARCH_MAX_START = 2**63 - 1 - SEARCH_MAX_ROWS  # PostgreSQL's OFFSET is a bigint


@require_GET
def package_search(request):
    """CKAN's `package_search`, as ckanext-harvest's CKAN harvester pages through it (`rows`, `start`,
    `sort=id asc`, and `fq` with `metadata_modified:[<since> TO *]` and `organization:` terms)."""
    try:
        rows = min(int(request.GET.get("rows", SEARCH_ROWS)), SEARCH_MAX_ROWS)
        start = int(request.GET.get("start", 0))
        if rows < 0 or not 0 <= start <= SEARCH_MAX_START:
            raise ValueError
        found = selectors.search_public_datasets(q=request.GET.get("q", ""), fq=request.GET.get("fq", ""))
    except ValueError:
        return _ckan(request, "package_search", {"__type": "Validation Error", "message": "Invalid search"}, status=409)
    page = services.dataset_refresh(found[start : start + rows])
    return _ckan(
        request,
        "package_search",
        {
            "count": found.count(),
            "sort": "id asc",
            "results": [dcat.package(request, d) for d in page],
            "facets": {},
            "search_facets": {},
        },
    )


@require_GET
def help_show(request):
    name = request.GET.get("name", "")
    texts = {
        "package_list": "Return a list of the names of the site's public datasets (packages).",
        "package_show": "Return the metadata of a dataset (package) and its resources. :param id: the dataset name",
        "package_search": (
            "Search the public datasets. :param q: words in titles, descriptions or keywords; :param fq: "
            "metadata_modified:[<ISO date> TO *] and organization:<name> terms (a leading - excludes); "
            ":param rows: at most 1000 (default 10); :param start: offset. Sorted by id."
        ),
    }
    if name not in texts:
        return _ckan(request, "help_show", {"__type": "Not Found Error", "message": "Not found"}, status=404)
    return _ckan(request, "help_show", texts[name])
