"""Rate limits on questions and uploads, and the client IP behind (or without) a proxy."""

import io
import uuid

import pytest
import redis

from chatgepeto.api.identity import COOKIE_NAME

from conftest import AUTH, redis_test_url, upload
from utils.students import student, user_id_of

QUESTION = {"question": "O que é seleção natural?", "collection_id": "nope"}


@pytest.fixture
def limited(make_app, make_settings):
    """A client factory with small limits (questions 3 per user, 5 per IP; uploads 2)."""

    def build(**overrides):
        values = {
            "ratelimit_ask": "3 per minute",
            "ratelimit_ask_per_ip": "5 per minute",
            "ratelimit_upload": "2 per hour",
        }
        values.update(overrides)
        return make_app(make_settings(**values)).test_client()

    return build


# Id cookies issued so far, by data folder (apps on one folder share the signing secret).
STUDENT_COOKIES: dict = {}


def as_student(client, name):
    """A client of `client`'s app that is the student `name`: its id cookie was issued by a
    first visit (from any app on the same data folder, which share the signing secret)."""
    app = client.application
    students = app.config.setdefault("TEST_STUDENTS", {})
    if name not in students:
        data_dir = app.extensions["chatgepeto"].settings.storage.data_dir
        cookies = STUDENT_COOKIES.setdefault(data_dir, {})
        if name in cookies:
            students[name] = app.test_client()
            students[name].set_cookie(COOKIE_NAME, cookies[name])
        else:
            students[name] = student(app)
            cookies[name] = students[name].get_cookie(COOKIE_NAME).value
    return students[name]


def ask(client, user=None, ip="10.0.0.1", path="/api/ask", headers=None):
    """A question from `user` (a student with an id cookie), or from a client without one."""
    if user:
        sender = as_student(client, user)
    else:  # a script that never keeps the cookie it is given
        config = client.application.config
        sender = config.setdefault(
            "TEST_NO_COOKIES", client.application.test_client(use_cookies=False)
        )
    return sender.post(path, json=QUESTION, headers=headers, environ_base={"REMOTE_ADDR": ip})


