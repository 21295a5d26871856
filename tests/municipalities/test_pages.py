from django.test import TestCase
from django.urls import reverse

from municipalities.choices import Role
from municipalities.selectors import SESSION_KEY
from tests.factories import TEST_PASSWORD, MembershipFactory, MunicipalityFactory, ParcelFactory


class LoginPageTests(TestCase):
    def test_the_login_page_lists_the_municipalities_served_in_thai(self):
        page = self.client.get(reverse("login"))
        assert page.status_code == 200
        text = page.content.decode()
        assert "เข้าสู่ระบบ" in text
        assert "เทศบาลตำบลลำพญา" in text
        assert "เทศบาลเมืองตาคลี" in text

    def test_the_home_page_asks_for_a_login(self):
        response = self.client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


class HomeAndSwitchingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory(name_th="ลำพญาทดสอบ")
        cls.takhli = MunicipalityFactory(name_th="ตาคลีทดสอบ")
        for n in range(3):
            ParcelFactory(municipality=cls.lam_phaya, parcel_code=f"01A{n:03d}")
        ParcelFactory(municipality=cls.takhli, parcel_code="01A001")
        cls.auditor = MembershipFactory(municipality=cls.lam_phaya, role=Role.AUDITOR, user__username="auditor").user
        MembershipFactory(municipality=cls.takhli, role=Role.EXECUTIVE, user=cls.auditor)
        cls.stranger = MembershipFactory(role=Role.ADMIN, user__username="stranger").user

    def setUp(self):
        self.client.login(username="auditor", password=TEST_PASSWORD)

    def test_the_home_page_opens_on_the_first_municipality_and_counts_only_its_records(self):
        page = self.client.get(reverse("home"))
        text = page.content.decode()
        assert page.context["current_municipality"] == self.takhli  # ต sorts before ล
        assert page.context["summary"]["parcels"] == 1
        assert "ลำพญาทดสอบ" in text  # the switcher offers the other one

    def test_a_member_of_two_municipalities_switches_between_them(self):
        self.client.post(reverse("switch-municipality"), {"municipality": self.lam_phaya.pk})
        page = self.client.get(reverse("home"))
        assert page.context["current_municipality"] == self.lam_phaya
        assert page.context["summary"]["parcels"] == 3
        assert page.context["current_membership"].role == Role.AUDITOR
        assert "owners" in page.context["summary"]  # an auditor may see personal data

        self.client.post(reverse("switch-municipality"), {"municipality": self.takhli.pk})
        page = self.client.get(reverse("home"))
        assert page.context["current_municipality"] == self.takhli
        assert page.context["summary"]["parcels"] == 1
        assert "owners" not in page.context["summary"]  # an executive may not

    def test_switching_to_a_municipality_one_is_not_a_member_of_is_refused(self):
        stranger_town = MunicipalityFactory()
        self.client.post(reverse("switch-municipality"), {"municipality": self.lam_phaya.pk})
        self.client.post(reverse("switch-municipality"), {"municipality": stranger_town.pk})
        assert self.client.session[SESSION_KEY] == self.lam_phaya.pk
        assert self.client.get(reverse("home")).context["current_municipality"] == self.lam_phaya

    def test_a_user_without_membership_sees_no_municipal_data(self):
        from django.contrib.auth import get_user_model

        get_user_model().objects.create_user("nobody", password=TEST_PASSWORD)
        self.client.logout()
        self.client.login(username="nobody", password=TEST_PASSWORD)
        page = self.client.get(reverse("home"))
        assert page.context["current_municipality"] is None
        assert "ยังไม่มีสิทธิ์เข้าถึงเทศบาลใด" in page.content.decode()


class LanguageTests(TestCase):
    def test_thai_is_the_default_language(self):
        page = self.client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="")
        assert '<html lang="th">' in page.content.decode()
        assert "เทศบาลตำบลลำพญา" in page.content.decode()

    def test_english_is_available_as_the_second_language(self):
        page = self.client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
        text = page.content.decode()
        assert '<html lang="en">' in text
        assert "Log in" in text
        assert "Lam Phaya Subdistrict municipality" in text
        assert "นครปฐม Province" in text

    def test_the_language_switch_sets_english_for_the_session(self):
        self.client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
        assert "Log in" in self.client.get(reverse("login")).content.decode()
