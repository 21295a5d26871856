"""A municipality adapts the platform without code: its logo, colours and name on every page and on
its notices, which menu items its users see and in which order, and which layers they see."""

import datetime
import io
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from catalogue import services
from catalogue.models import MunicipalProfile
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from taxes.models import Assessment
from taxes.services import assessment_run, notice_print, notices_issue
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory
from tests.taxes import scenario
from tests.taxes.test_notices import pdf_text


def png(colour="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buffer, "PNG")
    return buffer.getvalue()


class MunicipalSettingsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town, cls.people, cls.parcels, cls.sign = scenario.build()
        cls.admin = MembershipFactory(municipality=cls.town, role=Role.ADMIN).user
        cls.officer = MembershipFactory(municipality=cls.town, role=Role.TAX_OFFICER).user

    def test_the_admin_sets_logo_colours_and_letterhead_and_every_page_shows_them(self):
        self.client.login(username=self.admin.username, password=TEST_PASSWORD)
        response = self.client.post(
            "/catalogue/settings/",
            {
                "logo": SimpleUploadedFile("logo.png", png(), content_type="image/png"),
                "primary_colour": "#7a1f5c",
                "accent_colour": "#f2a900",
                "letterhead_th": "สำนักงานเทศบาลทดสอบตรา",
                "menu_order": "works, taxes",
                "hidden_modules": ["rasters"],
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        self.client.login(username=self.officer.username, password=TEST_PASSWORD)
        for url in ("/", "/taxes/", "/catalogue/"):
            page = self.client.get(url).content.decode()
            assert "--brand: #7a1f5c" in page and "--brand-dark: #5b174" in page, url
            assert "สำนักงานเทศบาลทดสอบตรา" in page and 'class="brand-logo"' in page, url
        menu = [item.key for item in self.client.get("/").context["menu"]]
        assert "rasters" not in menu
        assert menu[:2] == ["works", "taxes"]

    def test_a_wrong_colour_or_an_unknown_menu_is_refused_and_nothing_saved(self):
        self.client.login(username=self.admin.username, password=TEST_PASSWORD)
        response = self.client.post(
            "/catalogue/settings/", {"primary_colour": "red", "accent_colour": "#000000", "menu_order": "nope"}
        )
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"primary_colour", "menu_order"}
        with scoped_to(self.town):
            assert not MunicipalProfile.objects.exists()

    def test_a_hidden_layer_leaves_the_users_catalogue_but_not_the_admins(self):
        with scoped_to(self.town):
            services.profile_update(
                municipality=self.town, acting_user=self.admin, hidden_layers=["infrastructure-cctv"]
            )
        self.client.login(username=self.officer.username, password=TEST_PASSWORD)
        assert 'data-dataset="infrastructure-cctv"' not in self.client.get("/catalogue/").content.decode()
        assert self.client.get("/catalogue/infrastructure-cctv/").status_code == 404
        self.client.login(username=self.admin.username, password=TEST_PASSWORD)
        assert 'data-dataset="infrastructure-cctv"' in self.client.get("/catalogue/").content.decode()

    def test_the_notices_carry_the_municipalitys_letterhead(self):
        with scoped_to(self.town):
            services.profile_update(
                municipality=self.town,
                acting_user=self.admin,
                letterhead_th="สำนักงานเทศบาลหนังสือแจ้ง",
                address="99 ถนนเทศบาล",
                logo=SimpleUploadedFile("logo.png", png("blue"), content_type="image/png"),
            )
            run = assessment_run(municipality=self.town, tax_year=2026, workers=1)
            notice = notices_issue(
                assessments=Assessment.objects.filter(run=run).order_by("id")[:1],
                issued_on=datetime.date(2026, 2, 15),
                acting_user=self.officer,
            )[0]
            data = notice_print(notices=[notice], acting_user=self.officer)
        text = pdf_text(data, Path(tempfile.mkdtemp()))
        assert "สำนักงานเทศบาลหนังสือแจ้ง" in text and "99 ถนนเทศบาล" in text
        assert b"/Subtype /Image" in data or b"/Subtype/Image" in data

    def test_only_the_municipal_admin_changes_the_settings(self):
        self.client.login(username=self.officer.username, password=TEST_PASSWORD)
        assert self.client.get("/catalogue/settings/").status_code == 403
        outsider = UserFactory()
        self.client.login(username=outsider.username, password=TEST_PASSWORD)
        assert self.client.get("/catalogue/settings/").status_code == 403
