"""Students for API tests: each one a test client of its own, with the id cookie it was given."""

from __future__ import annotations

from typing import Any

from chatgepeto.api.identity import COOKIE_NAME


def student(app: Any, **environ: Any) -> Any:
    """A new browser: a test client that has visited once and holds the id cookie it got."""
    client = app.test_client()
    response = client.get("/api/conversations", environ_base=environ)
    assert response.status_code == 200, response.get_json()
    assert client.get_cookie(COOKIE_NAME) is not None
    return client


def user_id_of(client: Any) -> str:
    """The id a client's cookie proves (read back with the app's signer)."""
    signer = client.application.extensions["chatgepeto_identity"]["current"]
    return signer.loads(client.get_cookie(COOKIE_NAME).value)


def ask(client: Any, collection_id: str, question: str, **extra: Any) -> dict[str, Any]:
    """POST /api/ask (JSON), which must answer 200; the body."""
    response = client.post(
        "/api/ask", json={"question": question, "collection_id": collection_id, **extra}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def assert_not_found(response: Any) -> dict[str, Any]:
    """A 404 in the API's error format, with the request id of the response."""
    assert response.status_code == 404, (response.status_code, response.get_data(as_text=True))
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and error["message"]
    assert error["request_id"] and error["request_id"] == response.headers["X-Request-ID"]
    return error
