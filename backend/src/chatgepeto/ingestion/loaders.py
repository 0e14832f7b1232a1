"""Read a stored upload into pages of normalized text, in a capped parser process.

Every document is read by a parser process (chatgepeto.ingestion.reader_process) with limits
on its memory, its CPU time and the text it may return (`ParseLimits`, from settings.py): a
hostile file fails with a stable code (`too_large_when_unpacked`, `parse_limits_exceeded`,
`too_much_text`, `unsafe_xml`) and a sentence a teacher understands, and costs this process
nothing but the text of its pages. A DOCX is checked before anything in it is inflated: the
sizes its zip declares (zipfile never inflates past them), its number of entries, and how much
each entry swells. Its XML is parsed by python-docx's parser, which resolves no entity, reads
no DTD and touches no network; a document that declares an external entity (XXE) is refused.

PDF text comes from PDFium (pypdfium2), page by page, where its text is as good as pypdf's: it
reads a page in about a fiftieth of pypdf's time (the four course PDFs, 374 pages: 2.7 s of CPU
with the pages left to pypdf below, against 10 s for pypdf alone; pypdf, pure Python, was most
of what ingestion spent besides the encoders), its line breaks carry paragraphs (see
`_paragraph_gaps`), and it rebuilds words and lines from the glyphs' positions, so Think
Python's TJ-kerned word gaps and the Google Docs export's one-word text objects come out right
without the fixes below. pypdf
still opens and checks every PDF (encryption, damage, page tree, its limits), decodes each
page's content streams within its limits before PDFium reads the page (a stream that inflates
past them fails the document as before), and reads the pages PDFium would get wrong:

- a page drawn with a font that has neither a ToUnicode map nor an /Encoding (TeX's Type 1
  fonts in the pdfTeX handout and some of Think Python's pages: PDFium gives the glyph codes,
  "Pm" for "∑m", where pypdf knows the glyph names);
- a page PDFium fails on, or whose text still comes out one word per line, or that pypdf
  found damaged while reading it;
- every page when PDFium cannot open the file, or pypdf found it damaged while opening it.

pypdf's extraction is its plain `extract_text()`, with two fixes. Both were chosen by
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
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree
from pypdf import PageObject, PdfReader
from pypdf.errors import DependencyError, EmptyFileError, LimitReachedError, PyPdfError
from pypdf.generic import ArrayObject

from chatgepeto.ingestion import reader_process
from chatgepeto.ingestion.filetypes import DOCX, MARKDOWN, PDF, TEXT, decode_text, zip_directory
from chatgepeto.ingestion.reader_process import LimitExceeded, ParseLimits
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
OUT_OF_MEMORY = (
    "Reading this file needed more memory than one document may use, so it was stopped. "
    "The file may be damaged or built to overload the server; if it is a real document, "
    "split it into smaller files and upload them again."
)
OUT_OF_TIME = (
    "Reading this file took longer than one document may take, so it was stopped. "
    "The file may be damaged or built to overload the server; if it is a real document, "
    "split it into smaller files and upload them again."
)
TOO_COMPLEX = (
    "The file's internal structure is too large, nested too deeply or loops back on itself, "
    "so it was not read. Export or save it again and upload the new copy."
)
PDF_TOO_LARGE_UNPACKED = (
    "A part of this PDF unpacks to far more data than a document holds, so it was not read. "
    "The file may be damaged or built to overload the server; export it again and upload "
    "the new copy."
)
UNSAFE_XML = (
    "The DOCX file refers to files outside itself (XML external entities), which Word never "
    "writes and which are not allowed. Save it again from Word and upload the new copy."
)
ERROR_CODES = {
    ENCRYPTED: "encrypted_pdf",
    DAMAGED_PDF: "damaged_pdf",
    DAMAGED_DOCX: "damaged_docx",
    SCANNED: "scanned_pdf",
    EMPTY: "empty_document",
    NOT_TEXT: "not_text",
    OUT_OF_MEMORY: "parse_limits_exceeded",
    OUT_OF_TIME: "parse_limits_exceeded",
    TOO_COMPLEX: "parse_limits_exceeded",
    PDF_TOO_LARGE_UNPACKED: "too_large_when_unpacked",
    UNSAFE_XML: "unsafe_xml",
}
_LIMIT_MESSAGES = {"memory": OUT_OF_MEMORY, "cpu": OUT_OF_TIME}

# TJ gaps of at least this many thousandths of an em separate words (see module docstring).
_WORD_GAP = 140
# A gap this wide always makes pypdf emit a space; the rest of the original gap follows it.
_SURE_GAP = 100_000
# Below this many non-space characters per page on average, a PDF has no usable text layer.
_MIN_CHARS_PER_PAGE = 8
# PDFium's lines further apart than this many usual line pitches start a paragraph.
_PARAGRAPH_GAP = 1.8
# A DOCX entry is judged on how much it swells from this inflated size on.
_RATIO_FROM_BYTES = 1024 * 1024


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

    def __reduce__(self) -> tuple[Any, ...]:
        # It travels from the parser process; the code must survive the trip.
        return (DocumentError, (self.message, self.code))


def load_pages(
    path: Path,
    content_type: str,
    on_page: ProgressCallback | None = None,
    *,
    limits: ParseLimits | None = None,
) -> list[Page]:
    """Read the document at `path` into its non-empty pages, reporting (done, total) pages."""
    return list(iter_pages(path, content_type, on_page, limits=limits))


def iter_pages(
    path: Path,
    content_type: str,
    on_page: ProgressCallback | None = None,
    *,
    limits: ParseLimits | None = None,
) -> Iterator[Page]:
    """Yield the non-empty pages of the document at `path` as a parser process reads them,
    reporting (done, total) pages; a document found unusable (damaged, scanned, empty, over a
    limit) raises DocumentError, possibly after some pages: a PDF is judged once all its pages
    are read. A parser process that dies for another reason raises ParserStopped."""
    if content_type not in (PDF, DOCX, MARKDOWN, TEXT):
        raise DocumentError(f"Documents of type {content_type!r} cannot be read.")
    limits = limits or ParseLimits()
    try:
        for kind, value in reader_process.run(
            limits, _read_document, str(path), content_type, limits
        ):
            if kind == "page":
                yield value
            elif on_page is not None:
                on_page(*value)
    except LimitExceeded as exc:
        raise DocumentError(_LIMIT_MESSAGES[exc.kind], "parse_limits_exceeded") from None


# --- in the parser process ----------------------------------------------------------------


def _read_document(path: str, content_type: str, limits: ParseLimits) -> Iterator[tuple]:
    """In the parser process: ("progress", (done, total)) and ("page", Page) in order, the
    text capped at `limits.max_chars`; pypdf's and Python's own limits become DocumentError."""
    progress: list[tuple[int, int]] = []
    chars = 0
    try:
        for page in _document_pages(Path(path), content_type, progress.append, limits):
            yield from (("progress", done) for done in progress)
            progress.clear()
            chars += len(page.text)
            if chars > limits.max_chars:
                raise _too_much_text(limits)
            yield "page", page
        yield from (("progress", done) for done in progress)
    except LimitReachedError as exc:
        raise _pdf_limit_error(exc) from None
    except RecursionError:
        raise DocumentError(TOO_COMPLEX) from None


def _document_pages(
    path: Path, content_type: str, on_page: Callable[[tuple[int, int]], None], limits: ParseLimits
) -> Iterator[Page]:
    def report(done: int, total: int) -> None:
        on_page((done, total))

    if content_type == PDF:
        pages: Iterable[Page] = _iter_pdf(path, report)
    elif content_type == DOCX:
        pages = _load_docx(path, report, limits)
    else:
        pages = _load_text(path, report, limits)
    empty = True
    for page in pages:
        empty = False
        yield page
    if empty:
        raise DocumentError(EMPTY)


def _too_much_text(limits: ParseLimits) -> DocumentError:
    return DocumentError(
        f"The document holds more than {limits.max_chars:,} characters of text, the most one "
        "document may hold. Split it into smaller files and upload them again.",
        "too_much_text",
    )


def _reraise_limits(exc: BaseException) -> None:
    """Raise what a limit error became inside pypdf, which turns MemoryError and
    RecursionError into "Error reading PDF file" (and LimitReachedError into other errors)."""
    seen = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, MemoryError):
            raise MemoryError from exc
        if isinstance(seen, RecursionError | LimitReachedError):
            raise seen from exc
        seen = seen.__cause__ or seen.__context__


class _ReadErrors(logging.Handler):
    """Count the parts of a PDF pypdf could not read and skipped (it logs them as warnings
    when not strict): a PDF without text that had some is damaged, not a scan."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "Error reading" in record.getMessage():
            self.count += 1


