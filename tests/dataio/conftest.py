import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _thai():
    """Messages are asserted in Thai, whatever language an earlier test left active."""
    with translation.override("th"):
        yield
