"""Read a stored upload into pages of normalized text.

PDF extraction is pypdf's plain `extract_text()`, with two fixes. Both were chosen by
comparing pypdf 7's modes on the five evaluation PDFs (`shared/eval/docs`):

- Lost spaces. Think Python 2e (XeTeX) writes word gaps as TJ kerning of 0.15–0.20 em, and
  pypdf only reads a gap as a space from half the font's space glyph (0.21 em for its
  headings, 0.18 em for body text), so headings and tight lines come out as
  "Thewayoftheprogram". Layout mode measures gaps in whole space widths and loses them too
  (and joins "thatprint", "is3.4.0"). The TJ arrays hold two clear groups on all five PDFs:
  kerns inside words up to 0.125 em and word gaps from 0.15 em. A visitor marks every gap of
  at least 0.14 em so that pypdf emits its own space there, without changing the widths
  pypdf tracks, and puts the array back afterwards. On Think Python this restores
  "The way of the program" and whole body lines; the pdfTeX handout only gains thin spaces
  in formulas ("J(w0, w1)"); the xdvipdfmx handout and the Word glossary are unchanged.
- Fragmented pages. The Google Docs export draws every word as its own text object, and
  plain mode returns one word per line between blank-ish lines, so paragraphs cannot be
  told apart. When most lines of a page hold a single word, the page is read again in
  layout mode, which rebuilds the lines and paragraphs of that file exactly.

Accents split by pdfTeX ("S˜ao") are repaired in `chatgepeto.ingestion.text`.
"""

from __future__ import annotations

import logging
import os
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree
from pypdf import PageObject, PdfReader
from pypdf.errors import DependencyError, EmptyFileError, PyPdfError
from pypdf.generic import ArrayObject

from chatgepeto.ingestion.filetypes import DOCX, MARKDOWN, PDF, TEXT, decode_text
from chatgepeto.ingestion.reader_process import discard, reader_process
from chatgepeto.ingestion.text import normalize_text
from chatgepeto.observability.logging import get_logger

log = get_logger(__name__)

ProgressCallback = Callable[[int, int], None]

ENCRYPTED = "The PDF is encrypted (password-protected); remove the password and upload it again."
DAMAGED_PDF = "The PDF is damaged and could not be read."
DAMAGED_DOCX = "The DOCX file is damaged and could not be read."
SCANNED = (
    "No text could be extracted: the PDF looks like a scan (images only). "
    "Run OCR on it and upload it again."
)
EMPTY = "The document is empty."
NOT_TEXT = "The file could not be read as text."
ERROR_CODES = {
    ENCRYPTED: "encrypted_pdf",
    DAMAGED_PDF: "damaged_pdf",
    DAMAGED_DOCX: "damaged_docx",
    SCANNED: "scanned_pdf",
    EMPTY: "empty_document",
    NOT_TEXT: "not_text",
}

# TJ gaps of at least this many thousandths of an em separate words (see module docstring).
_WORD_GAP = 140
# A gap this wide always makes pypdf emit a space; the rest of the original gap follows it.
_SURE_GAP = 100_000
# Pages the reader process reads per task: the first chunks can embed after this many pages.
_PAGES_PER_TASK = 4
# Below this many non-space characters per page on average, a PDF has no usable text layer.
_MIN_CHARS_PER_PAGE = 8


