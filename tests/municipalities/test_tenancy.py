"""The tenant boundary: one mechanism scopes every municipal model (municipalities/tenancy.py)."""

import pytest
from django.apps import apps
from django.test import TestCase
from django.utils import timezone

from municipalities.models import Municipality
from municipalities.tenancy import MunicipalHistoryManager, MunicipalModel, OutOfScope, platform_scope, scoped_to
from tests.factories import FACTORIES, MunicipalityFactory

MUNICIPAL_MODELS = sorted((m for m in apps.get_models() if issubclass(m, MunicipalModel)), key=lambda m: m._meta.label)


def test_every_municipal_model_has_a_factory_so_its_isolation_is_tested():
    missing = [m._meta.label for m in MUNICIPAL_MODELS if m not in FACTORIES]
    assert missing == []


def test_every_table_with_a_municipality_column_is_a_municipal_model():
    # A table that carries municipality_id without the scoped manager would escape the mechanism.
    unscoped = [
        m._meta.label
        for m in apps.get_models()
        if any(f.name == "municipality" for f in m._meta.fields)
        and not issubclass(m, MunicipalModel)
        and not m._meta.label.split(".")[1].startswith("Historical")
    ]
    assert unscoped == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", MUNICIPAL_MODELS, ids=lambda m: m._meta.label)
class TestIsolationOfEachModel:
    @pytest.fixture
    def records(self, model):
        lam_phaya, takhli = MunicipalityFactory(), MunicipalityFactory()
        factory = FACTORIES[model]
        return lam_phaya, factory(municipality=lam_phaya), takhli, factory(municipality=takhli)

    def test_a_municipality_reads_only_its_own_records(self, model, records):
        lam_phaya, ours, _takhli, theirs = records
        with scoped_to(lam_phaya):
            visible = set(model.objects.values_list("pk", flat=True))
            assert ours.pk in visible
            assert theirs.pk not in visible
            assert not model.objects.filter(pk=theirs.pk).exists()
            with pytest.raises(model.DoesNotExist):
                model.objects.get(pk=theirs.pk)

    def test_a_municipality_cannot_change_or_delete_another_ones_records(self, model, records):
        lam_phaya, _, takhli, theirs = records
        with scoped_to(lam_phaya):
            with pytest.raises(OutOfScope):
                theirs.save()
            with pytest.raises(OutOfScope):
                theirs.delete()
            with pytest.raises(OutOfScope):
                model.objects.filter(pk=theirs.pk).update(municipality=takhli)
            assert model.objects.filter(pk=theirs.pk).delete()[0] == 0
        with platform_scope():
            assert model.objects.filter(pk=theirs.pk).exists()

    def test_a_municipality_cannot_move_its_records_to_another(self, model, records):
        lam_phaya, ours, takhli, _ = records
        with scoped_to(lam_phaya):
            ours.municipality = takhli
            with pytest.raises(OutOfScope):
                ours.save()
            with pytest.raises(OutOfScope):
                model.objects.filter(pk=ours.pk).update(municipality=takhli)
            with pytest.raises(OutOfScope):
                model.objects.bulk_create([model(**{**_fields(ours), "municipality": takhli})])

    def test_without_a_scope_nothing_is_read_and_nothing_written(self, model, records):
        _, ours, _, _ = records
        assert not model.objects.exists()
        with pytest.raises(OutOfScope):
            ours.save()


HISTORIED_MODELS = [m for m in MUNICIPAL_MODELS if hasattr(m, "history")]


def test_history_managers_are_scoped_too():
    unscoped = [m._meta.label for m in HISTORIED_MODELS if not isinstance(m.history, MunicipalHistoryManager)]
    assert unscoped == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", HISTORIED_MODELS, ids=lambda m: m._meta.label)
def test_the_history_of_another_municipalitys_records_is_hidden(model):
    lam_phaya, takhli = MunicipalityFactory(), MunicipalityFactory()
    ours, theirs = FACTORIES[model](municipality=lam_phaya), FACTORIES[model](municipality=takhli)
    with platform_scope():
        ours.save()
        theirs.save()  # a change, so both have history rows
        assert model.history.filter(id=theirs.pk).exists()
    with scoped_to(lam_phaya):
        assert model.history.filter(id=ours.pk).exists()
        assert not model.history.filter(id=theirs.pk).exists()
        assert model.history.as_of(timezone.now()).filter(pk=theirs.pk).count() == 0


def _fields(instance) -> dict:
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if not f.primary_key and not f.generated
    }


class MunicipalityScopeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory(name_th="ลำพญาทดสอบ")
        cls.takhli = MunicipalityFactory(name_th="ตาคลีทดสอบ")

    def test_a_municipality_sees_only_itself_in_the_municipality_list(self):
        with scoped_to(self.lam_phaya):
            assert list(Municipality.objects.all()) == [self.lam_phaya]

    def test_the_platform_scope_sees_every_municipality(self):
        with platform_scope():
            names = set(Municipality.objects.values_list("name_th", flat=True))
        assert {"ลำพญาทดสอบ", "ตาคลีทดสอบ", "ลำพญา", "ตาคลี"} <= names

    def test_scopes_nest_and_are_restored(self):
        with scoped_to(self.lam_phaya):
            with scoped_to(self.takhli):
                assert list(Municipality.objects.all()) == [self.takhli]
            assert list(Municipality.objects.all()) == [self.lam_phaya]
        assert not Municipality.objects.exists()
