"""Property-based API tests from the OpenAPI spec (schemathesis): no input makes a 500.

Every operation of /api/openapi.json gets generated requests, sent with the admin token: valid
ones (positive) and ones that break the schema (negative), each both with made-up path ids and
with the ids of real things (a ready collection, its document, a chunk, a conversation, a
message, a job), so that requests get past the 404s into the views. None may answer 5xx,
and every JSON error carries a message and a request_id.

The budget is fixed — EXAMPLES per operation, mode and kind of ids — and the examples are the
same on every run (derandomized, no example database), so that CI runs what was run here:
2,169 requests over 23 operations today. Operations that delete run last, so the real ids
stay valid.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from conftest import AUTH
from utils import leaks
from utils.leaks import STATIC_PATTERNS

EXAMPLES = 40
MIN_OPERATIONS = 15


def _known_ids(client, collection_id: str) -> dict[str, str]:
    """Ids of real things, for path parameters of the same name."""
    document = client.get(f"/api/collections/{collection_id}/documents").get_json()["items"][0]
    asked = client.post(
        "/api/ask", json={"question": "O que é seleção natural?", "collection_id": collection_id}
    ).get_json()
    hit = client.post(
        "/api/search", json={"question": "deriva genética", "collection_id": collection_id}
    ).get_json()["results"][0]
    job = client.get("/api/jobs", headers=AUTH).get_json()["items"][0]
    deck = _built_set(client, "flashcards", collection_id)
    return {
        "collection_id": collection_id,
        "document_id": document["id"],
        "conversation_id": asked["conversation_id"],
        "message_id": asked["message_id"],
        "chunk_id": hit["chunk_id"],
        "job_id": job["id"],
        "set_id": deck["id"],
        "item_id": deck["items"][0]["id"],
    }


def _built_set(client, kind: str, collection_id: str) -> dict:
    """A study set of the collection, once its build has ended."""
    created = client.post("/api/study/sets", json={"kind": kind, "collection_id": collection_id})
    assert created.status_code == 202, created.get_json()
    deadline = time.monotonic() + 60
    while (body := client.get(f"/api/study/sets/{created.get_json()['id']}").get_json())[
        "status"
    ] not in ("ready", "failed"):
        assert time.monotonic() < deadline, body
        time.sleep(0.05)
    assert body["status"] == "ready" and body["items"], body
    return body


def allow_echoes(*values: object) -> None:
    """A generated string that looks like SQL or a traceback ("SELECT 1" as a collection's
    description) comes back in the response and the stored row as the client's own text,
    not as a leak: declare it, raw and as JSON escapes it."""
    for value in values:
        if isinstance(value, dict):
            allow_echoes(*value.keys(), *value.values())
        elif isinstance(value, (list, tuple)):
            allow_echoes(*value)
        elif isinstance(value, str) and any(p.search(value) for p in STATIC_PATTERNS.values()):
            leaks.allow(value)
            leaks.allow(json.dumps(value)[1:-1])


def test_no_request_makes_a_server_error(app, client, ready_collection, capsys):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda op: (op.method.upper() == "DELETE", op.label),
    )
    assert len(operations) >= MIN_OPERATIONS
    known = _known_ids(client, ready_collection)

    sent: Counter[str] = Counter()
    for operation in operations:
        names = re.findall(r"{(\w+)}", operation.path)
        real = {name: known[name] for name in names if name in known}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, {}, sent)
            if real:
                _fuzz(operation, mode, real, sent)

    total = sum(sent.values())
    with capsys.disabled():
        print(f"\nschemathesis: {total} requests over {len(operations)} operations, none 5xx")
    # The budget was spent: every operation got requests in both modes.
    assert len(sent) == len(operations) and total >= len(operations) * EXAMPLES


def _fuzz(operation, mode: GenerationMode, path_parameters: dict, sent: Counter) -> None:
    try:
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
    except schemathesis.errors.SchemathesisError:
        return  # nothing in this operation can be made invalid

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        allow_echoes(case.body, case.query)
        response = case.call(headers=AUTH)
        sent[operation.label] += 1
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400 and "json" in response.headers.get("Content-Type", ""):
            error = response.json()["error"]
            assert error["message"] and error["request_id"], operation.label

    # Negative with the real ids fixed: some operations have nothing else to make invalid.
    with contextlib.suppress(Unsatisfiable):
        check()