class _FontToolsNotice(logging.Filter):
    """Drop pypdf's advice to install fontTools, logged for every page of TeX books."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fontTools is required" not in record.getMessage()


logging.getLogger("pypdf._cmap").addFilter(_FontToolsNotice())


@dataclass(frozen=True)
class Page:
    """Normalized text of one page; `number` is 1-based, None for formats without pages."""

    number: int | None
    text: str


class DocumentError(Exception):
    """A document that cannot be ingested; the message tells the user why, in English.

    `code` is stable and machine-readable, so a client can say it in the user's language.
    """

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or ERROR_CODES.get(message, "unreadable")


def load_pages(
    path: Path, content_type: str, on_page: ProgressCallback | None = None
) -> list[Page]:
    """Read the document at `path` into its non-empty pages, reporting (done, total) pages."""
    return list(iter_pages(path, content_type, on_page))


def iter_pages(
    path: Path, content_type: str, on_page: ProgressCallback | None = None
) -> Iterator[Page]:
    """Yield the non-empty pages of the document at `path` as they are read, reporting
    (done, total) pages; a document found unusable (damaged, scanned, empty) raises
    DocumentError, possibly after some pages: a PDF is judged once all its pages are read."""
    if content_type == PDF:
        pages: Iterable[Page] = _iter_pdf(path, on_page)
    elif content_type == DOCX:
        pages = _load_docx(path, on_page)
    elif content_type in (MARKDOWN, TEXT):
        pages = _load_text(path, on_page)
    else:
        raise DocumentError(f"Documents of type {content_type!r} cannot be read.")
    empty = True
    for page in pages:
        empty = False
        yield page
    if empty:
        raise DocumentError(EMPTY)


# --- PDF ----------------------------------------------------------------------------------


def _iter_pdf(path: Path, on_page: ProgressCallback | None) -> Iterator[Page]:
    total = len(_open_pdf(path).pages)
    if total == 0:
        raise DocumentError(EMPTY)
    failed = characters = 0
    for index, (text, error) in enumerate(_page_texts(path, total)):
        if error is not None:  # one unreadable page must not sink a book
            failed += 1
            log.warning("pdf_page_unreadable", path=str(path), page=index + 1, error=error)
        if on_page is not None:
            on_page(index + 1, total)
        if text:
            characters += len("".join(text.split()))
            yield Page(number=index + 1, text=text)

    if failed == total:
        raise DocumentError(DAMAGED_PDF)
    if characters < _MIN_CHARS_PER_PAGE * total:
        raise DocumentError(SCANNED)


def _open_pdf(path: Path) -> PdfReader:
    """Open (and decrypt) a PDF; DocumentError if it is empty, damaged or locked."""
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            _decrypt(reader)
        len(reader.pages)  # reads the page tree: a broken one fails here
    except DocumentError:
        raise
    except EmptyFileError as exc:
        raise DocumentError(EMPTY) from exc
    except (
        PyPdfError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
        RecursionError,
    ) as exc:
        # pypdf reports a broken file through its own errors and, deeper down, plain ones.
        raise DocumentError(DAMAGED_PDF) from exc
    return reader


def _page_texts(path: Path, total: int) -> Iterator[tuple[str, str | None]]:
    """(normalized text, error or None) of every page in order, read by the reader process
    (chatgepeto.ingestion.reader_process) a few pages per task, all tasks sent at once."""
    tasks = [
        (start, min(start + _PAGES_PER_TASK, total)) for start in range(0, total, _PAGES_PER_TASK)
    ]
    for attempt in (1, 2):
        executor = reader_process()
        try:
            futures = [executor.submit(_read_pages, str(path), *task) for task in tasks]
            break
        except BrokenProcessPool:
            # It died while idle (killed, out of memory): start a new one, once.
            discard(executor)
            if attempt == 2:
                raise
    try:
        for future in futures:
            yield from future.result()
    except BrokenProcessPool:
        # It died while reading this file: fail the document; the next one gets a new reader.
        discard(executor)
        raise RuntimeError("The PDF reader process stopped while reading this file.") from None
    finally:
        for future in futures:
            future.cancel()


# The last document the reader process opened (path, size, mtime) -> reader: its tasks share it.
_open_reader: dict[tuple[str, int, int], PdfReader] = {}


def _read_pages(path: str, start: int, stop: int) -> list[tuple[str, str | None]]:
    """In the reader process: (normalized text, error or None) of pages start..stop-1."""
    stat = os.stat(path)
    key = (path, stat.st_size, stat.st_mtime_ns)
    reader = _open_reader.get(key)
    if reader is None:
        _open_reader.clear()
        reader = _open_reader[key] = _open_pdf(Path(path))
    texts: list[tuple[str, str | None]] = []
    for index in range(start, stop):
        try:
            texts.append((normalize_text(_extract_page(reader.pages[index])), None))
        except Exception as exc:
            texts.append(("", repr(exc)))
    return texts


def _decrypt(reader: PdfReader) -> None:
    # Many PDFs are encrypted only to restrict printing or copying: the empty password opens them.
    try:
        opened = reader.decrypt("")
    except DependencyError as exc:
        # AES needs the `cryptography` package; without it every AES PDF looks locked.
        log.error("pdf_decryption_unavailable", error=str(exc))
        raise DocumentError(ENCRYPTED) from exc
    except (NotImplementedError, PyPdfError) as exc:
        raise DocumentError(ENCRYPTED) from exc
    if not opened:
        raise DocumentError(ENCRYPTED)


def _extract_page(page: PageObject) -> str:
    before, after = _word_gap_visitors()
    text = page.extract_text(visitor_operand_before=before, visitor_operand_after=after)
    if _fragmented(text):
        try:
            text = page.extract_text(extraction_mode="layout")
        except Exception as exc:  # layout mode is a bonus: keep the plain text
            log.warning("pdf_layout_mode_failed", error=repr(exc))
    return text


def _word_gap_visitors() -> tuple[Callable[..., None], Callable[..., None]]:
    """Return visitors that make pypdf emit a space for every TJ gap of a word's width."""
    edited: list[tuple[ArrayObject, list[Any]]] = []

    def before(operator: bytes, operands: list[Any], *_: Any) -> None:
        if operator != b"TJ" or not operands or not isinstance(operands[0], ArrayObject):
            return
        items = operands[0]
        if not any(_is_word_gap(item) for item in items):
            return
        edited.append((items, list(items)))
        widened: list[Any] = []
        for item in items:
            if _is_word_gap(item):
                # pypdf adds a space for the first offset and counts both offsets in the
                # pen position, so the text width it tracks stays what the PDF says.
                widened.extend((-_SURE_GAP, item + _SURE_GAP))
            else:
                widened.append(item)
        items[:] = widened

    def after(*_: Any) -> None:
        while edited:
            items, original = edited.pop()
            items[:] = original

    return before, after


