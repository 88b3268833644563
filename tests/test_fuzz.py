"""Property-based fuzzing with Schemathesis over every operation of the OpenAPI document, on
each backend: valid and invalid inputs alike must get a declared status, content type and body.

Bounded and derandomized here so `make test` stays fast and repeatable; `make fuzz` sets
CLAIMBASE_FUZZ_EXAMPLES for a longer, randomized run.
"""

import os
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import app

FUZZ_EXAMPLES = int(os.environ.get("CLAIMBASE_FUZZ_EXAMPLES", "0"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_asgi("/v1/openapi.json", app)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=FUZZ_EXAMPLES or 30,
    deterministic=not FUZZ_EXAMPLES,
)


@schema.parametrize()
# Reads only: one rolled-back session may serve every example of an operation.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_every_operation_conforms(case: schemathesis.Case[Any], client: TestClient) -> None:
    # `client` overrides the app's session with this backend's rolled-back test session.
    case.call_and_validate(checks=CHECKS)
