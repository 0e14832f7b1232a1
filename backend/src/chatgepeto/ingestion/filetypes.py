"""Decide an upload's document type from its name and its bytes, and clean its display name.

The extension chooses the type and the content must agree with it: a PDF starts with
"%PDF-", a DOCX is a zip holding word/document.xml, Markdown and text decode as text.
A name without an extension is sniffed: PDF or DOCX by content, else text if it decodes;
anything else is rejected.
"""

from __future__ import annotations

import codecs
import re
import struct
import unicodedata
import zipfile
from pathlib import Path

import filetype

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MARKDOWN = "text/markdown"
TEXT = "text/plain"

SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".md": MARKDOWN,
    ".markdown": MARKDOWN,
    ".txt": TEXT,
    ".text": TEXT,
}

# How a type is named in messages: as the upload claims it, and as content.
_KIND_NAMES = {
    PDF: ("a PDF", "a PDF file"),
    DOCX: ("a DOCX document", "a DOCX file"),
    MARKDOWN: ("a Markdown file", "text"),
    TEXT: ("a text file", "text"),
}

_PDF_MAGIC = b"%PDF-"
# The PDF spec lets readers accept up to 1024 bytes of junk before the header.
_PDF_HEADER_WINDOW = 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Enough to judge a text file without reading a whole large upload.
_SNIFF_BYTES = 1 << 20
# Control characters that do not occur in text (tab, line breaks and DOS's ^Z do).
_BINARY_CHARS = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f]")
_MAX_BINARY_SHARE = 0.02

# A zip's end-of-central-directory record, the zip64 locator and the zip64 record.
_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
# A central directory larger than this (about 10,000 entries) is not read entry by entry in the
# API process: zipfile takes seconds and hundreds of MB for a 35 MB zip of 400,000 empty files.
_MAX_SNIFF_DIRECTORY = 1 << 20

_MAX_NAME_CHARS = 200
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,16}$")
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


class UnsupportedFileType(ValueError):
    """An upload that is not a supported document, or whose content contradicts its name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def safe_filename(name: str | None) -> str:
    """Return a display name: no folders, control characters or leading dots; NFC; ≤ 200 chars."""
    if not name:
        return "document"
    text = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        " " if c in "\t\n\r" else c
        for c in text
        if c in "\t\n\r" or unicodedata.category(c) not in _DROPPED_CATEGORIES
    )
    # A double quote would end the quoted filename of a Content-Disposition header.
    text = unicodedata.normalize("NFC", text).replace('"', "'")
    text = " ".join(text.split()).lstrip(". ").rstrip(". ")
    if len(text) > _MAX_NAME_CHARS:
        match = _EXTENSION.search(text)
        extension = match.group(0) if match else ""
        text = text[: _MAX_NAME_CHARS - len(extension)].rstrip(". ") + extension
    return text or "document"


def extension_of(name: str) -> str:
    """Return the lower-case extension of `name` with its dot, or "" if it has none."""
    match = _EXTENSION.search(name)
    return match.group(0).lower() if match else ""


def decode_text(data: bytes, *, complete: bool = True) -> str | None:
    """Decode text bytes (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252).

    Returns None for content that is not text. With `complete=False`, `data` is a prefix of
    the file and a character cut at its end is not an error.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = codecs.getincrementaldecoder("utf-16")().decode(data, final=complete)
        except UnicodeDecodeError:
            return None
    elif b"\x00" in data:
        return None
    else:
        try:
            text = codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=complete)
        except UnicodeDecodeError:
            # Brazilian teachers' .txt files are often Windows-1252; latin-1 takes the five
            # bytes cp1252 leaves undefined, and they then count as binary below.
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    if text and len(_BINARY_CHARS.findall(text)) > _MAX_BINARY_SHARE * len(text):
        return None
    return text


def _is_pdf(head: bytes) -> bool:
    return _PDF_MAGIC in head[: _PDF_HEADER_WINDOW + len(_PDF_MAGIC)]


