"""Fuzz the gateway's HTTP API from its own OpenAPI description (schemathesis).

Property: whatever the body, the gateway answers with a documented status and a JSON
error body in the route's dialect, and never with a 5xx of its own making (502/504 only
come from the upstream, and carry an ``upstream_*`` code).
"""

from __future__ import annotations

from typing import Any

import orjson
import schemathesis
from hypothesis import HealthCheck, settings

from distillguard.gateway.openapi import openapi_bytes

schema = schemathesis.openapi.from_dict(orjson.loads(openapi_bytes()))


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_gateway_made_server_errors(case: Any, gateway: Any) -> None:
    headers = {"authorization": f"Bearer {gateway.keys['acct-1']}"}
    response = case.call(base_url=gateway.url, headers=headers)
    status = response.status_code
    assert status != 500, response.text
    if status >= 400:
        body = response.json()
        if case.path == "/v1/messages":
            assert body["type"] == "error" and body["error"]["message"]
        elif case.path.startswith("/v1/"):
            assert body["error"]["message"]
    if status in (502, 504) and case.path != "/v1/messages":
        assert str(response.json()["error"]["code"]).startswith("upstream"), response.text
    if status == 503:
        assert case.path == "/readyz"
