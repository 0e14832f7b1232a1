"""Telling a reference list from prose (ingestion/references.py)."""

import pytest

from chatgepeto.ingestion.chunk_rows import chunk_fields
from chatgepeto.ingestion.references import asks_for_references, is_reference_list

from utils.documents import AUTHOR_YEAR, CITING_PROSE

NUMBERED = (
    "Referências\n[1] BISHOP, C. M. Pattern Recognition and Machine Learning. Springer, 2006.\n"
    "[2] HASTIE, T.; TIBSHIRANI, R.; FRIEDMAN, J. The Elements of Statistical Learning. "
    "Springer, 2009.\n[3] ROSENBLATT, F. The perceptron. Psychological Review, 65(6), 1958.\n"
    "[4] VAPNIK, V. The Nature of Statistical Learning Theory. Springer, 1995."
)
# A scientific abstract with dates and figures (SciFact-like): not a reference list.
ABSTRACT = (
    "Between 1990 and 2010, the prevalence of obesity rose in 2,345 adults followed for 20 "
    "years. In 2005, incidence was 12.3 per 1000; by 2010 it was 15.1. Smith, the lead "
    "investigator, reported the results in 2011 together with the cohort's 1998 baseline."
)


@pytest.mark.parametrize("text", [AUTHOR_YEAR, NUMBERED])
def test_a_bibliography_is_a_reference_list(text):
    assert is_reference_list(text)


@pytest.mark.parametrize(
    "text", [CITING_PROSE, ABSTRACT, "", "35", "Lande, R. 1983.", "Think Python 2e (2015)."]
)
def test_prose_is_not(text):
    assert not is_reference_list(text)


def test_the_flag_is_stored_with_the_chunks_fields():
    assert chunk_fields(AUTHOR_YEAR).reference_list
    prose = chunk_fields(CITING_PROSE)
    assert not prose.reference_list and prose.language == "pt" and prose.terms


@pytest.mark.parametrize(
    "question",
    [
        "Quais referências a apostila cita sobre modularidade?",
        "qual a bibliografia do curso?",
        "Which papers are cited about modularity?",
        "What references does the handout give for the G matrix?",
        "Que trabalhos são citados sobre o tamanho?",
    ],
)
def test_a_question_that_asks_for_references(question):
    assert asks_for_references(question)


@pytest.mark.parametrize(
    "question",
    [
        "What is the line of least evolutionary resistance?",
        "Who resolved the conflict between the Mendelians and the biometricians?",
        "como calcula a herdabilidade?",
        "qual a diferença entre capacidade e citoplasma?",
    ],
)
def test_a_question_about_the_subject_does_not(question):
    assert not asks_for_references(question)