def _is_word_gap(item: Any) -> bool:
    return (
        isinstance(item, int | float)
        and not isinstance(item, bool)
        and -_SURE_GAP < item <= -_WORD_GAP
    )


def _fragmented(text: str) -> bool:
    """Tell whether plain extraction split a page into one word per line."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 6:
        return False
    words = sum(len(line.split()) for line in lines)
    return words < 1.5 * len(lines)


# --- DOCX ---------------------------------------------------------------------------------

_W_P = qn("w:p")
_W_TBL = qn("w:tbl")
_W_T = qn("w:t")
_W_TAB = qn("w:tab")
_W_BR = qn("w:br")
_W_CR = qn("w:cr")
_W_HYPHEN = qn("w:noBreakHyphen")
_W_RENDERED = qn("w:lastRenderedPageBreak")
_W_TYPE = qn("w:type")
_W_VAL = qn("w:val")
_W_PAGE_BREAK_BEFORE = qn("w:pageBreakBefore")
_W_SDT = qn("w:sdt")
_W_SDT_CONTENT = qn("w:sdtContent")
_W_TR = qn("w:tr")
_W_TC = qn("w:tc")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


class _DocxPages:
    """Collect blocks of text per page while walking the body in order."""

    def __init__(self) -> None:
        self.number = 1
        self.blocks: dict[int, list[str]] = {}
        # Word writes a rendered break where it last laid out each hard break; count it once.
        self.after_hard_break = False

    def hard_break(self) -> None:
        self.number += 1
        self.after_hard_break = True

    def break_before(self) -> None:
        # "Page break before" on the first paragraph does not make an empty first page.
        if self.blocks:
            self.hard_break()

    def rendered_break(self) -> None:
        if not self.after_hard_break:
            self.number += 1
        self.after_hard_break = False

    def add(self, text: str) -> None:
        if text.strip():
            self.blocks.setdefault(self.number, []).append(text)
            self.after_hard_break = False


def _load_docx(path: Path, on_page: ProgressCallback | None) -> list[Page]:
    try:
        document = docx.Document(str(path))
        collected = _DocxPages()
        for block in _body_blocks(document.element.body):
            if block.tag == _W_P:
                _walk_paragraph(block, collected)
            else:
                _walk_table(block, collected)
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        zlib.error,
        etree.LxmlError,
        KeyError,
        ValueError,
        OSError,
    ) as exc:
        raise DocumentError(DAMAGED_DOCX) from exc

    numbers = sorted(collected.blocks)
    pages = []
    for done, number in enumerate(numbers, start=1):
        text = normalize_text("\n\n".join(collected.blocks[number]))
        if text:
            pages.append(Page(number=number, text=text))
        if on_page is not None:
            on_page(done, len(numbers))
    return pages


def _body_blocks(parent: Any) -> Iterator[Any]:
    """Yield the paragraphs and tables of the body in order, looking inside content controls."""
    for child in parent.iterchildren(_W_P, _W_TBL, _W_SDT):
        if child.tag == _W_SDT:
            for content in child.iterchildren(_W_SDT_CONTENT):
                yield from _body_blocks(content)
        else:
            yield child


def _walk_paragraph(paragraph: Any, collected: _DocxPages) -> None:
    properties = paragraph.find(qn("w:pPr"))
    if properties is not None:
        flag = properties.find(_W_PAGE_BREAK_BEFORE)
        if flag is not None and flag.get(_W_VAL) not in ("0", "false", "off"):
            collected.break_before()
    parts: list[str] = []
    for event, value in _paragraph_events(paragraph):
        if event == "text":
            parts.append(value)
            continue
        collected.add("".join(parts))
        parts = []
        if event == "hard":
            collected.hard_break()
        else:
            collected.rendered_break()
    collected.add("".join(parts))


def _paragraph_events(paragraph: Any) -> Iterator[tuple[str, str]]:
    """Yield ("text", s), ("hard", "") and ("rendered", "") in document order."""
    # Text boxes come twice, as the drawing and as a fallback for old readers: read one.
    has_fallback = next(paragraph.iter(_MC_FALLBACK), None) is not None
    for node in paragraph.iter(_W_T, _W_TAB, _W_BR, _W_CR, _W_HYPHEN, _W_RENDERED):
        if has_fallback and next(node.iterancestors(_MC_FALLBACK), None) is not None:
            continue
        tag = node.tag
        if tag == _W_T:
            yield "text", node.text or ""
        elif tag == _W_TAB:
            yield "text", "\t"
        elif tag == _W_HYPHEN:
            yield "text", "-"
        elif tag == _W_RENDERED:
            yield "rendered", ""
        elif tag == _W_BR and node.get(_W_TYPE) == "page":
            yield "hard", ""
        else:
            yield "text", "\n"


def _walk_table(table: Any, collected: _DocxPages) -> None:
    for row in table.iterchildren(_W_TR):
        breaks: list[str] = []
        cells = [_cell_text(cell, breaks) for cell in row.iterchildren(_W_TC)]
        # A row broken across pages is counted on the page where it ends.
        for event in breaks:
            if event == "hard":
                collected.hard_break()
            else:
                collected.rendered_break()
        collected.add(" | ".join(cell for cell in cells if cell))


def _cell_text(cell: Any, breaks: list[str]) -> str:
    """Return a cell's text on one line (nested tables included), collecting its breaks."""
    texts: list[str] = []
    for block in _body_blocks(cell):
        if block.tag == _W_P:
            for event, value in _paragraph_events(block):
                if event == "text":
                    texts.append(value)
                else:
                    breaks.append(event)
        else:
            for row in block.iterchildren(_W_TR):
                texts.extend(_cell_text(inner, breaks) + " " for inner in row.iterchildren(_W_TC))
        texts.append(" ")
    return " ".join("".join(texts).split())


# --- Markdown and text --------------------------------------------------------------------


def _load_text(path: Path, on_page: ProgressCallback | None) -> list[Page]:
    text = decode_text(path.read_bytes())
    if text is None:
        raise DocumentError(NOT_TEXT)
    # Hand-written lines may hold code or lists: keep them (see normalize_text).
    text = normalize_text(text, reflow=False)
    if on_page is not None:
        on_page(1, 1)
    return [Page(number=None, text=text)] if text else []
