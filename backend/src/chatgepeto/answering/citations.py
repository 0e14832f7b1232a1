"""Citations: which passages an answer cites, and the quote to show for each."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from chatgepeto.retrieval.hybrid import SearchResult
from chatgepeto.retrieval.lexical import analyze_query

_REF = re.compile(r"\[(\d{1,2})\]")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def cited_numbers(answer: str, available: int) -> list[int]:
    """Passage numbers cited as [n] in the answer, in order of first use, valid ones only."""
    seen: dict[int, None] = {}
    for match in _REF.finditer(answer):
        n = int(match.group(1))
        if 1 <= n <= available:
            seen.setdefault(n, None)
    return list(seen)


def best_quote(text: str, question: str, max_chars: int = 320) -> str:
    """The sentence window of the passage that shares most terms with the question.

    The quote is an exact substring of the passage, so a viewer can highlight it on the page.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    spans = [(a, b) for a, b in spans if b > a]
    if not spans:
        return text[:max_chars]
    wanted = set(analyze_query(question))

    def overlap(span: tuple[int, int]) -> int:
        return len(wanted & set(analyze_query(text[span[0] : span[1]])))

    best = max(range(len(spans)), key=lambda i: (overlap(spans[i]), -i))
    a, b = spans[best]
    # Grow the window with the following sentences while it fits.
    nxt = best + 1
    while nxt < len(spans) and spans[nxt][1] - a <= max_chars:
        b = spans[nxt][1]
        nxt += 1
    if b - a > max_chars:
        cut = text.rfind(" ", a, a + max_chars)
        b = cut if cut > a else a + max_chars
    return text[a:b].strip()


def make_citation(n: int, result: SearchResult, question: str) -> dict[str, Any]:
    return {
        "id": n,
        "document_id": result.document_id,
        "filename": result.filename,
        "page": result.page,
        "quote": best_quote(result.text, question),
        "chunk_id": result.chunk_id,
    }


def citations_for(
    answer: str, results: Sequence[SearchResult], question: str
) -> list[dict[str, Any]]:
    """The citation objects for the passages the answer cites, numbered as in the answer."""
    return [make_citation(n, results[n - 1], question) for n in cited_numbers(answer, len(results))]
