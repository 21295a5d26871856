import warnings

import pytest
from django.utils import translation

from tests.dataio.files import municipality_on_real_boundary


@pytest.fixture(autouse=True)
def _thai():
    """Messages are asserted in Thai, whatever language an earlier test left active."""
    with translation.override("th"):
        yield


@pytest.fixture
def lam_phaya():
    """A municipality on Lam Phaya's real boundary, where tests/dataio/files.py lays its lots."""
    return municipality_on_real_boundary()


@pytest.fixture
def quiet_geopandas():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # shapefile column names are shortened on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
