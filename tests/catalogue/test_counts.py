"""The catalogue's record counts stay current through every way the register changes."""

import datetime
import tempfile
from decimal import Decimal
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from assets import services as assets
from catalogue import services
from catalogue.models import Dataset
from dataio.services import ImportOptions, import_file
from municipalities.tenancy import scoped_to
from taxes.services import assessment_run
from tests.dataio.files import lots, municipality_on_real_boundary, parcels_frame, write
from tests.factories import BlockFactory, InfrastructureAssetFactory, UserFactory, ZoneFactory


def counts(municipality) -> dict[str, int]:
    with scoped_to(municipality):
        return {d.source: d.record_count for d in services.catalogue_current(municipality)}


class CatalogueCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = municipality_on_real_boundary(name_th="ลำพญานับ")
        cls.officer = UserFactory()
        BlockFactory(zone=ZoneFactory(municipality=cls.lam_phaya, code="01"), code="01A")

    def change(self, action):
        """Run a change as the app would: in a transaction, whose commit marks the catalogue."""
        with self.captureOnCommitCallbacks(execute=True), scoped_to(self.lam_phaya):
            return action()

    def test_an_officers_new_parcels_split_and_import_all_show_in_the_count(self):
        assert counts(self.lam_phaya)["parcels"] == 0
        squares = lots(3, first=40)
        created = self.change(
            lambda: [
                assets.parcel_create(
                    municipality=self.lam_phaya,
                    acting_user=self.officer,
                    parcel_code=f"01A{900 + i}",
                    geom=GEOSGeometry(square.wkt, srid=4326),
                    area_sq_wah=Decimal("400"),
                )
                for i, square in enumerate(squares)
            ]
        )
        assert counts(self.lam_phaya)["parcels"] == 3

        halves = [created[0].geom[0].buffer(-0.00001), created[0].geom[0].buffer(-0.00002)]
        self.change(
            lambda: assets.parcel_split(
                parcel=created[0],
                parts=[
                    {"parcel_code": "01A950", "geom": halves[0], "area_sq_wah": Decimal("200")},
                    {"parcel_code": "01A951", "geom": halves[1], "area_sq_wah": Decimal("200")},
                ],
                acting_user=self.officer,
                on=datetime.date(2026, 3, 1),
            )
        )
        assert counts(self.lam_phaya)["parcels"] == 4  # the split parcel is retired, its two parts count

        with tempfile.TemporaryDirectory() as folder:
            path = write(parcels_frame(5), Path(folder), "gpkg")
            self.change(
                lambda: import_file(
                    municipality=self.lam_phaya,
                    acting_user=self.officer,
                    path=path,
                    options=ImportOptions(layer="parcels"),
                )
            )
        assert counts(self.lam_phaya)["parcels"] == 9

    def test_infrastructure_is_counted_by_kind_and_a_deletion_lowers_the_count(self):
        centre = self.lam_phaya.boundary.point_on_surface
        light = self.change(lambda: InfrastructureAssetFactory(municipality=self.lam_phaya, geom=centre))
        assert counts(self.lam_phaya)["infrastructure:streetlight"] == 1
        assert counts(self.lam_phaya)["infrastructure:road"] == 0
        self.change(light.delete)
        assert counts(self.lam_phaya)["infrastructure:streetlight"] == 0

    def test_an_assessment_run_updates_the_assessment_summary(self):
        with tempfile.TemporaryDirectory() as folder:
            path = write(parcels_frame(4), Path(folder), "gpkg")
            self.change(
                lambda: import_file(
                    municipality=self.lam_phaya,
                    acting_user=self.officer,
                    path=path,
                    options=ImportOptions(layer="parcels"),
                )
            )
        assert counts(self.lam_phaya)["assessments"] == 0
        self.change(
            lambda: assessment_run(municipality=self.lam_phaya, tax_year=2026, acting_user=self.officer, workers=1)
        )
        with scoped_to(self.lam_phaya):
            from taxes.models import Assessment

            expected = Assessment.objects.count()
        assert counts(self.lam_phaya)["assessments"] == expected

    def test_a_rolled_back_change_marks_nothing_and_an_unchanged_catalogue_is_not_recounted(self):
        counts(self.lam_phaya)
        try:
            with scoped_to(self.lam_phaya), self.captureOnCommitCallbacks(execute=True):
                from django.db import transaction

                with transaction.atomic():
                    InfrastructureAssetFactory(
                        municipality=self.lam_phaya, geom=self.lam_phaya.boundary.point_on_surface
                    )
                    raise RuntimeError("the officer's change fails")
        except RuntimeError:
            pass
        with scoped_to(self.lam_phaya):
            assert not Dataset.objects.filter(stale=True).exists()
            # one query for the sources listed, one for the catalogue: no count(*) over the register
            with self.assertNumQueries(2):
                services.catalogue_current(self.lam_phaya)

    def test_many_changes_in_one_transaction_mark_the_catalogue_once_and_a_later_commit_not_again(self):
        centre = self.lam_phaya.boundary.point_on_surface
        with CaptureQueriesContext(connection) as first:
            self.change(
                lambda: [InfrastructureAssetFactory(municipality=self.lam_phaya, geom=centre) for _ in range(20)]
            )
        with CaptureQueriesContext(connection) as second:
            self.change(lambda: BlockFactory(zone=ZoneFactory(municipality=self.lam_phaya, code="02"), code="02A"))
        marks = [
            [q["sql"] for q in capture.captured_queries if q["sql"].startswith('UPDATE "catalogue_dataset"')]
            for capture in (first, second)
        ]
        assert len(marks[0]) == 1, marks[0]  # 20 new street lights: one mark, after the commit
        assert len(marks[1]) == 1 and "infrastructure:streetlight" not in marks[1][0], marks[1]
