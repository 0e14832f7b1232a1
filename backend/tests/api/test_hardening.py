"""Body limits, JSON nesting, client IPs and headers that hold on every route.

- A body over MAX_JSON_KB is refused with 413 on every route but the upload, by Content-Length
  before it is read, and when chunked without one, as it is read (over real HTTP too).
- JSON nested deeper than MAX_JSON_DEPTH is a 422 on every route and method, never a 500.
- Without trusted proxies (PROXY_HOPS=0), no forwarded header changes the client IP the
  per-IP limits count.
- Every response says `X-Content-Type-Options: nosniff`, file downloads included.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading

import pytest
from werkzeug.serving import make_server

from chatgepeto.api.hardening import MAX_JSON_DEPTH, json_depth

from conftest import AUTH, create_collection, upload, wait_for_document

QUESTION = {"question": "O que é seleção natural?", "collection_id": "nope"}


def _routes(app) -> list[tuple[str, str]]:
    """(method, path) for every route of the app, path parameters filled in."""
    routes = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", "x").replace(f"<path:{name}>", "x")
        routes += [(m, path) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def _assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == code and error["request_id"], error
    return error


# -- body size -------------------------------------------------------------------------------


def test_json_body_over_the_limit_is_413_by_content_length_before_it_is_read(client):
    class Unreadable(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, _buffer):
            raise AssertionError("the body was read")

    response = client.post(
        "/api/ask",
        content_type="application/json",
        environ_overrides={"wsgi.input": Unreadable(), "CONTENT_LENGTH": str(200 * 1024 * 1024)},
    )
    error = _assert_error(response, 413, "payload_too_large")
    assert error["message"] == "The request body is too large (limit 64 KiB)."


def test_every_route_but_the_upload_has_the_json_limit(app, client):
    body = json.dumps({"name": "x" * (65 * 1024)})
    for method, path in _routes(app):
        if path == "/api/collections/x/documents" and method == "POST":
            continue
        response = client.open(
            path, method=method, data=body, content_type="application/json", headers=AUTH
        )
        _assert_error(response, 413, "payload_too_large")


def test_a_body_just_under_the_limit_is_read(client):
    question = {**QUESTION, "question": "x" * (60 * 1024)}
    response = client.post("/api/ask", json=question)
    assert response.status_code == 422  # read and validated: the question is too long


def test_chunked_json_without_length_is_cut_off_at_the_limit(client):
    # A server that ends chunked bodies itself says so with wsgi.input_terminated (gunicorn
    # and Werkzeug's server do); the body is then read up to the limit and no further.
    def post(body: bytes):
        stream = io.BytesIO(body)
        response = client.post(
            "/api/ask",
            content_type="application/json",
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input": stream, "wsgi.input_terminated": True},
        )
        return response, stream.tell()

    response, read = post(b'{"question": "' + b"x" * (1024 * 1024) + b'"}')
    _assert_error(response, 413, "payload_too_large")
    assert read <= 64 * 1024 + 1  # the limit and one byte more, of 1 MiB
    # Under the limit, the chunked body is read whole.
    response, _ = post(json.dumps(QUESTION).encode())
    _assert_error(response, 404, "not_found")  # no such collection: the body was understood


def test_the_limit_is_a_setting(make_app, make_settings):
    client = make_app(make_settings(max_json_kb=1)).test_client()
    error = _assert_error(
        client.post("/api/ask", json={**QUESTION, "question": "x" * 2000}), 413, "payload_too_large"
    )
    assert "1 KiB" in error["message"]


def test_uploads_keep_their_own_larger_limit(client):
    collection_id = create_collection(client)
    notes = ("notas.md", ("# Seleção natural\n\n" + "Variação e herança. " * 10_000).encode())
    assert len(notes[1]) > 64 * 1024
    response = upload(client, collection_id, notes)
    assert response.status_code == 202, response.get_json()
    assert wait_for_document(client, response.get_json()["items"][0]["id"])["status"] == "ready"


@pytest.fixture
def server(app):
    """The app behind Werkzeug's HTTP server (chunked bodies end as they do with gunicorn)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    thread.join(timeout=10)


