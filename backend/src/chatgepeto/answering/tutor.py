"""The tutor's hint without an LLM: where the answer is, what to look for, a guiding question.

Tutor mode answers first with a hint and a question that leads the student to the answer; the
full answer comes when the student asks again with tutor mode off. Without a language model the
hint is built from the best passage: its page, the terms it shares with the question (what to
look for there), the start of the passage's most relevant sentences, and a question in the
question's language. Nothing found stays the plain "not in the material" sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from chatgepeto.answering.citations import make_citation
from chatgepeto.answering.extractive import NOTHING_FOUND
from chatgepeto.answering.prompts import source_label
from chatgepeto.retrieval.hybrid import SearchResult
from chatgepeto.retrieval.lexical import analyze, analyze_query

# Words of the quote shown in the hint: enough to find the place, not the whole answer.
HINT_WORDS = 6
KEY_TERMS = 3

TEMPLATES = {
    "pt": {
        "where": "Dica: a resposta está em {label} [1].",
        "look": "Releia o trecho que fala de {terms}, que começa assim: “{quote}” [1]",
        "start": "Releia o trecho que começa assim: “{quote}” [1]",
        "ask": "Pergunta para pensar: o que esse trecho diz sobre {focus}, e como isso responde "
        "à sua pergunta?",
        "ask_plain": "Pergunta para pensar: que parte desse trecho responde à sua pergunta?",
        "full": "Quando quiser, peça a resposta completa.",
        "and": " e ",
    },
    "en": {
        "where": "Hint: the answer is in {label} [1].",
        "look": "Reread the passage about {terms}, which begins: “{quote}” [1]",
        "start": "Reread the passage that begins: “{quote}” [1]",
        "ask": "A question to think about: what does this passage say about {focus}, and how "
        "does that answer your question?",
        "ask_plain": "A question to think about: which part of this passage answers your question?",
        "full": "Ask for the full answer whenever you want it.",
        "and": " and ",
    },
}

_WORD = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)


def key_terms(text: str, question: str, limit: int = KEY_TERMS) -> list[str]:
    """Words of the passage that carry the question's terms, as written there, in order of
    appearance; in lower case when the passage also writes them so (a heading or a sentence
    start capitalises common words, not names)."""
    wanted = set(analyze_query(question))
    found: dict[str, str] = {}
    for match in _WORD.finditer(text):
        word = match.group(0)
        # Both languages' stemming: "seleção" matches "selecao", "causes" matches "causa".
        terms = set(analyze(word, "pt")) | set(analyze(word, "en"))
        term = next(iter(sorted(terms & wanted)), None)
        if term is None:
            continue
        # Dicts keep the first appearance's order when a value is replaced.
        if term not in found or (found[term][:1].isupper() and word[:1].islower()):
            found[term] = word
    return list(found.values())[:limit]


def _listing(words: list[str], conjunction: str) -> str:
    quoted = [f"“{w}”" for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + conjunction + quoted[-1]


def tutor_hint(
    question: str, results: Sequence[SearchResult], language: str
) -> tuple[str, list[dict[str, Any]]]:
    """The hint's text and its one citation (the best passage), in the question's language."""
    language = language if language in TEMPLATES else "en"
    if not results:
        return NOTHING_FOUND[language], []
    words = TEMPLATES[language]
    best = results[0]
    citation = make_citation(1, best, question)
    quote_words = citation["quote"].split()
    quote = " ".join(quote_words[:HINT_WORDS]) + ("…" if len(quote_words) > HINT_WORDS else "")
    terms = key_terms(best.text, question)
    lines = [words["where"].format(label=source_label(best.filename, best.page))]
    if terms:
        lines.append(words["look"].format(terms=_listing(terms, words["and"]), quote=quote))
        lines.append(words["ask"].format(focus=_listing(terms, words["and"])))
    else:
        lines.append(words["start"].format(quote=quote))
        lines.append(words["ask_plain"])
    lines.append(words["full"])
    return "\n\n".join(lines), [citation]