def _pdf_limit_error(exc: LimitReachedError) -> DocumentError:
    """pypdf refused to go on: a stream that inflates past its limit, or a structure too
    large, too deep or looping (a page tree cycle, a form that draws itself)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = tb.tb_frame.f_globals.get("__name__", "") if tb is not None else ""
    log.warning("pdf_limit_reached", error=str(exc), where=where)
    if where == "pypdf.filters":  # decompression
        return DocumentError(PDF_TOO_LARGE_UNPACKED)
    return DocumentError(TOO_COMPLEX)


# --- PDF ----------------------------------------------------------------------------------


def _iter_pdf(path: Path, on_page: ProgressCallback) -> Iterator[Page]:
    read_errors = _ReadErrors()
    pypdf_log = logging.getLogger("pypdf")
    pypdf_log.addHandler(read_errors)
    fast = None
    try:
        reader = _open_pdf(path)
        total = len(reader.pages)
        if total == 0:
            raise DocumentError(EMPTY)
        # A PDF pypdf found damaged while opening it is read by pypdf alone, as before.
        fast = _open_pdfium(path, total) if not read_errors.count else None
        failed = characters = 0
        for index in range(total):
            try:
                text, error = normalize_text(_read_page(reader, index, fast, read_errors)), None
            except (LimitReachedError, RecursionError, MemoryError):
                raise  # the document is hostile or too much for the limits: stop here
            except Exception as exc:  # one unreadable page must not sink a book
                _reraise_limits(exc)
                text, error = "", repr(exc)
                failed += 1
                log.warning("pdf_page_unreadable", page=index + 1, error=error)
            on_page(index + 1, total)
            if text:
                characters += len("".join(text.split()))
                yield Page(number=index + 1, text=text)
    finally:
        pypdf_log.removeHandler(read_errors)
        if fast is not None:
            fast.close()

    if failed == total:
        raise DocumentError(DAMAGED_PDF)
    if characters < _MIN_CHARS_PER_PAGE * total:
        raise DocumentError(DAMAGED_PDF if read_errors.count else SCANNED)


def _open_pdf(path: Path) -> PdfReader:
    """Open (and decrypt) a PDF; DocumentError if it is empty, damaged or locked."""
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            _decrypt(reader)
        len(reader.pages)  # reads the page tree: a broken one fails here
    except (DocumentError, LimitReachedError, RecursionError, MemoryError):
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
    ) as exc:
        # pypdf reports a broken file through its own errors and, deeper down, plain ones.
        _reraise_limits(exc)
        raise DocumentError(DAMAGED_PDF) from exc
    return reader


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


def _open_pdfium(path: Path, pages: int) -> Any:
    """The PDF opened by PDFium, or None (then pypdf reads every page): it cannot open it (a
    password other than the empty one, damage pypdf works around), or counts other pages
    than pypdf."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path), password="")
    except Exception as exc:
        log.info("pdfium_cannot_open", error=repr(exc))
        return None
    if len(document) != pages:
        log.info("pdfium_page_count_differs", pdfium=len(document), pypdf=pages)
        document.close()
        return None
    return document


