"""Schemathesis against /api/v1/openapi.json: no 5xx, and every response matches the schema.

Bounded: a fixed number of examples per operation, derandomised so that CI runs the same requests every
time. Runs as an in-scope county bureau officer holding a read+write token.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jiuzhu.routers import api

# Examples per operation; a longer hunt: JIUZHU_FUZZ_EXAMPLES=200 uv run pytest tests/api/test_fuzz.py
EXAMPLES = int(os.environ.get("JIUZHU_FUZZ_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1"))))
schema.app = get_wsgi_application()


@pytest.fixture
def keep_connection():
    """Schemathesis calls the WSGI application directly; Django's request signals would then close the test
    database connection after each request (the test client disconnects them the same way)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_token(db, settings, keep_connection):
    from jiuzhu.orgs.services import token_issue
    from tests.helpers import user

    settings.JIUZHU_RATES = {**settings.JIUZHU_RATES, "api_user": "1000000/min", "api_anon": "1000000/min"}
    return token_issue(user=user("js_bureau"), name="fuzz", scopes=["read", "write"]).raw


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, fuzz_token):
    response = case.call(headers={"Authorization": f"Bearer {fuzz_token}"})
    case.validate_response(response, checks=CHECKS)
