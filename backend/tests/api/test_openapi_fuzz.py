"""Property-based API tests from the OpenAPI spec (schemathesis): no input makes a 500.

Every operation of /api/openapi.json gets generated requests (valid and invalid bodies, query
strings and paths), sent with the admin token; none may answer 5xx, and every JSON error must
carry a message and a request_id.
"""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from conftest import AUTH


def test_no_request_makes_a_server_error(app, ready_collection):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:
        _fuzz(operation)


def _fuzz(operation) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call(headers=AUTH)
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400 and "json" in response.headers.get("Content-Type", ""):
            error = response.json()["error"]
            assert error["message"] and error["request_id"], operation.label

    check()
