"""Split pages into overlapping chunks with stable ids and exact offsets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from chatgepeto.ingestion.loaders import Page

# Paragraph, line, sentence, word, character.
SEPARATORS = ["\n\n", "\n", ". ", " ", ""]


@dataclass(frozen=True)
class ChunkRecord:
    """One chunk of one page; `text == page.text[start_offset:end_offset]`."""

    id: str
    document_id: str
    collection_id: str
    filename: str
    page: int | None
    chunk_index: int
    start_offset: int
    end_offset: int
    text: str


def chunk_id(collection_id: str, content_sha256: str, chunk_index: int) -> str:
    """Return the chunk's id, the same for the same content, so re-ingesting upserts it."""
    key = f"{collection_id}:{content_sha256}:{chunk_index}".encode()
    return hashlib.sha256(key).hexdigest()[:32]


class Chunker:
    """Chunk a document page by page as its pages arrive, numbering chunks from 0 across it."""

    def __init__(
        self,
        *,
        document_id: str,
        collection_id: str,
        filename: str,
        content_sha256: str,
        chunk_size: int = 1000,
        chunk_overlap: int = 150,
    ) -> None:
        if chunk_size <= 0 or not 0 <= chunk_overlap < chunk_size:
            raise ValueError("chunk_size must be positive and chunk_overlap in [0, chunk_size).")
        self.document_id = document_id
        self.collection_id = collection_id
        self.filename = filename
        self.content_sha256 = content_sha256
        self.count = 0
        self._splitter = RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            # "end" keeps the ". " with its sentence instead of starting the next chunk with it.
            keep_separator="end",
            chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            add_start_index=True,
        )

    def add(self, page: Page) -> list[ChunkRecord]:
        """The chunks of one page, each page chunked on its own."""
        records: list[ChunkRecord] = []
        previous_start = -1
        for piece in self._splitter.create_documents([page.text]):
            text = piece.page_content
            start = _locate(page.text, text, piece.metadata.get("start_index", -1), previous_start)
            previous_start = start
            index = self.count
            self.count += 1
            records.append(
                ChunkRecord(
                    id=chunk_id(self.collection_id, self.content_sha256, index),
                    document_id=self.document_id,
                    collection_id=self.collection_id,
                    filename=self.filename,
                    page=page.number,
                    chunk_index=index,
                    start_offset=start,
                    end_offset=start + len(text),
                    text=text,
                )
            )
        return records


def _locate(page_text: str, chunk: str, hint: int, previous_start: int) -> int:
    """Return where `chunk` starts in `page_text`, trusting the splitter's index if it holds."""
    if hint > previous_start and page_text.startswith(chunk, hint):
        return hint
    # Chunks are verbatim slices that move forward; search after the previous one.
    start = page_text.find(chunk, previous_start + 1)
    if start < 0:
        start = page_text.find(chunk)
    if start < 0:
        raise ValueError("The text splitter returned a chunk that is not part of its page.")
    return start
