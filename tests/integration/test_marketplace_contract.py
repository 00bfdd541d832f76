"""The marketplace integration API against its own OpenAPI document, with schemathesis (property-based, bounded:
a few examples per operation, loopback only): whatever it generates, every answer is a documented status with the
documented JSON (an `error` on refusals), never a server error."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from support.served_gateway import served_gateway

PREFIX = "/api/marketplace"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    with served_gateway(tmp_path_factory.mktemp("contract")) as server:
        server.token = server.services.service_tokens.create(
            "contract", ["buyers:write", "orders:write", "disputes:write", "decisions:write"])[1]
        yield server


@pytest.fixture(scope="module")
def marketplace_schema(gateway):
    return schemathesis.openapi.from_url(f"{gateway.url}{PREFIX}/openapi.json")


schema = schemathesis.pytest.from_fixture("marketplace_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_answer_is_documented(case, gateway):
    response = case.call_and_validate(base_url=f"{gateway.url}{PREFIX}", checks=CHECKS,
                                      headers={"Authorization": f"Bearer {gateway.token}"}, timeout=30)
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("error"), str) and body["error"], body
