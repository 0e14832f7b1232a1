"""The CSV export: BOM, header, one row per question, formula cells defused, delimiters."""

import csv
import io
from datetime import UTC, datetime

import pytest

from analytics.rows import asked
from chatgepeto.analytics.export import BOM, COLUMNS, safe_cell, to_csv

AT = datetime(2026, 12, 3, 8, 15, 10, 123456, tzinfo=UTC)


def _read(text: str, delimiter: str = ",") -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :]), delimiter=delimiter))


def test_a_header_then_one_row_per_question():
    text = to_csv(
        [
            asked("Por que a seleção natural?", AT, score=3.91234, rating="up"),
            asked("O que é mitocôndria?", AT, not_in_material=True, score=None),
            asked("E a deriva?", AT, score=0.1, rating="down", comment="Errado, não é isso"),
        ]
    )
    header, *rows = _read(text)
    assert tuple(header) == COLUMNS
    assert rows == [
        ["2026-W49", "2026-12-03T08:15:10Z", "Por que a seleção natural?", "answered", "",
         "3.9123", "up", ""],
        ["2026-W49", "2026-12-03T08:15:10Z", "O que é mitocôndria?", "unanswered",
         "not_in_material", "", "", ""],
        ["2026-W49", "2026-12-03T08:15:10Z", "E a deriva?", "unanswered", "low_score", "0.1000",
         "down", "Errado, não é isso"],
    ]  # fmt: skip
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert "\r\n" in text


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_cells_that_start_like_a_formula_get_an_apostrophe(text):
    assert safe_cell(text) == "'" + text
    [_, row] = _read(to_csv([asked(text, AT, rating="down", comment=text)]))
    assert row[2] == "'" + text and row[7] == "'" + text


def test_plain_text_and_our_own_numbers_are_left_alone():
    assert safe_cell("a = b") == "a = b"
    assert safe_cell(None) == ""
    [_, row] = _read(to_csv([asked("ok", AT, score=-0.25)]))
    assert row[5] == "-0.2500"  # a number we wrote, not a student's formula


def test_quotes_commas_and_line_breaks_stay_in_their_cell():
    question = 'Linha 1, "citação"\nlinha 2; fim'
    [_, row] = _read(to_csv([asked(question, AT)]))
    assert row[2] == question


def test_semicolons_for_excel_in_portuguese():
    text = to_csv([asked("Seleção, natural", AT)], delimiter="semicolon")
    header, row = _read(text, delimiter=";")
    assert tuple(header) == COLUMNS and row[2] == "Seleção, natural"


def test_no_questions_is_a_header_alone():
    assert _read(to_csv([])) == [list(COLUMNS)]