def zip_directory(path: Path) -> tuple[int, int, int] | None:
    """(entries, size, offset) of a zip's central directory as its end records declare them,
    read the way zipfile reads them (the last end record, zip64's when it has one); None if
    there is no end record. zipfile reads `size` bytes of directory, whatever `entries` says."""
    with path.open("rb") as stream:
        stream.seek(0, 2)
        length = stream.tell()
        window = min(length, _EOCD.size + 0xFFFF)  # the record, then a comment of ≤ 64 KB
        stream.seek(length - window)
        tail = stream.read(window)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _EOCD.size:
            return None
        _, _, _, _, entries, size, offset, _ = _EOCD.unpack_from(tail, at)
        if at >= _EOCD64_LOCATOR.size:
            locator = _EOCD64_LOCATOR.unpack_from(tail, at - _EOCD64_LOCATOR.size)
            if locator[0] == b"PK\x06\x07":
                stream.seek(locator[2])
                record = stream.read(_EOCD64.size)
                if len(record) == _EOCD64.size and record.startswith(b"PK\x06\x06"):
                    fields = _EOCD64.unpack(record)
                    entries, size, offset = fields[7], fields[8], fields[9]
    return entries, size, offset


def _is_docx(path: Path, head: bytes) -> bool:
    if not head.startswith(_ZIP_MAGIC):
        return False
    try:
        directory = zip_directory(path)
        if directory is not None and directory[1] > _MAX_SNIFF_DIRECTORY:
            # Too many entries to list here; the parser process refuses the file with a reason.
            with path.open("rb") as stream:
                stream.seek(min(directory[2], path.stat().st_size))
                return b"word/document.xml" in stream.read(directory[1])
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _is_text(head: bytes, complete: bool) -> bool:
    # Not filetype.guess here: it takes any text starting with "BM" for a bitmap.
    if head.startswith((_PDF_MAGIC, _ZIP_MAGIC, _OLE_MAGIC)):
        return False
    return decode_text(head, complete=complete) is not None


def _describe(path: Path, head: bytes) -> str | None:
    """Name what the bytes look like, for the error message."""
    if _is_pdf(head):
        return "a PDF file"
    if head.startswith(_OLE_MAGIC):
        # Password-protected .docx files are OLE containers too.
        return "an old Word .doc or a password-protected Office file"
    if _is_docx(path, head):
        return "a DOCX file"
    if _is_text(head, complete=False):
        return "text"
    kind = filetype.guess(head)
    return f"a .{kind.extension} file" if kind else None


def _sniff(path: Path, head: bytes, complete: bool) -> str | None:
    if _is_pdf(head):
        return PDF
    if _is_docx(path, head):
        return DOCX
    return TEXT if _is_text(head, complete) else None


def detect_type(filename: str, path: Path) -> str:
    """Return the content type of the upload at `path`, or raise UnsupportedFileType."""
    name = safe_filename(filename)
    with path.open("rb") as stream:
        head = stream.read(_SNIFF_BYTES)
        complete = not stream.read(1)
    extension = extension_of(name)
    if not extension:
        sniffed = _sniff(path, head, complete)
        if sniffed is None:
            raise UnsupportedFileType(
                f"'{name}' has no extension and is not a PDF, DOCX or text file: "
                "upload PDF, DOCX, Markdown or text files."
            )
        return sniffed
    expected = SUPPORTED_EXTENSIONS.get(extension)
    if expected is None:
        raise UnsupportedFileType(
            f"'{name}' is not a supported type: upload PDF, DOCX, Markdown or text files."
        )
    if not head:
        # Nothing contradicts the name; the loader reports the empty document.
        return expected
    if expected == PDF:
        matches = _is_pdf(head)
    elif expected == DOCX:
        matches = _is_docx(path, head)
    else:
        matches = _is_text(head, complete)
    if not matches:
        kind, content = _KIND_NAMES[expected]
        actual = _describe(path, head) or f"not {content}"
        raise UnsupportedFileType(f"'{name}' does not look like {kind} (its content is {actual}).")
    return expected