def _read_page(reader: PdfReader, index: int, fast: Any, read_errors: _ReadErrors) -> str:
    """The text of one page: PDFium's where it can be trusted (module docstring), else
    pypdf's. The content streams are decoded by pypdf first, within its limits, either way;
    a page pypdf found damaged on the way is left to pypdf, which judges it as before."""
    errors = read_errors.count
    page = reader.pages[index]
    page.get_contents()  # a stream that inflates past pypdf's limits raises here, as before
    if fast is not None and read_errors.count == errors and not _glyph_codes_only(page):
        text = _pdfium_text(fast, index)
        if text is not None and not _fragmented(text):
            return text
    return _extract_page(page)


def _pdfium_text(document: Any, index: int) -> str | None:
    """PDFium's text of a page (None if it fails on it): line breaks as "\\n", paragraph
    breaks as "\\n\\n", and a word hyphenated at the end of a line (PDFium marks the hyphen
    U+FFFE) as "-\\n", as pypdf gives it, for normalize_text to join."""
    try:
        page = document[index]
        try:
            textpage = page.get_textpage()
            try:
                text = _paragraph_gaps(textpage, textpage.get_text_range())
            finally:
                textpage.close()
        finally:
            page.close()
    except Exception as exc:
        log.info("pdfium_page_failed", page=index + 1, error=repr(exc))
        return None
    return text.replace("\r\n", "\n").replace("\ufffe", "-\n")


