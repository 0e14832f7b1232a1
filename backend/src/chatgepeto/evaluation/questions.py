"""The course question set: one JSON object per line, read and checked.

    {"id", "document", "language": "pt"|"en", "question", "pages": [1-based pages],
     "answer", "keywords": [...], "unanswerable": bool, "cross_language"?: bool,
     "split"?: "tune"|"report"|..., "also"?: [{"document", "pages"}]}

`document` names a file of the documents folder (an unanswerable question may give null);
`also` lists other places that hold the same answer; `split` says which part of the set a
question belongs to (levers are tuned on "tune", reported on all and on "report" apart).
Both `chatgepeto eval docs` (retrieval) and `chatgepeto eval qa` (answers) read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatgepeto.ingestion.filetypes import SUPPORTED_EXTENSIONS

REQUIRED_KEYS = (
    "id",
    "document",
    "language",
    "question",
    "pages",
    "answer",
    "keywords",
    "unanswerable",
)
LANGUAGES = ("pt", "en")

Place = tuple[str, int]  # (file name, 1-based page)


class QuestionFileError(ValueError):
    """The questions file is not valid; the message names the line."""


@dataclass(frozen=True)
class Question:
    id: str
    document: str | None
    language: str
    question: str
    pages: tuple[int, ...]
    answer: str
    keywords: tuple[str, ...]
    unanswerable: bool
    also: tuple[tuple[str, tuple[int, ...]], ...] = ()
    cross_language: bool = False
    split: str = ""

    @property
    def expected(self) -> frozenset[Place]:
        """Every (document, page) that holds the answer."""
        places = {(self.document, p) for p in self.pages if self.document}
        for document, pages in self.also:
            places.update((document, p) for p in pages)
        return frozenset(places)  # type: ignore[arg-type]

    @property
    def documents(self) -> set[str]:
        return ({self.document} if self.document else set()) | {d for d, _ in self.also}


# -- reading ----------------------------------------------------------------------------------


def _pages(value: Any, where: str, *, allow_empty: bool) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 1 for p in value)
        or (not value and not allow_empty)
    ):
        raise QuestionFileError(f"{where}: 'pages' must be a list of 1-based page numbers.")
    return tuple(value)


def parse_question(obj: Any, where: str, documents: set[str] | None = None) -> Question:
    """One question from its JSON object; `documents` are the file names allowed."""
    if not isinstance(obj, dict):
        raise QuestionFileError(f"{where}: expected a JSON object.")
    missing = [key for key in REQUIRED_KEYS if key not in obj]
    if missing:
        raise QuestionFileError(f"{where}: missing key(s) {', '.join(map(repr, missing))}.")
    if not isinstance(obj["unanswerable"], bool):
        raise QuestionFileError(f"{where}: 'unanswerable' must be true or false.")
    unanswerable = obj["unanswerable"]
    for key in ("id", "question"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise QuestionFileError(f"{where}: {key!r} must be a non-empty string.")
    if obj["language"] not in LANGUAGES:
        raise QuestionFileError(f"{where}: 'language' must be one of {', '.join(LANGUAGES)}.")
    if not isinstance(obj["answer"], str):
        raise QuestionFileError(f"{where}: 'answer' must be a string.")
    keywords = obj["keywords"]
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise QuestionFileError(f"{where}: 'keywords' must be a list of strings.")

    def check_document(name: Any) -> str:
        if not isinstance(name, str) or not name:
            raise QuestionFileError(f"{where}: 'document' must be a file name.")
        if documents is not None and name not in documents:
            raise QuestionFileError(f"{where}: unknown document {name!r} (not in the folder).")
        return name

    document = None if obj["document"] is None and unanswerable else check_document(obj["document"])
    pages = _pages(obj["pages"], where, allow_empty=unanswerable)
    also_raw = obj.get("also", [])
    if not isinstance(also_raw, list) or not all(isinstance(a, dict) for a in also_raw):
        raise QuestionFileError(f"{where}: 'also' must be a list of {{document, pages}}.")
    also = tuple(
        (check_document(a.get("document")), _pages(a.get("pages"), where, allow_empty=False))
        for a in also_raw
    )
    return Question(
        id=obj["id"],
        document=document,
        language=obj["language"],
        question=obj["question"].strip(),
        pages=pages,
        answer=obj["answer"],
        keywords=tuple(keywords),
        unanswerable=unanswerable,
        also=also,
        cross_language=bool(obj.get("cross_language", False)),
        split=str(obj.get("split") or ""),
    )


def read_questions(path: Path, docs_dir: Path | None = None) -> list[Question]:
    """Read and validate a questions file; documents must be supported files of `docs_dir`."""
    documents = None
    if docs_dir is not None:
        documents = {p.name for p in supported_files(docs_dir)}
    questions: list[Question] = []
    seen: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise QuestionFileError(f"{path.name}: not UTF-8 text ({exc}).") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name}, line {number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{where}: not valid JSON ({exc.msg}).") from exc
        question = parse_question(obj, where, documents)
        if question.id in seen:
            raise QuestionFileError(f"{where}: duplicate id {question.id!r}.")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path.name}: no questions.")
    return questions


def supported_files(folder: Path) -> list[Path]:
    """The files of `folder` (not recursive) ingestion accepts, by name."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS
    )
