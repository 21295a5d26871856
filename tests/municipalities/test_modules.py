"""A module a municipality hides is closed to its people, not only left out of their menu (issue 8).

Lam Phaya hides the tax module: its pages and API answer 404 to every member of Lam Phaya with a page
(or a JSON detail) saying why, its catalogue layer leaves the catalogue and the open data, while Don Tum,
which keeps it, works as before. The settings page and the admin are never closed, so Lam Phaya's
admin can always show the module again. (Tiles and map layers: tests/maps/test_hidden_modules.py.)
"""

from fnmatch import fnmatchcase

from django.core.exceptions import ValidationError
from django.test import TestCase
from rest_framework.authtoken.models import Token

from catalogue import services as catalogue_services
from catalogue.forms import ProfileForm
from catalogue.models import MunicipalProfile
from municipalities.choices import Role
from municipalities.menus import MENU
from municipalities.tenancy import scoped_to
from taxes.models import Assessment
from taxes.services import assessment_run
from tests.config.test_every_url import ROUTES
from tests.factories import TEST_PASSWORD, MembershipFactory, MunicipalityFactory, MunicipalProfileFactory
from tests.taxes import scenario

CLOSED_PAGE = "ส่วนนี้ปิดอยู่"


def _auth(token) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


class HiddenTaxModuleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town, _people, _parcels, _sign = scenario.build(MunicipalityFactory(name_th="ลำพญาปิดภาษี"))
        cls.other, _people, _parcels, _sign = scenario.build(MunicipalityFactory(name_th="ดอนตูมเปิดภาษี"))
        cls.assessments = {}
        for m in (cls.town, cls.other):
            with scoped_to(m):
                run = assessment_run(municipality=m, tax_year=2026)
                cls.assessments[m.pk] = Assessment.objects.filter(run=run, parcel__isnull=False).order_by("pk").first()
        cls.members = {role: MembershipFactory(municipality=cls.town, role=role).user for role in Role}
        cls.officer, cls.admin = cls.members[Role.TAX_OFFICER], cls.members[Role.ADMIN]
        cls.their_officer = MembershipFactory(municipality=cls.other, role=Role.TAX_OFFICER).user
        MunicipalProfileFactory(municipality=cls.town, hidden_modules=["taxes"])
        MunicipalProfileFactory(municipality=cls.other, hidden_modules=["rasters"])  # hides something else

    def login(self, user):
        self.client.login(username=user.username, password=TEST_PASSWORD)

    # Pages -------------------------------------------------------------------------------------------

    def test_every_member_of_lam_phaya_gets_a_page_saying_the_tax_module_is_closed(self):
        urls = ["/taxes/", f"/taxes/assessments/{self.assessments[self.town.pk].pk}/"]
        for role, user in self.members.items():
            self.login(user)
            for url in urls:
                response = self.client.get(url)
                assert response.status_code == 404, (role, url)
                page = response.content.decode()
                assert CLOSED_PAGE in page and 'data-closed-module="taxes"' in page, (role, url)
                assert "“ภาษี”" in page  # names the module
                assert ("/catalogue/settings/" in page) == (role == Role.ADMIN), role  # where to reopen it
            assert "taxes" not in [item.key for item in self.client.get("/").context["menu"]]

    def test_a_form_posted_to_a_closed_module_changes_nothing(self):
        self.login(self.officer)
        assessment = self.assessments[self.town.pk]
        response = self.client.post(f"/taxes/assessments/{assessment.pk}/issue/", {"issued_on": "2026-02-15"})
        assert response.status_code == 404 and CLOSED_PAGE in response.content.decode()
        with scoped_to(self.town):
            assert not Assessment.objects.get(pk=assessment.pk).notices.exists()

    def test_don_tum_which_keeps_the_tax_module_opens_it_as_before(self):
        self.login(self.their_officer)
        assert self.client.get("/taxes/").status_code == 200
        assert self.client.get(f"/taxes/assessments/{self.assessments[self.other.pk].pk}/").status_code == 200
        assert "taxes" in [item.key for item in self.client.get("/").context["menu"]]

    # API ---------------------------------------------------------------------------------------------

    def test_the_tax_api_answers_404_with_the_reason_to_a_session_and_to_a_token(self):
        self.login(self.officer)
        by_session = self.client.get("/api/v1/tax/assessments/")
        assert by_session.status_code == 404 and "“ภาษี”" in by_session.json()["detail"]
        token = _auth(Token.objects.create(user=self.officer))
        self.client.logout()
        assert self.client.get("/api/v1/tax/assessments/", **token).status_code == 404
        assert self.client.get("/api/v1/tax/payments/", **token).status_code == 404
        case = self.assessments[self.town.pk].calculator_input
        calculate = self.client.post(
            "/api/v1/tax/calculate/land-building/", case, content_type="application/json", **token
        )
        assert calculate.status_code == 404
        assert self.client.get("/api/v1/parcels/", **token).status_code == 200  # the register stays

    def test_don_tums_token_reads_the_tax_api(self):
        token = _auth(Token.objects.create(user=self.their_officer))
        response = self.client.get("/api/v1/tax/assessments/", **token)
        assert response.status_code == 200 and response.json()["count"] > 0
        case = self.assessments[self.other.pk].calculator_input
        calculate = self.client.post(
            "/api/v1/tax/calculate/land-building/", case, content_type="application/json", **token
        )
        assert calculate.status_code == 200, calculate.content

    def test_a_member_of_both_towns_reads_the_tax_api_only_as_a_member_of_the_town_that_keeps_it(self):
        both = MembershipFactory(municipality=self.town, role=Role.TAX_OFFICER).user
        MembershipFactory(municipality=self.other, role=Role.TAX_OFFICER, user=both)
        self.login(both)
        session = self.client.session
        session["municipality_id"] = self.town.pk  # the pages work in Lam Phaya
        session.save()
        assert self.client.get("/taxes/").status_code == 404
        # The API picks the membership by the header, and decides by that municipality's settings.
        assert self.client.get("/api/v1/tax/assessments/", HTTP_X_MUNICIPALITY=self.other.code).status_code == 200
        assert self.client.get("/api/v1/tax/assessments/", HTTP_X_MUNICIPALITY=self.town.code).status_code == 404

    # The catalogue and the open data -------------------------------------------------------------------

    def test_the_tax_layer_leaves_the_catalogue_and_the_open_data_but_the_admin_still_manages_it(self):
        """A closed module's figures are served to nobody (municipalities/modules.py); Don Tum's stay open."""
        for m in (self.town, self.other):
            with scoped_to(m):
                catalogue_services.catalogue_publish(municipality=m, acting_user=None, sources=["assessments"])
        ours, theirs = f"{self.town.code}-assessments", f"{self.other.code}-assessments"
        assert self.client.get(f"/open/{self.town.code}/assessments/").status_code == 404
        assert self.client.get(f"/open/{self.town.code}/assessments/download.csv").status_code == 404
        assert self.client.get(f"/ogc/collections/{ours}/items").status_code == 404
        names = self.client.get("/api/3/action/package_list").json()["result"]
        assert ours not in names and theirs in names
        assert "assessments" not in self.client.get("/catalog.json", {"municipality": self.town.code}).content.decode()
        assert self.client.get(f"/open/{self.other.code}/assessments/download.csv").status_code == 200
        assert self.client.get(f"/ogc/collections/{theirs}/items").status_code == 200
        self.login(self.officer)
        assert 'data-dataset="assessments"' not in self.client.get("/catalogue/").content.decode()
        assert self.client.get("/catalogue/assessments/download.csv").status_code == 404
        token = _auth(Token.objects.create(user=self.officer))
        assert self.client.get(f"/ogc/collections/{ours}/items", **token).status_code == 404
        self.login(self.admin)
        assert 'data-dataset="assessments"' in self.client.get("/catalogue/").content.decode()
        assert self.client.get("/catalogue/assessments/").status_code == 200
        self.login(self.their_officer)
        assert 'data-dataset="assessments"' in self.client.get("/catalogue/").content.decode()


class SettingsStayOpenTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory(name_th="ลำพญาซ่อนทุกส่วน")
        cls.admin = MembershipFactory(municipality=cls.town, role=Role.ADMIN).user
        cls.auditor = MembershipFactory(municipality=cls.town, role=Role.AUDITOR).user
        cls.hideable = [key for key, _label in ProfileForm().fields["hidden_modules"].choices]

    def test_with_every_module_hidden_the_admin_still_opens_the_settings_and_the_admin_and_shows_them_again(self):
        with scoped_to(self.town):
            catalogue_services.profile_update(
                municipality=self.town, acting_user=self.admin, hidden_modules=self.hideable
            )
        self.client.force_login(self.admin)
        assert [item.key for item in self.client.get("/").context["menu"]] == ["home", "register", "audit"]
        closed = self.client.get("/catalogue/")  # the settings' own module is closed …
        assert closed.status_code == 404 and "/catalogue/settings/" in closed.content.decode()
        assert self.client.get("/catalogue/settings/").status_code == 200  # … its settings page is not
        assert self.client.get("/admin/").status_code == 200
        assert self.client.get("/admin/assets/parcel/").status_code == 200
        response = self.client.post("/catalogue/settings/", {"primary_colour": "#1f5f8b", "accent_colour": "#e0a100"})
        assert response.status_code == 302
        assert self.client.get("/catalogue/").status_code == 200
        assert self.client.get("/taxes/").status_code == 200

    def test_the_home_page_the_register_and_the_audit_log_cannot_be_hidden(self):
        assert {"home", "register", "audit"}.isdisjoint(self.hideable)
        assert {"taxes", "works", "catalogue", "maps-tax"} <= set(self.hideable)
        with scoped_to(self.town), self.assertRaises(ValidationError) as refused:
            catalogue_services.profile_update(
                municipality=self.town, acting_user=self.admin, hidden_modules=["works", "audit"]
            )
        assert "audit" in refused.exception.message_dict["hidden_modules"][0]
        with scoped_to(self.town):
            assert not MunicipalProfile.objects.exists()  # nothing saved
        # A value stored some other way is ignored: the auditor keeps the audit log.
        MunicipalProfileFactory(municipality=self.town, hidden_modules=["audit", "register"])
        self.client.force_login(self.auditor)
        assert self.client.get("/audit/").status_code == 200
        assert {"audit", "register"} <= {item.key for item in self.client.get("/").context["menu"]}


class HiddenWorksModuleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory(name_th="ลำพญาปิดงานช่าง")
        cls.other = MunicipalityFactory(name_th="ดอนตูมเปิดงานช่าง")
        cls.engineer = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user
        cls.their_engineer = MembershipFactory(municipality=cls.other, role=Role.ENGINEER).user
        MunicipalProfileFactory(municipality=cls.town, hidden_modules=["works"])

    def test_the_works_pages_its_api_and_the_residents_form_close_in_lam_phaya_only(self):
        self.client.force_login(self.engineer)
        assert self.client.get("/works/").status_code == 404
        assert self.client.get("/works/complaints/").status_code == 404
        assert self.client.get("/api/v1/works/complaints/").status_code == 404
        self.client.force_login(self.their_engineer)
        assert self.client.get("/works/").status_code == 200
        assert self.client.get("/api/v1/works/complaints/").status_code == 200
        self.client.logout()
        form = self.client.get(f"/report/{self.town.code}/")  # residents would report to nobody
        assert form.status_code == 404 and CLOSED_PAGE in form.content.decode()
        assert self.client.get(f"/report/{self.other.code}/").status_code == 200


# Open without a module, each with the reason: everything else belongs to a module (MenuItem.routes).
OPEN = {
    "home": "the home page: a card per open module",
    "login": "signing in",
    "logout": "signing out",
    "switch-municipality": "choosing among one's memberships",
    "set_language": "the interface language",
    "privacy": "the PDPA privacy notice",
    "jobs:status": "a background task's progress, whatever module started it",
    "media": "files of records in the member's scope",
    "tile": "vector tiles: closed per layer by maps.access (MenuItem.tiles)",
    "open:*": "the open-data portal: closed per dataset by catalogue.selectors (MenuItem.datasets)",
    "ogc:*": "the OGC API: closed per dataset by catalogue.selectors (MenuItem.datasets)",
    "api-schema": "the API's description",
    "api-docs": "the API's documentation",
    "catalogue:settings": "never closed: where a municipality shows a hidden module again",
    "admin:*": "never closed: the register, where an admin manages the municipality",
    "admin/*": "the admin's unnamed routes (named admin:… when resolved): never closed either",
}


def _claimed(name: str) -> bool:
    patterns = [p for item in MENU.values() for p in item.routes] + list(OPEN)
    return any(fnmatchcase(name, pattern) for pattern in patterns)


def test_every_url_belongs_to_a_module_or_is_open_for_a_reason():
    names = {route.name for route in ROUTES}
    assert sorted(name for name in names if not _claimed(name)) == []


def test_every_route_a_module_claims_names_real_urls():
    names = {route.name for route in ROUTES}
    for item in MENU.values():
        for pattern in item.routes:
            assert any(fnmatchcase(name, pattern) for name in names), (item.key, pattern)