def _paragraph_gaps(textpage: Any, text: str) -> str:
    """Mark a paragraph break ("\\n\\n") where the next line starts further below the last
    one than a line does: more than _PARAGRAPH_GAP times the page's usual line pitch (its
    lower fifth, so pages of short paragraphs count too). PDFium drops the space-only lines
    a Word export draws between paragraphs, which pypdf kept as blank lines (the glossary's
    240), and this restores them (237); on the TeX books it also sets headings, code and
    displayed formulas apart. With it the course questions scored nDCG@10 0.714 (hit@5
    0.878) against 0.694 (0.837) without, and 0.698 (0.849) with pypdf's text."""
    # PDFium's text holds one character per index of its text page, "\r\n" at line ends.
    ends = [j for j in range(1, len(text) - 2) if text[j] == "\r" and text[j + 1] == "\n"]
    if not ends or len(text) != textpage.count_chars():
        return text
    # Baseline of the line's last character minus that of the next line's first (y is up).
    gaps = [textpage.get_charbox(j - 1)[1] - textpage.get_charbox(j + 2)[1] for j in ends]
    pitches = sorted(gap for gap in gaps if gap > 1)
    if not pitches:
        return text
    usual = pitches[len(pitches) // 5]
    marked = list(text)
    for j, gap in zip(ends, gaps, strict=True):
        if gap > _PARAGRAPH_GAP * usual:
            marked[j] = "\n"  # "\r\n" becomes "\n\n"
    return "".join(marked)


def _glyph_codes_only(page: PageObject) -> bool:
    """Whether the page draws text with a font that has neither a ToUnicode map nor an
    /Encoding: PDFium then returns glyph codes for the glyphs it cannot name (TeX's math
    fonts), pypdf the characters."""
    try:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        if fonts is None:
            return False
        for font in fonts.get_object().values():
            font = font.get_object()
            if "/ToUnicode" not in font and "/Encoding" not in font:
                return True
    except Exception:  # a font dictionary pypdf cannot follow: let pypdf read the page
        return True
    return False


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


def _load_docx(path: Path, on_page: ProgressCallback, limits: ParseLimits) -> list[Page]:
    try:
        _check_zip(path, limits)
        document = docx.Document(str(path))
        _refuse_external_entities(document)
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
        on_page(done, len(numbers))
    return pages


def _check_zip(path: Path, limits: ParseLimits) -> None:
    """Refuse a DOCX whose zip holds too many entries, or would inflate too far, before any of
    it is inflated. The sizes are the central directory's: zipfile stops an entry at its
    declared size (and then fails its CRC), so they bound what python-docx can inflate."""
    directory = zip_directory(path)
    if directory is not None:
        declared, size, _ = directory
        if declared > limits.max_entries:
            raise _too_many_entries(f"{declared:,}", limits)
        # An entry takes 46 bytes of directory at least: this bounds the entries before
        # zipfile lists them (it reads the declared directory size, whatever the count says).
        if size // 46 > limits.max_entries:
            raise _too_many_entries(f"more than {size // 46:,}", limits)
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise _too_many_entries(f"{len(entries):,}", limits)
    total = sum(entry.file_size for entry in entries)
    if total > limits.max_unpacked_bytes:
        raise DocumentError(
            f"The DOCX file unpacks to {_megabytes(total)} MB, more than the "
            f"{_megabytes(limits.max_unpacked_bytes)} MB one document may hold, so it was not "
            "read. Split it into smaller documents (or shrink its images) and upload them "
            "again.",
            "too_large_when_unpacked",
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size >= _RATIO_FROM_BYTES and ratio > limits.max_ratio:
            raise DocumentError(
                f"A part of the DOCX file ({entry.filename}) unpacks to {ratio:,.0f} times its "
                "packed size, which real documents never do (a zip bomb), so it was not read.",
                "too_large_when_unpacked",
            )


def _too_many_entries(count: str, limits: ParseLimits) -> DocumentError:
    return DocumentError(
        f"The DOCX file holds {count} files inside it, more than the {limits.max_entries:,} "
        "one document may hold, so it was not read. Save it again from Word and upload the "
        "new copy.",
        "too_large_when_unpacked",
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f}"


def _refuse_external_entities(document: Any) -> None:
    """Refuse XML parts that declare external entities (XXE). python-docx's parser resolves
    no entity at all, so they could do no harm; but Word never writes a DTD, and a file that
    carries one pointing at files or URLs was made to probe the server."""
    for part in document.part.package.iter_parts():
        element = getattr(part, "_element", None)
        if element is None:
            continue
        dtd = element.getroottree().docinfo.internalDTD
        if dtd is None:
            continue
        if any(entity.system_url for entity in dtd.iterentities()):
            log.warning("docx_external_entity", part=str(part.partname))
            raise DocumentError(UNSAFE_XML)


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
            yield "text", _run_text(node)
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


def _run_text(node: Any) -> str:
    """The text of a <w:t>. An entity reference is never resolved: it stays in the tree as a
    child node, and the text after it is that node's tail (`.text` stops at the entity)."""
    return (node.text or "") + "".join(child.tail or "" for child in node)


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


def _load_text(path: Path, on_page: ProgressCallback, limits: ParseLimits) -> list[Page]:
    data = path.read_bytes()
    # UTF-16 takes 2 bytes a character at least, UTF-8 and Windows-1252 at most 4 and 1.
    if len(data) > 4 * limits.max_chars:
        raise _too_much_text(limits)
    text = decode_text(data)
    del data
    if text is None:
        raise DocumentError(NOT_TEXT)
    if len(text) > limits.max_chars:
        raise _too_much_text(limits)
    # Hand-written lines may hold code or lists: keep them (see normalize_text).
    text = normalize_text(text, reflow=False)
    on_page(1, 1)
    return [Page(number=None, text=text)] if text else []
