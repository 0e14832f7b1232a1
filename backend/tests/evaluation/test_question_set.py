"""The course question set that `make eval` scores: valid, and large enough per PDF."""

from collections import Counter
from pathlib import Path

from chatgepeto.evaluation.questions import read_questions

QUESTIONS = Path(__file__).parents[2] / "benchmarks" / "qa_questions.jsonl"


def test_every_pdf_has_twenty_questions_in_each_language():
    answerable = [q for q in read_questions(QUESTIONS) if not q.unanswerable]
    counts = Counter((q.document, q.language) for q in answerable)
    documents = {q.document for q in answerable}
    assert len(documents) == 4
    for document in documents:
        for language in ("pt", "en"):
            assert counts[(document, language)] >= 20, (document, language)


def test_cross_language_and_splits_are_marked():
    answerable = [q for q in read_questions(QUESTIONS) if not q.unanswerable]
    for q in answerable:
        material = "pt" if q.document and q.document.endswith("_pt.pdf") else "en"
        assert q.cross_language == (q.language != material), q.id
        assert q.split in ("tune", "report"), q.id
    assert sum(q.split == "report" for q in answerable) >= 80
