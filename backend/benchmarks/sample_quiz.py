"""Print the extractive quiz (or cards, or study guide) built from one real document.

Reads the file with the project's own loader and chunker, as ingestion does, so what it shows
is what the study service would build; meant for judging the questions by eye against the
cited pages.

    .venv/bin/python benchmarks/sample_quiz.py ../../shared/eval/docs/apostila_ml_unesp_pt.pdf
    .venv/bin/python benchmarks/sample_quiz.py FILE --cards | --guide [--count 20] [--seed s]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

from chatgepeto.ingestion.chunking import Chunker
from chatgepeto.ingestion.filetypes import DOCX, MARKDOWN, PDF, TEXT
from chatgepeto.ingestion.loaders import iter_pages
from chatgepeto.ingestion.text import detect_language
from chatgepeto.study.drafts import Passage
from chatgepeto.study.extractive import build_cards, build_guide, build_quiz

_TYPES = {".pdf": PDF, ".docx": DOCX, ".md": MARKDOWN, ".txt": TEXT}


def load_passages(path: Path) -> list[Passage]:
    """The document's chunks as Passages, the way ingestion would store them."""
    content_type = _TYPES.get(path.suffix.lower())
    if content_type is None:
        raise SystemExit(f"Unsupported file type: {path.suffix} (use {', '.join(_TYPES)}).")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    chunker = Chunker(
        document_id=sha[:12], collection_id="sample", filename=path.name, content_sha256=sha
    )
    passages = []
    for page in iter_pages(path, content_type):
        for r in chunker.add(page):
            passages.append(
                Passage(
                    chunk_id=r.id,
                    document_id=r.document_id,
                    filename=r.filename,
                    page=r.page,
                    text=r.text,
                    language=detect_language(r.text),
                    chunk_index=r.chunk_index,
                )
            )
    return passages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--cards", action="store_true", help="flashcards instead of a quiz")
    kind.add_argument("--guide", action="store_true", help="a study guide instead of a quiz")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", default="")
    args = parser.parse_args()
    if not args.file.is_file():
        raise SystemExit(f"No such file: {args.file}")

    passages = load_passages(args.file)
    print(f"{args.file.name}: {len(passages)} chunks on {len({p.page for p in passages})} pages")
    started = time.perf_counter()
    if args.cards:
        cards = build_cards(passages, args.count)
        took = time.perf_counter() - started
        for n, c in enumerate(cards, 1):
            print(f"\n{n:2}. [p{c.passage.page}] {c.term}\n    → {c.definition}")
        print(f"\n{len(cards)} cards in {took:.2f} s")
    elif args.guide:
        topics = build_guide(passages, max_topics=args.count)
        took = time.perf_counter() - started
        for n, t in enumerate(topics, 1):
            pages = sorted({p.page for p, _ in t.sources if p.page is not None})
            print(f"\n{n:2}. {t.title}  (p{', '.join(map(str, pages))})\n    {t.summary}")
        print(f"\n{len(topics)} topics in {took:.2f} s")
    else:
        quiz = build_quiz(passages, args.count, seed=args.seed)
        took = time.perf_counter() - started
        for n, q in enumerate(quiz, 1):
            print(f"\n{n:2}. [p{q.passage.page}] {q.question}")
            for choice in q.choices:
                print(f"      {'*' if choice == q.answer else ' '} {choice}")
            print(f"    quote: {' '.join(q.quote.split())}")
        print(f"\n{len(quiz)} questions in {took:.2f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