def test_over_http_a_huge_declared_body_is_refused_without_being_sent(server):
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        sock.sendall(
            b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 209715200\r\n\r\n{"
        )
        head = sock.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 413"), head


def test_over_http_a_chunked_body_is_cut_off(server):
    def chunks():
        yield b'{"question": "'
        for _ in range(64):  # 4 MiB if it were all read
            yield b"x" * 65536
        yield b'"}'

    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    try:
        connection.request(
            "POST",
            "/api/ask",
            body=chunks(),
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        body = response.read()
        assert response.status == 413, body
        assert json.loads(body)["error"]["code"] == "payload_too_large"
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered 413 and closed while the rest was still being sent
    finally:
        connection.close()


# -- nesting -------------------------------------------------------------------------------


def test_json_depth_counts_brackets_outside_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[" * 10_000) == MAX_JSON_DEPTH + 1  # stops counting past the limit
    assert json_depth(b"[]" * 5000) == 1


def test_deeply_nested_json_is_422_on_every_route(app, client):
    shallow_enough = {"name": json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1))}
    for depth in (MAX_JSON_DEPTH + 1, 400, 30_000):
        body = "[" * depth + "]" * depth
        for method, path in _routes(app):
            response = client.open(
                path, method=method, data=body, content_type="application/json", headers=AUTH
            )
            error = _assert_error(response, 422, "invalid_input")
            assert "nested too deeply" in error["message"], (method, path)
    # At the limit the body is parsed: the usual validation answer.
    response = client.post("/api/collections", json=shallow_enough, headers=AUTH)
    assert response.status_code == 422
    assert "nested" not in response.get_json()["error"]["message"]


def test_nested_json_in_a_string_body_is_not_a_500(client):
    # flask-openapi3 parses a JSON string body once more with pydantic.
    body = json.dumps("[" * 5000 + "]" * 5000)
    response = client.post("/api/collections", data=body, content_type="application/json")
    assert response.status_code in (401, 422)
    response = client.post(
        "/api/collections", data=body, content_type="application/json", headers=AUTH
    )
    assert response.status_code == 422


# -- client IP ---------------------------------------------------------------------------------


FORGED = [
    {"X-Forwarded-For": "198.51.100.{n}"},
    {"X-Forwarded-For": "198.51.100.{n}, 203.0.113.{n}"},
    {"X-Real-IP": "198.51.100.{n}"},
    {"Forwarded": "for=198.51.100.{n}"},
    {"X-Client-IP": "198.51.100.{n}", "True-Client-IP": "198.51.100.{n}"},
]


def test_without_proxies_no_forwarded_header_escapes_the_per_ip_limit(make_app, make_settings):
    client = make_app(
        make_settings(
            proxy_hops=0, ratelimit_ask="100 per minute", ratelimit_ask_per_ip="5 per minute"
        )
    ).test_client()
    statuses = []
    for n in range(len(FORGED) + 1):
        forged = FORGED[n % len(FORGED)]
        headers = {k: v.format(n=n) for k, v in forged.items()}
        response = client.post(
            "/api/ask",
            json={**QUESTION, "user_id": f"student-{n}"},
            headers=headers,
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
        statuses.append(response.status_code)
    # A new user id and a new forged address every time: still one address, one budget.
    assert statuses == [404] * 5 + [429]


def test_without_proxies_uploads_count_the_peer_address(make_app, make_settings):
    client = make_app(make_settings(proxy_hops=0, ratelimit_upload="2 per hour")).test_client()
    statuses = []
    for n in range(3):
        response = client.post(
            "/api/collections/nope/documents",
            data={"files": [(io.BytesIO(b"x"), "a.txt")]},
            headers={**AUTH, "X-Forwarded-For": f"198.51.100.{n}"},
            content_type="multipart/form-data",
        )
        statuses.append(response.status_code)
    assert statuses == [404, 404, 429]


# -- headers ---------------------------------------------------------------------------------


def test_every_response_says_nosniff_file_downloads_included(app, client, biology_pdf):
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("biologia.pdf", biology_pdf)).get_json()["items"][0]
    assert wait_for_document(client, item["id"])["status"] == "ready"
    download = client.get(f"/api/documents/{item['id']}/file")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    ranged = client.get(f"/api/documents/{item['id']}/file", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206
    responses = [download, ranged]
    responses += [client.open(path, method=method) for method, path in _routes(app)]
    responses.append(client.get("/api/nowhere"))
    for response in responses:
        assert response.headers["X-Content-Type-Options"] == "nosniff", response.request.path
        assert response.headers["Referrer-Policy"] == "no-referrer"
