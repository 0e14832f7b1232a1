"""Teacher analytics (admin token): a collection's questions per ISO week, its most asked
topics, what the material could not answer and the answers rated down; and the CSV export."""

from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from chatgepeto.analytics.export import to_csv
from chatgepeto.analytics.questions import AskedQuestion
from chatgepeto.analytics.report import build_report, in_window
from chatgepeto.analytics.unanswered import low_score_for
from chatgepeto.analytics.weeks import Window, last_weeks
from chatgepeto.api import services
from chatgepeto.api.analytics_schemas import (
    AnalyticsOut,
    AnalyticsPath,
    AnalyticsQuery,
    ExportQuery,
)
from chatgepeto.api.auth import BEARER, admin_only
from chatgepeto.api.schemas import ErrorOut

bp = APIBlueprint("analytics", __name__, url_prefix="/api", abp_tags=[Tag(name="analytics")])

_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _questions(collection_id: str, weeks: int) -> tuple[Window, list[AskedQuestion]]:
    window = last_weeks(weeks)
    questions = services().conversations.questions_since(collection_id, window.since)
    return window, in_window(questions, window)


@bp.get(
    "/analytics/collections/<collection_id>",
    responses={200: AnalyticsOut, **_ERRORS},
    security=BEARER,
)
@admin_only
def collection_analytics(path: AnalyticsPath, query: AnalyticsQuery):
    """A collection's questions, unanswered questions and rated-down answers per ISO week
    (UTC), its most asked topics, and the latest unanswered and rated-down ones."""
    window, questions = _questions(path.collection_id, query.weeks)
    low_score = low_score_for(services().settings.retrieval.fusion)
    report = build_report(questions, window, low_score)
    out = AnalyticsOut.model_validate(
        {
            "collection_id": path.collection_id,
            "since": window.since,
            "low_score": low_score,
            **{name: getattr(report, name) for name in report.__dataclass_fields__},
        }
    )
    return out.model_dump(mode="json")


@bp.get(
    "/analytics/collections/<collection_id>/export.csv",
    responses={200: None, **_ERRORS},
    security=BEARER,
)
@admin_only
def export_analytics(path: AnalyticsPath, query: ExportQuery):
    """The collection's questions of the window as CSV (UTF-8 with BOM), one row per question,
    newest first: week, asked_at, question, status, reason, retrieval_score, rating, comment."""
    window, questions = _questions(path.collection_id, query.weeks)
    filename = f"analytics-{path.collection_id}-{window.mondays[0].isoformat()}.csv"
    return Response(
        to_csv(questions, query.delimiter, low_score_for(services().settings.retrieval.fusion)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