def assert_refused(response, words: str) -> None:
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert words in error["message"] and "try again in" in error["message"]
    assert error["request_id"] and error["request_id"] == response.headers["X-Request-ID"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert f"{response.headers['Retry-After']} second" in error["message"]


def test_questions_per_user_then_refused_with_retry_after(limited):
    client = limited()
    statuses = [ask(client, "ana").status_code for _ in range(3)]
    assert statuses == [404, 404, 404]  # counted whatever the answer
    refused = ask(client, "ana")
    assert_refused(refused, "Too many questions")
    # Another student behind the same address still has questions left.
    assert ask(client, "bia").status_code == 404


def test_exactly_one_refusal_for_limit_plus_one(limited):
    client = limited(ratelimit_ask="4 per minute", ratelimit_ask_per_ip="100 per minute")
    statuses = [ask(client, "carla").status_code for _ in range(5)]
    assert statuses.count(429) == 1 and statuses[-1] == 429


def test_ask_and_search_share_the_question_budget(limited):
    client = limited()
    assert ask(client, "ana", path="/api/search").status_code == 404
    assert ask(client, "ana").status_code == 404
    assert ask(client, "ana", path="/api/search").status_code == 404
    assert_refused(ask(client, "ana"), "Too many questions")
    assert_refused(ask(client, "ana", path="/api/search"), "Too many questions")


def test_changing_student_does_not_escape_the_per_ip_limit(limited):
    client = limited()
    statuses = [ask(client, f"user-{n}").status_code for n in range(5)]
    assert statuses == [404] * 5
    assert_refused(ask(client, "user-new"), "Too many questions from your network address")
    assert ask(client, "user-new", ip="10.0.0.2").status_code == 404


def test_without_an_id_cookie_the_ip_is_the_user(limited):
    client = limited()
    assert [ask(client).status_code for _ in range(3)] == [404] * 3
    assert ask(client).status_code == 429
    assert ask(client, ip="10.0.0.9").status_code == 404


def test_uploads_per_ip_even_with_the_admin_token(limited, biology_pdf):
    client = limited()
    other = {"REMOTE_ADDR": "10.0.0.3"}
    assert upload(client, "nope", ("a.pdf", biology_pdf)).status_code == 404
    assert upload(client, "nope", ("a.pdf", biology_pdf)).status_code == 404
    refused = upload(client, "nope", ("a.pdf", biology_pdf))
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "rate_limited" and "Too many uploads" in error["message"]
    assert "minutes" in error["message"]  # an hour's window: said in minutes
    assert int(refused.headers["Retry-After"]) > 60
    # Without the token: refused for that first (401), and not counted.
    path = "/api/collections/nope/documents"
    assert client.post(path, data={}, environ_base=other).status_code == 401
    for _ in range(2):
        files = {"files": (io.BytesIO(biology_pdf), "a.pdf")}
        response = client.post(path, data=files, headers=AUTH, environ_base=other)
        assert response.status_code == 404


def test_health_ready_metrics_and_reads_are_never_limited(limited):
    client = limited(ratelimit_ask="1 per minute", ratelimit_ask_per_ip="1 per minute")
    ask(client, "ana")
    assert ask(client, "ana").status_code == 429
    for path in ("/api/health", "/api/ready", "/metrics", "/api/collections", "/api/config"):
        statuses = {
            client.get(path, environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code for _ in range(5)
        }
        assert statuses == {200}, path
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'chatgepeto_rate_limited_total{limit="questions-per-user"}' in metrics


def test_disabled_limits_never_refuse(limited):
    client = limited(ratelimit_enabled=False, ratelimit_ask="1 per minute")
    assert {ask(client, "ana").status_code for _ in range(5)} == {404}


def test_without_a_trusted_proxy_forwarded_for_is_ignored(limited):
    client = limited(proxy_hops=0)
    statuses = [
        ask(client, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(4)
    ]
    # Spoofed addresses do not help: the peer address is the client, one budget.
    assert statuses == [404, 404, 404, 429]


def test_behind_one_proxy_the_forwarded_client_is_counted(limited):
    client = limited(proxy_hops=1)
    # One proxy address, two clients: separate budgets.
    for _ in range(3):
        assert ask(client, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404
        assert ask(client, headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 404
    assert ask(client, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    # The same client through another proxy instance: the same budget.
    again = ask(client, ip="10.0.0.99", headers={"X-Forwarded-For": "203.0.113.8"})
    assert again.status_code == 429
    # Only the last hop is trusted: what the client itself wrote before it is not.
    spoofed = ask(client, headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.7"})
    assert spoofed.status_code == 429


def test_behind_a_proxy_the_scheme_and_host_are_the_forwarded_ones(limited):
    client = limited(proxy_hops=1)
    app = client.application
    seen = {}

    @app.after_request
    def _record(response):
        from flask import request

        seen["url"] = request.url_root
        return response

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "chat.example.edu"}
    client.get("/api/health", headers=headers)
    assert seen["url"] == "https://chat.example.edu/"
    direct = limited(proxy_hops=0)
    direct.application.after_request(_record)
    direct.get("/api/health", headers=headers)
    assert seen["url"] == "http://localhost/"


def test_redis_unreachable_falls_back_to_counting_in_memory(limited):
    client = limited(redis_url="redis://127.0.0.1:1/0")
    assert [ask(client, "ana").status_code for _ in range(3)] == [404] * 3
    assert ask(client, "ana").status_code == 429


def test_two_api_processes_share_the_counter_through_redis(limited):
    url = redis_test_url()
    first, second = limited(redis_url=url), limited(redis_url=url)
    # Unique names: counters outlive the test in Redis for the window.
    user, ip = f"ana-{uuid.uuid4().hex}", f"10.{uuid.uuid4().int % 250}.0.1"
    assert ask(first, user, ip=ip).status_code == 404
    assert ask(second, user, ip=ip).status_code == 404
    assert ask(first, user, ip=ip).status_code == 404
    assert_refused(ask(second, user, ip=ip), "Too many questions")
    assert_refused(ask(first, user, ip=ip), "Too many questions")
    keys = redis.Redis.from_url(url).keys("LIMITS:*chatgepeto*")
    assert any(user_id_of(as_student(first, user)).encode() in key for key in keys)


def test_a_malformed_limit_stops_start_up(tmp_path):
    from pydantic import ValidationError

    from chatgepeto.settings import Settings

    with pytest.raises(ValidationError, match="not a rate limit"):
        Settings(_env_file=None, data_dir=tmp_path, ratelimit_ask="lots per fortnight")
    ok = Settings(_env_file=None, data_dir=tmp_path, ratelimit_upload="10/minute;100/day")
    assert ok.limits.ratelimit_upload == "10/minute;100/day"
