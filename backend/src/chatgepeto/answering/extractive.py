"""The extractive answer: the best passages, quoted and cited, when no LLM is configured."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chatgepeto.answering.citations import make_citation
from chatgepeto.answering.prompts import source_label
from chatgepeto.retrieval.hybrid import SearchResult

HEADERS = {
    "pt": "Resposta extrativa (nenhum modelo de linguagem configurado): estes são os trechos "
    "mais relevantes do material.",
    "en": "Extractive answer (no language model configured): these are the most relevant "
    "passages from the material.",
}
NOTHING_FOUND = {
    "pt": "Não encontrei nada sobre isso no material desta coleção.",
    "en": "I found nothing about this in this collection's material.",
}


def extractive_answer(
    question: str, results: Sequence[SearchResult], language: str, passages: int = 3
) -> tuple[str, list[dict[str, Any]]]:
    """The answer text and its citations, quoting the top passages."""
    language = language if language in HEADERS else "en"
    if not results:
        return NOTHING_FOUND[language], []
    citations = [
        make_citation(n, result, question) for n, result in enumerate(results[:passages], start=1)
    ]
    lines = [HEADERS[language], ""]
    for citation in citations:
        label = source_label(citation["filename"], citation["page"])
        lines.append(f"[{citation['id']}] “{citation['quote']}” — {label}")
        lines.append("")
    return "\n".join(lines).strip(), citations
