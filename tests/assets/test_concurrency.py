"""Two editors of one parcel: the second is told who changed it, and nothing either of them typed is lost."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.test import Client, TestCase
from django.urls import reverse

from assets import services
from assets.models import Parcel
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.factories import TEST_PASSWORD, MembershipFactory, MunicipalityFactory, ParcelFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_officers_saving_one_parcel_at_once_the_second_gets_a_conflict_and_the_first_change_stays():
    lam_phaya = MunicipalityFactory()
    parcel = ParcelFactory(municipality=lam_phaya, parcel_code="01A001")
    somchai, malee = UserFactory(username="somchai"), UserFactory(username="malee")
    first_has_lock, results = threading.Event(), {}

    def edit(user, price, hold_lock):
        try:
            with scoped_to(lam_phaya):
                from django.db import transaction

                with transaction.atomic():
                    mine = Parcel.objects.get(pk=parcel.pk)
                    services.parcel_update(
                        parcel=mine, acting_user=user, expected_version=1, price_per_sq_wah=Decimal(price)
                    )
                    if hold_lock:
                        first_has_lock.set()
                        # keep the row locked a moment: the other transaction is now waiting on it
                        connection.cursor().execute("SELECT pg_sleep(0.5)")
            results[user.username] = "saved"
        except ValidationError as error:
            results[user.username] = error.message_dict["version"][0]
        finally:
            close_old_connections()
            connection.close()

    first = threading.Thread(target=edit, args=(somchai, "41000", True))
    first.start()
    assert first_has_lock.wait(10)
    second = threading.Thread(target=edit, args=(malee, "52000", False))
    second.start()
    first.join(20)
    second.join(20)

    assert results["somchai"] == "saved"
    assert "ถูกแก้ไขโดย somchai" in results["malee"]
    assert "การแก้ไขของคุณยังไม่ได้บันทึก" in results["malee"]
    stored = Parcel._base_manager.get(pk=parcel.pk)
    assert (stored.price_per_sq_wah, stored.version) == (Decimal("41000.00"), 2)


class AdminConflictTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.parcel = ParcelFactory(municipality=cls.lam_phaya, parcel_code="01A001", deed_number="100")
        for name in ("somchai", "malee"):
            MembershipFactory(municipality=cls.lam_phaya, role=Role.TAX_OFFICER, user__username=name)

    def form_data(self, page, **changes):
        form = page.context["adminform"].form
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        data.update(
            {
                "geom": self.parcel.geom.ewkt,
                "land_uses-TOTAL_FORMS": "0",
                "land_uses-INITIAL_FORMS": "0",
                "ownerships-TOTAL_FORMS": "0",
                "ownerships-INITIAL_FORMS": "0",
                "buildings-TOTAL_FORMS": "0",
                "buildings-INITIAL_FORMS": "0",
            }
        )
        data.update(changes)
        return data

    def test_the_second_editor_in_the_admin_sees_a_thai_conflict_and_keeps_what_they_typed(self):
        url = reverse("admin:assets_parcel_change", args=[self.parcel.pk])
        somchai, malee = Client(), Client()
        somchai.login(username="somchai", password=TEST_PASSWORD)
        malee.login(username="malee", password=TEST_PASSWORD)
        somchai_form, malee_form = somchai.get(url), malee.get(url)
        assert 'name="seen_version" value="1"' in somchai_form.content.decode()

        saved = somchai.post(url, self.form_data(somchai_form, deed_number="200"))
        assert saved.status_code == 302, saved.content.decode()[:2000]
        refused = malee.post(url, self.form_data(malee_form, deed_number="300"))
        assert refused.status_code == 200
        text = refused.content.decode()
        assert "ถูกแก้ไขโดย somchai" in text
        assert 'value="300"' in text  # malee's input is still in her form
        stored = Parcel._base_manager.get(pk=self.parcel.pk)
        assert (stored.deed_number, stored.version) == ("200", 2)

        again = malee.get(url)
        assert malee.post(url, self.form_data(again, deed_number="300")).status_code == 302
        assert Parcel._base_manager.get(pk=self.parcel.pk).deed_number == "300"
