"""The register API: GeoJSON, filters, bbox, pagination, the same roles and scope as the pages, tokens."""

from decimal import Decimal

from django.test import TestCase
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assets.models import Parcel
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.factories import (
    InfrastructureAssetFactory,
    MembershipFactory,
    MunicipalityFactory,
    ParcelFactory,
    SignboardFactory,
)


def token_client(user, municipality_code=None) -> APIClient:
    client = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}
    if municipality_code:
        headers["HTTP_X_MUNICIPALITY"] = municipality_code
    client.credentials(**headers)
    return client


class RegisterApiTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya, cls.takhli = MunicipalityFactory(), MunicipalityFactory()
        cls.parcels = [ParcelFactory(municipality=cls.lam_phaya, parcel_code=f"01A{n:03d}") for n in range(5)]
        cls.their_parcel = ParcelFactory(municipality=cls.takhli, parcel_code="01A900", deed_number="LEAK-1")
        cls.sign = SignboardFactory(parcel=cls.parcels[0])
        cls.light = InfrastructureAssetFactory(municipality=cls.lam_phaya)
        cls.officer = MembershipFactory(municipality=cls.lam_phaya, role=Role.TAX_OFFICER, user__username="off").user
        cls.engineer = MembershipFactory(municipality=cls.lam_phaya, role=Role.ENGINEER, user__username="eng").user
        cls.auditor = MembershipFactory(municipality=cls.lam_phaya, role=Role.AUDITOR, user__username="aud").user
        MembershipFactory(municipality=cls.takhli, role=Role.TAX_OFFICER, user=cls.auditor)

    def test_an_integration_reads_its_municipalitys_parcels_as_geojson_with_a_token(self):
        response = token_client(self.officer).get(reverse("parcel-list"))
        assert response.status_code == 200
        body = response.json()
        assert body["type"] == "FeatureCollection"
        assert body["count"] == 5
        feature = body["features"][0]
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert feature["properties"]["parcel_code"] == "01A000"
        assert "LEAK-1" not in response.content.decode()

    def test_the_x_municipality_header_picks_one_of_several_memberships(self):
        codes = {
            code: token_client(self.auditor, code).get(reverse("parcel-list")).json()["count"]
            for code in (self.lam_phaya.code, self.takhli.code)
        }
        assert codes == {self.lam_phaya.code: 5, self.takhli.code: 1}
        assert token_client(self.auditor, "999999").get(reverse("parcel-list")).status_code == 403

    def test_filters_bbox_and_pagination(self):
        client = token_client(self.officer)
        by_code = client.get(reverse("parcel-list"), {"parcel_code": "01A003"}).json()
        assert [f["properties"]["parcel_code"] for f in by_code["features"]] == ["01A003"]
        xmin, ymin, xmax, ymax = self.parcels[1].geom.extent
        inside = client.get(reverse("parcel-list"), {"in_bbox": f"{xmin},{ymin},{xmax},{ymax}"}).json()
        assert "01A001" in [f["properties"]["parcel_code"] for f in inside["features"]]
        assert inside["count"] < 5
        assert client.get(reverse("parcel-list"), {"in_bbox": "1,2,nan,4"}).status_code == 400
        page = client.get(reverse("parcel-list"), {"page_size": 2, "page": 2}).json()
        assert (page["count"], len(page["features"])) == (5, 2)
        kinds = client.get(reverse("infrastructure-list"), {"kind": "streetlight"}).json()
        assert kinds["count"] == 1

    def test_an_officer_creates_a_parcel_through_the_service_and_history_names_them(self):
        geom = ParcelFactory.build(municipality=self.lam_phaya).geom
        response = token_client(self.officer).post(
            reverse("parcel-list"),
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": geom[0].coords},
                "properties": {"parcel_code": "01A777", "area_sq_wah": "120.00", "deed_type": "chanote"},
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        with scoped_to(self.lam_phaya):
            created = Parcel.objects.get(parcel_code="01A777")
            assert created.history.get().history_user == self.officer

    def test_invalid_input_is_refused_with_a_thai_message_on_the_field(self):
        response = token_client(self.officer).post(
            reverse("parcel-list"),
            {"type": "Feature", "geometry": None, "properties": {"parcel_code": "XYZ", "area_sq_wah": "1"}},
            format="json",
        )
        assert response.status_code == 400
        assert "geom" in response.json() or "geometry" in str(response.json())
        far = {"type": "Polygon", "coordinates": [[[0, 0], [0, 0.001], [0.001, 0.001], [0, 0]]]}
        response = token_client(self.officer).post(
            reverse("parcel-list"),
            {"type": "Feature", "geometry": far, "properties": {"parcel_code": "01A778", "area_sq_wah": "1"}},
            format="json",
        )
        assert response.status_code == 400
        assert "geom" in response.json()

    def test_a_stale_version_is_a_conflict_and_the_right_one_saves(self):
        client = token_client(self.officer)
        url = reverse("parcel-detail", args=[self.parcels[2].pk])
        assert client.patch(url, {"properties": {"deed_number": "A", "version": 1}}, format="json").status_code == 200
        stale = client.patch(url, {"properties": {"deed_number": "B", "version": 1}}, format="json")
        assert stale.status_code == 400
        assert "ถูกแก้ไขโดย off" in stale.json()["version"][0]
        assert client.get(url).json()["properties"]["deed_number"] == "A"

    def test_an_engineer_reads_the_register_but_writes_only_infrastructure(self):
        client = token_client(self.engineer)
        assert client.get(reverse("signboard-list")).status_code == 200
        assert "owner" not in client.get(reverse("signboard-detail", args=[self.sign.pk])).json()["properties"]
        url = reverse("parcel-detail", args=[self.parcels[0].pk])
        assert client.patch(url, {"properties": {"deed_number": "X"}}, format="json").status_code == 403
        light = reverse("infrastructure-detail", args=[self.light.pk])
        assert client.patch(light, {"properties": {"condition": 4}}, format="json").status_code == 200

    def test_an_auditor_changes_nothing(self):
        client = token_client(self.auditor, self.lam_phaya.code)
        url = reverse("parcel-detail", args=[self.parcels[0].pk])
        assert client.get(url).status_code == 200
        assert client.patch(url, {"properties": {"deed_number": "X"}}, format="json").status_code == 403

    def test_another_municipalitys_parcel_is_not_found(self):
        response = token_client(self.officer).get(reverse("parcel-detail", args=[self.their_parcel.pk]))
        assert response.status_code == 404
        assert "LEAK-1" not in response.content.decode()

    def test_without_a_token_nothing_is_served(self):
        assert APIClient().get(reverse("parcel-list")).status_code in (401, 403)
        assert APIClient().get(reverse("api-schema")).status_code in (401, 403)


class ApiDocsTests(TestCase):
    def test_the_docs_page_loads_swagger_from_our_own_static_files(self):
        user = MembershipFactory(role=Role.TAX_OFFICER).user
        client = APIClient()
        client.force_login(user)
        page = client.get(reverse("api-docs")).content.decode()
        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
        assert "https://" not in page.replace("https://www.w3.org", "")
        schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
        assert {"/api/v1/parcels/", "/api/v1/owners/{id}/", "/api/v1/infrastructure/"} <= set(schema["paths"])
        assert Decimal  # money fields stay strings in the schema (decimal), checked by schemathesis
