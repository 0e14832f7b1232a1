"""The CSV export: one row per question, for a spreadsheet.

UTF-8 with a byte order mark, which is how Excel (pt-BR included) knows the accents are UTF-8.
Excel in pt-BR splits columns on ";" (its list separator, "," being the decimal mark), so the
delimiter can be chosen. Free text (questions, comments) is written by students: a cell that
starts like a formula (= + - @, or a tab or carriage return before one) gets a leading
apostrophe so a spreadsheet shows it as text instead of running it (OWASP, CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from chatgepeto.analytics.questions import AskedQuestion
from chatgepeto.analytics.unanswered import LOW_SCORE, unanswered_reason
from chatgepeto.analytics.weeks import as_utc, week_label, week_start

BOM = "\ufeff"
COLUMNS = (
    "week",
    "asked_at",
    "question",
    "status",
    "reason",
    "retrieval_score",
    "rating",
    "comment",
)
DELIMITERS = {"comma": ",", "semicolon": ";"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str | None) -> str:
    """Free text as a cell no spreadsheet evaluates."""
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _stamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def rows(
    questions: Iterable[AskedQuestion], low_score: float | None = LOW_SCORE
) -> Iterable[list[str]]:
    """The cells of each question's row, in COLUMNS order."""
    for q in questions:
        reason = unanswered_reason(q, low_score)
        yield [
            week_label(week_start(q.asked_at)),
            _stamp(q.asked_at),
            safe_cell(q.question),
            "answered" if reason is None else "unanswered",
            reason or "",
            "" if q.retrieval_score is None else f"{q.retrieval_score:.4f}",
            q.rating.rating if q.rating else "",
            safe_cell(q.rating.comment if q.rating else None),
        ]


def to_csv(
    questions: Iterable[AskedQuestion],
    delimiter: str = "comma",
    low_score: float | None = LOW_SCORE,
) -> str:
    """The whole export: BOM, header row, one row per question."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=DELIMITERS[delimiter], lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(questions, low_score))
    return out.getvalue()
