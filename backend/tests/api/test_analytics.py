"""GET /api/analytics/collections/<id> and its CSV export: admin only, per ISO week (UTC)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from analytics.rows import add_question
from chatgepeto.analytics.unanswered import LOW_SCORE
from chatgepeto.analytics.weeks import last_weeks, week_label

from conftest import AUTH, create_collection
from utils import leaks

# Ten minutes into the current week at least, so that "a few minutes ago" is this week even
# when the tests run just after Monday 00:00 UTC.
NOW = max(datetime.now(UTC), last_weeks(1).since + timedelta(minutes=10))
LAST_WEEK = NOW - timedelta(days=7)
INJECTION = '=HYPERLINK("http://example.com/x","clique")'


def _url(collection_id: str, suffix: str = "", **query) -> str:
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/analytics/collections/{collection_id}{suffix}" + (f"?{tail}" if tail else "")


@pytest.fixture
def collection_id(client) -> str:
    return create_collection(client)


@pytest.fixture
def filled(app, collection_id) -> str:
    """Questions of this week and last week, answered or not, rated up and down."""
    with app.extensions["chatgepeto"].sessions.begin() as s:
        add_question(s, collection_id, "O que é seleção natural?", NOW - timedelta(minutes=3))
        add_question(
            s,
            collection_id,
            "Qual a massa de Júpiter?",
            NOW - timedelta(minutes=2),
            not_in_material=True,
            score=None,
            rating="down",
            comment="Não está no material?",
        )
        add_question(s, collection_id, "Seleção natural e adaptação", NOW - timedelta(minutes=1))
        add_question(s, collection_id, "Selecao natural em bactérias", LAST_WEEK, score=0.05)
        add_question(
            s,
            collection_id,
            INJECTION,
            LAST_WEEK - timedelta(minutes=1),
            rating="down",
            comment="@SUM(1+1)",
            answer="Resposta longa " * 40,
        )
    return collection_id


def test_counts_per_week_topics_and_lists(client, filled):
    response = client.get(_url(filled, weeks=3), headers=AUTH)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["timezone"] == "UTC" and body["low_score"] == LOW_SCORE
    window = last_weeks(3)
    assert body["since"].startswith(window.mondays[0].isoformat())
    assert [w["week"] for w in body["weeks"]] == [week_label(m) for m in window.mondays]
    assert [(w["questions"], w["unanswered"], w["thumbs_down"]) for w in body["weeks"]] == [
        (0, 0, 0),
        (2, 1, 1),
        (3, 1, 1),
    ]
    totals = (body["questions_total"], body["unanswered_total"], body["thumbs_down_total"])
    assert totals == (5, 2, 2)

    top = body["topics"][0]
    assert top["count"] == 3 and top["phrase"].lower() == "seleção natural"
    assert top["example"] == "Seleção natural e adaptação"

    assert [(u["question"], u["reason"], u["retrieval_score"]) for u in body["unanswered"]] == [
        ("Qual a massa de Júpiter?", "not_in_material", None),
        ("Selecao natural em bactérias", "low_score", 0.05),
    ]
    down = body["thumbs_down"]
    assert [(d["question"], d["comment"]) for d in down] == [
        ("Qual a massa de Júpiter?", "Não está no material?"),
        (INJECTION, "@SUM(1+1)"),  # JSON is not a spreadsheet: left as written
    ]
    assert down[1]["answer_excerpt"].endswith("…") and len(down[1]["answer_excerpt"]) <= 281


def test_the_window_is_eight_weeks_by_default(client, filled):
    body = client.get(_url(filled), headers=AUTH).get_json()
    assert len(body["weeks"]) == 8 and body["questions_total"] == 5
    only_this_week = client.get(_url(filled, weeks=1), headers=AUTH).get_json()
    assert only_this_week["questions_total"] == 3
    assert [w["questions"] for w in only_this_week["weeks"]] == [3]


def test_an_empty_collection(client, collection_id):
    body = client.get(_url(collection_id, weeks=4), headers=AUTH).get_json()
    assert [w["questions"] for w in body["weeks"]] == [0, 0, 0, 0]
    assert body["topics"] == body["unanswered"] == body["thumbs_down"] == []
    response = client.get(_url(collection_id, "/export.csv"), headers=AUTH)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == (
        "\ufeffweek,asked_at,question,status,reason,retrieval_score,rating,comment\r\n"
    )


def test_the_csv_export(client, filled):
    response = client.get(_url(filled, "/export.csv", weeks=3), headers=AUTH)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="analytics-')
    assert response.headers["Cache-Control"] == "no-store"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header == [
        "week",
        "asked_at",
        "question",
        "status",
        "reason",
        "retrieval_score",
        "rating",
        "comment",
    ]
    assert [row[2] for row in rows] == [
        "Seleção natural e adaptação",
        "Qual a massa de Júpiter?",
        "O que é seleção natural?",
        "Selecao natural em bactérias",
        "'" + INJECTION,  # a spreadsheet shows it, never runs it
    ]
    jupiter, bacteria, injection = rows[1], rows[3], rows[4]
    assert jupiter[3:] == ["unanswered", "not_in_material", "", "down", "Não está no material?"]
    assert bacteria[3:6] == ["unanswered", "low_score", "0.0500"]
    assert rows[0][3:] == ["answered", "", "3.0000", "", ""]
    assert injection[7] == "'@SUM(1+1)"
    assert bacteria[0] == week_label(last_weeks(2).mondays[0])
    assert bacteria[1].endswith("Z")


def test_the_csv_export_with_semicolons(client, filled):
    response = client.get(_url(filled, "/export.csv", delimiter="semicolon"), headers=AUTH)
    header, *rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))
    assert header[0] == "\ufeffweek" and len(rows) == 5 and len(rows[0]) == 8


@pytest.mark.parametrize("suffix", ["", "/export.csv"])
def test_only_with_the_admin_token(client, collection_id, suffix):
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic x"}):
        response = client.get(_url(collection_id, suffix), headers=headers)
        assert response.status_code == 401
        error = response.get_json()["error"]
        assert error["code"] == "unauthorized" and error["request_id"]


@pytest.mark.parametrize("suffix", ["", "/export.csv"])
def test_an_unknown_collection_is_a_404(client, suffix):
    response = client.get(_url("nao-existe", suffix), headers=AUTH)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("suffix", ["", "/export.csv"])
@pytest.mark.parametrize("weeks", ["0", "53", "-1", "oito", "1.5", ""])
def test_weeks_out_of_range_is_a_422(client, collection_id, suffix, weeks):
    response = client.get(_url(collection_id, suffix, weeks=weeks), headers=AUTH)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and "weeks" in error["message"]


def test_weeks_at_the_bounds(client, collection_id):
    for weeks in (1, 52):
        body = client.get(_url(collection_id, weeks=weeks), headers=AUTH).get_json()
        assert len(body["weeks"]) == weeks


def test_unknown_delimiter_or_parameter_is_a_422(client, collection_id):
    response = client.get(_url(collection_id, "/export.csv", delimiter="tab"), headers=AUTH)
    assert response.status_code == 422
    assert client.get(_url(collection_id, semana=2), headers=AUTH).status_code == 422


def test_in_the_openapi_spec_with_the_bearer_scheme(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in (
        "/api/analytics/collections/{collection_id}",
        "/api/analytics/collections/{collection_id}/export.csv",
    ):
        assert spec["paths"][path]["get"]["security"] == [{"bearer": []}]


def test_leak_free(client, filled):
    leaks.allow(INJECTION)
    client.get(_url(filled), headers=AUTH)
    client.get(_url(filled, "/export.csv"), headers=AUTH)


def test_with_rank_fusion_scores_judge_nothing(make_app, make_settings):
    app = make_app(make_settings(fusion="rrf"))
    client = app.test_client()
    collection_id = create_collection(client)
    with app.extensions["chatgepeto"].sessions.begin() as s:
        add_question(s, collection_id, "Pergunta com posto baixo", NOW, score=0.03)
        add_question(s, collection_id, "Fora do material", NOW, not_in_material=True)
    body = client.get(_url(collection_id), headers=AUTH).get_json()
    assert body["low_score"] is None
    assert [u["reason"] for u in body["unanswered"]] == ["not_in_material"]
    text = client.get(_url(collection_id, "/export.csv"), headers=AUTH).get_data(as_text=True)
    assert "low_score" not in text
