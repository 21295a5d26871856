"""Logins, failed logins, lock-outs and denials are logged; personal data is masked and its use logged."""

from django.test import Client, TestCase, override_settings
from django.urls import reverse

from audit.choices import AuthEventKind, PersonalDataAction
from audit.models import AuthEvent, PersonalDataAccess
from municipalities.choices import Role
from municipalities.tenancy import platform_scope, scoped_to
from tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    MunicipalityFactory,
    OwnerFactory,
    OwnershipFactory,
    ParcelFactory,
)


def events(municipality, **filters):
    with scoped_to(municipality):
        return list(AuthEvent.objects.filter(**filters).values_list("kind", "username"))


class LoginLogTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya, cls.takhli = MunicipalityFactory(), MunicipalityFactory()
        cls.somchai = MembershipFactory(
            municipality=cls.lam_phaya, role=Role.TAX_OFFICER, user__username="somchai"
        ).user
        MembershipFactory(municipality=cls.takhli, role=Role.EXECUTIVE, user=cls.somchai)
        cls.auditor = MembershipFactory(municipality=cls.lam_phaya, role=Role.AUDITOR, user__username="auditor").user

    def login(self, username, password):
        return self.client.post(reverse("login"), {"username": username, "password": password})

    def test_a_login_is_logged_in_every_municipality_the_officer_belongs_to(self):
        assert self.login("somchai", TEST_PASSWORD).status_code == 302
        assert events(self.lam_phaya, username="somchai") == [(AuthEventKind.LOGIN, "somchai")]
        assert events(self.takhli, username="somchai") == [(AuthEventKind.LOGIN, "somchai")]
        with scoped_to(self.lam_phaya):
            event = AuthEvent.objects.get(username="somchai")
        assert event.ip_address == "127.0.0.1"
        assert event.path == "/login/"

    def test_a_failed_login_is_logged_without_the_password(self):
        assert self.login("somchai", "wrong password").status_code == 200
        assert events(self.lam_phaya, username="somchai") == [(AuthEventKind.LOGIN_FAILED, "somchai")]
        with platform_scope():
            assert not AuthEvent.objects.filter(path__contains="wrong").exists()

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_repeated_failures_lock_the_account_out_even_with_the_right_password(self):
        for _ in range(3):
            self.login("somchai", "wrong password")
        response = self.login("somchai", TEST_PASSWORD)
        assert response.status_code == 429
        assert "ระงับการเข้าสู่ระบบชั่วคราว" in response.content.decode()
        assert "_auth_user_id" not in self.client.session
        kinds = [kind for kind, _ in events(self.lam_phaya, username="somchai")]
        assert kinds.count(AuthEventKind.LOGIN_FAILED) >= 3
        assert AuthEventKind.LOCKED_OUT in kinds
        assert AuthEventKind.LOGIN not in kinds

    def test_a_permission_denial_is_logged_in_the_municipality_acted_in(self):
        self.login("somchai", TEST_PASSWORD)
        self.client.post(reverse("switch-municipality"), {"municipality": self.takhli.pk})
        # an executive of Takhli may not add parcels
        assert self.client.get(reverse("admin:assets_parcel_add")).status_code == 403
        assert (AuthEventKind.PERMISSION_DENIED, "somchai") in events(self.takhli)
        assert (AuthEventKind.PERMISSION_DENIED, "somchai") not in events(self.lam_phaya)

    def test_the_auditor_reads_the_log_and_a_tax_officer_may_not(self):
        self.login("somchai", "wrong password")
        auditor = Client()
        auditor.login(username="auditor", password=TEST_PASSWORD)
        page = auditor.get(reverse("admin:audit_authevent_changelist"))
        assert page.status_code == 200
        assert "somchai" in page.content.decode()
        assert "somchai" in auditor.get(reverse("audit:index")).content.decode()
        officer = Client()
        officer.login(username="somchai", password=TEST_PASSWORD)
        assert officer.get(reverse("admin:audit_authevent_changelist")).status_code == 403


class PersonalDataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.owner = OwnerFactory(municipality=cls.lam_phaya, first_name="ประเสริฐ")
        cls.holding = OwnershipFactory(owner=cls.owner, parcel=ParcelFactory(municipality=cls.lam_phaya))
        cls.people = {
            role: MembershipFactory(municipality=cls.lam_phaya, role=role, user__username=f"pd-{role}").user
            for role in Role
        }

    def client_as(self, role):
        client = Client()
        client.login(username=f"pd-{role}", password=TEST_PASSWORD)
        return client

    def accesses(self):
        with scoped_to(self.lam_phaya):
            return list(PersonalDataAccess.objects.values_list("username", "action", "object_id"))

    def test_lists_show_national_ids_masked(self):
        masked = f"{self.owner.national_id[0]}-xxxx-xxxxx-xx-{self.owner.national_id[-1]}"
        for page in (
            self.client_as(Role.TAX_OFFICER).get(reverse("admin:assets_owner_changelist")),
            self.client_as(Role.TAX_OFFICER).get(reverse("owner-list")),
        ):
            assert masked in page.content.decode()
            assert self.owner.national_id not in page.content.decode()
            assert self.owner.formatted_id not in page.content.decode()
        assert self.accesses() == []

    def test_opening_an_owner_shows_the_full_id_and_logs_who_saw_it(self):
        page = self.client_as(Role.TAX_OFFICER).get(reverse("admin:assets_owner_change", args=[self.owner.pk]))
        assert self.owner.national_id in page.content.decode()
        api = self.client_as(Role.AUDITOR).get(reverse("owner-detail", args=[self.owner.pk])).json()
        assert api["national_id_display"] == self.owner.formatted_id
        assert self.accesses() == [
            ("pd-auditor", PersonalDataAction.VIEW_NATIONAL_ID, str(self.owner.pk)),
            ("pd-tax_officer", PersonalDataAction.VIEW_NATIONAL_ID, str(self.owner.pk)),
        ]

    def test_roles_without_personal_data_never_see_owners(self):
        for role in (Role.ENGINEER, Role.EXECUTIVE):
            client = self.client_as(role)
            assert client.get(reverse("owner-list")).status_code == 403
            assert client.get(reverse("owner-detail", args=[self.owner.pk])).status_code == 403
            assert client.get(reverse("admin:assets_owner_change", args=[self.owner.pk])).status_code == 403
            assert client.get(reverse("admin:assets_owner_history", args=[self.owner.pk])).status_code == 403
            parcel = client.get(reverse("parcel-detail", args=[self.holding.parcel_id])).json()
            assert "ownerships" not in parcel["properties"]
            assert "ประเสริฐ" not in client.get(reverse("parcel-list")).content.decode()
        officer = self.client_as(Role.TAX_OFFICER).get(reverse("parcel-detail", args=[self.holding.parcel_id])).json()
        assert officer["properties"]["ownerships"][0]["owner_name"] == self.owner.full_name
        assert self.accesses() == []

    def test_the_service_logs_an_export_of_many_records(self):
        from assets.models import Owner
        from audit.services import record_personal_data_access

        with scoped_to(self.lam_phaya):
            record_personal_data_access(
                user=self.people[Role.TAX_OFFICER],
                action=PersonalDataAction.EXPORT,
                model=Owner,
                record_count=250,
                detail="owners-2569.xlsx",
            )
            row = PersonalDataAccess.objects.get()
        assert (row.username, row.record_count, row.detail, row.content_type.model) == (
            "pd-tax_officer",
            250,
            "owners-2569.xlsx",
            "owner",
        )


class PrivacyPageTests(TestCase):
    def test_the_privacy_page_is_public_and_states_purpose_and_legal_basis_in_thai(self):
        page = self.client.get(reverse("privacy"))
        assert page.status_code == 200
        text = page.content.decode()
        for phrase in (
            "ประกาศความเป็นส่วนตัว",
            "วัตถุประสงค์",
            "มาตรา 24(4)",
            "มาตรา 24(6)",
            "ระยะเวลาเก็บรักษา",
            "สิทธิของเจ้าของข้อมูล",
        ):
            assert phrase in text
        assert "เทศบาลตำบลลำพญา" in text  # whom to contact
