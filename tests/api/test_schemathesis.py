"""schemathesis against the OpenAPI document (issue 16's reliability suite, the short part): generated
requests to every operation, as a business system with a token, never get a server error. The long run is
`KAIDAN_SCHEMATHESIS_EXAMPLES=100 pytest tests/api/test_schemathesis.py` (docs/operations.md)."""

from __future__ import annotations

import io
import os

import pytest
import schemathesis
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from kaidan.access.actors import SYSTEM
from kaidan.accounts.models import Organization

EXAMPLES = int(os.environ.get("KAIDAN_SCHEMATHESIS_EXAMPLES", "4"))


@pytest.fixture
def token(transactional_db):
    from kaidan.api.services import create_token

    call_command("demo", stdout=io.StringIO())
    _token, secret = create_token(
        Organization.objects.get(code="shakyo"),
        actor=SYSTEM,
        name="fuzzer",
        scopes=["object.view", "object.export", "object.edit"],
        clearance="limited",
    )
    return secret


@pytest.mark.django_db(transaction=True)
def test_no_generated_request_gets_a_server_error(token):
    """Each operation of the document, with requests generated from its schema (schemathesis's strategies,
    run by hypothesis here: its pytest plugin does not support this pytest yet)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])

        run()
