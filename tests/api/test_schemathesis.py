"""schemathesis drives every operation of our OpenAPI schema, as each role, with generated requests.

Whatever the schema contains is covered: the register API here, and the assessments and payments
endpoints of the tax branch once merged. No answer may be a server error (5xx) or break the schema.
Examples are bounded (hypothesis max_examples) to keep the suite fast.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from municipalities.choices import Role
from tests.factories import (
    BlockFactory,
    BuildingFactory,
    InfrastructureAssetFactory,
    MembershipFactory,
    MunicipalityFactory,
    OwnershipFactory,
    ParcelFactory,
    SignboardFactory,
)

raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
# The coverage phase (hundreds of boundary cases per operation) is left out to keep the suite fast;
# the examples and fuzzing phases run, bounded by EXAMPLES_PER_OPERATION.
config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(raw, config=config)
schema.app = get_wsgi_application()

EXAMPLES_PER_OPERATION = 6


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, which closes the database connection after each one;
    keep it open (as Django's test client does) so the requests see this test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens():
    """A small municipality with a record of each kind, its people (one per role) and their tokens."""
    town = MunicipalityFactory()
    block = BlockFactory(zone__municipality=town)
    for _ in range(3):
        parcel = ParcelFactory(municipality=town, block=block)
        BuildingFactory(parcel=parcel)
        SignboardFactory(parcel=parcel)
        OwnershipFactory(parcel=parcel)
    InfrastructureAssetFactory(municipality=town)
    ParcelFactory(municipality=MunicipalityFactory())  # someone else's, which must never show
    return {role: Token.objects.create(user=MembershipFactory(municipality=town, role=role).user).key for role in Role}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_request_of_any_role_gets_a_server_error_or_an_answer_outside_the_schema(case, role, tokens):
    case.call_and_validate(
        headers={"Authorization": f"Token {tokens[role]}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
