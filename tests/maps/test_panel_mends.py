"""The parcel's side panel and its printed map, as review found them wanting: one number per masked
owner across the panel, only the signs up that year, the print link of the year shown, a retired
parcel drawn on its own map."""

import datetime
from decimal import Decimal
from unittest import mock

from django.test import TestCase
from django.urls import reverse

from maps import printing
from maps.printing import _map_svg
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from taxes.services import assessment_run
from tests.factories import (
    LandUseFactory,
    MembershipFactory,
    OwnerFactory,
    OwnershipFactory,
    ParcelFactory,
    SignboardFactory,
)
from tests.taxes import scenario

D = datetime.date


class PanelTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, cls.sign = scenario.build()
        block = cls.parcels["01A001"].block
        # Held 70 / 30 by two people whose names sort the other way round from their ids.
        cls.udom = OwnerFactory(municipality=cls.m, first_name="อุดม", last_name="มั่งมี")
        cls.kanda = OwnerFactory(municipality=cls.m, first_name="กานดา", last_name="ดีใจ")
        cls.shared = ParcelFactory(municipality=cls.m, block=block, parcel_code="01A009", area_sq_wah=Decimal(400))
        LandUseFactory(parcel=cls.shared, use="residential_other", area_sq_wah=Decimal(400))
        OwnershipFactory(parcel=cls.shared, owner=cls.udom, share=Decimal("0.7"))
        OwnershipFactory(parcel=cls.shared, owner=cls.kanda, share=Decimal("0.3"))
        cls.old_sign = SignboardFactory(
            parcel=cls.shared, signboard_code="01A009-P001", installed_on=D(2015, 1, 1), removed_on=D(2019, 6, 30)
        )
        cls.new_sign = SignboardFactory(parcel=cls.shared, signboard_code="01A009-P002", installed_on=D(2027, 3, 1))
        with scoped_to(cls.m):
            assessment_run(municipality=cls.m, tax_year=2026)
        cls.officer = MembershipFactory(municipality=cls.m, role=Role.TAX_OFFICER).user
        cls.executive = MembershipFactory(municipality=cls.m, role=Role.EXECUTIVE).user

    def panel(self, user, parcel=None, year=2026):
        self.client.force_login(user)
        return self.client.get(reverse("maps:parcel-panel", args=[(parcel or self.shared).pk]), {"year": year}).json()

    def test_masked_owners_are_numbered_and_no_taxpayer_is_listed_to_a_role_that_masks_them(self):
        """The taxpayers, with what each owes, are listed only to roles that see personal data
        (tests/maps/test_pages.py): no masked taxpayer to number like the owners."""
        officer, executive = self.panel(self.officer), self.panel(self.executive)
        names = [o["name"].split(" (")[0] for o in officer["owners"]]
        assert names == [self.kanda.full_name, self.udom.full_name]  # by first name
        assert [o["name"].split(" (")[0] for o in executive["owners"]] == ["ผู้ถือกรรมสิทธิ์ 1", "ผู้ถือกรรมสิทธิ์ 2"]
        taxpayers = [a["taxpayer"].split(" (")[0] for a in officer["tax"]["assessments"]]
        assert sorted(taxpayers) == sorted(names)
        assert "assessments" not in executive["tax"]

    def test_only_the_signs_up_during_the_year_are_listed(self):
        assert self.panel(self.officer)["signboards"] == []  # one taken down in 2019, one put up in 2027
        assert [s["code"] for s in self.panel(self.officer, year=2027)["signboards"]] == ["01A009-P002"]

    def test_the_print_link_prints_the_year_the_map_shows(self):
        link = self.panel(self.officer, year=2025)["links"]["print"]
        assert link.endswith("?year=2025")
        response = self.client.get(link)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"

    def test_a_retired_parcel_is_drawn_on_its_own_map(self):
        with scoped_to(self.m):
            self.shared.retired_on = D(2026, 1, 20)
            self.shared.save(update_fields=["retired_on"])
            svg, _facts = _map_svg(self.m, self.shared.geom, year=2026, taxes=True, highlight_ids={self.shared.pk})
        assert 'stroke="#c0392b"' in svg  # the printed parcel, outlined in red

    def test_a_blocks_map_draws_todays_parcels_only(self):
        with scoped_to(self.m):
            block = self.shared.block
            self.shared.retired_on = D(2026, 1, 20)
            self.shared.save(update_fields=["retired_on"])
            current = set(block.parcels.filter(retired_on__isnull=True).values_list("pk", flat=True))
            with mock.patch("maps.printing._map_svg", wraps=printing._map_svg) as drawn:
                assert printing.block_pdf(block, year=2026, taxes=False).startswith(b"%PDF")
        assert drawn.call_args.kwargs["highlight_ids"] == current  # the retired parcel is not drawn over them
        assert self.shared.pk not in current
