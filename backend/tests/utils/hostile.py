"""Build hostile documents for tests and benchmarks: zip and Flate bombs, PDFs whose object trees
nest or loop without end, DOCX with thousands of entries or XML entities.

Bombs are written without ever holding (or compressing) what they inflate to: deflate output
after a full flush does not depend on what came before, so one compressed megabyte repeated
N times inflates to N megabytes. A 1 GiB bomb takes well under a second to write.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

from utils.documents import make_docx

MB = 1024 * 1024
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# --- deflate without the data -----------------------------------------------------------------


def deflate_repeated(prefix: bytes, chunk: bytes, times: int, suffix: bytes) -> bytes:
    """Raw deflate of prefix + chunk * times + suffix, compressing `chunk` once."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(suffix) + compressor.flush()
    return head + block * times + tail


def _checksums(prefix: bytes, chunk: bytes, times: int, suffix: bytes) -> tuple[int, int]:
    """(CRC-32, Adler-32) of prefix + chunk * times + suffix."""
    crc, adler = zlib.crc32(prefix), zlib.adler32(prefix)
    for _ in range(times):
        crc, adler = zlib.crc32(chunk, crc), zlib.adler32(chunk, adler)
    return zlib.crc32(suffix, crc), zlib.adler32(suffix, adler)


def zlib_repeated(prefix: bytes, chunk: bytes, times: int, suffix: bytes) -> bytes:
    """The same as a zlib stream (PDF's FlateDecode)."""
    _, adler = _checksums(prefix, chunk, times, suffix)
    return b"\x78\xda" + deflate_repeated(prefix, chunk, times, suffix) + adler.to_bytes(4, "big")


# --- zip by hand (an entry may be given already deflated) ------------------------------------


_LOCAL = struct.Struct("<4s5H3L2H")  # local file header
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # central directory entry
_END = struct.Struct("<4s4H2LH")  # end of central directory
_END64 = struct.Struct("<4sQ2H2L4Q")  # zip64 end of central directory
_LOCATOR64 = struct.Struct("<4sLQL")  # where the zip64 end record is


def write_zip(path: Path, entries: list[tuple[str, bytes | tuple[bytes, int, int]]]) -> Path:
    """Write a zip of (name, data) or (name, (raw deflate, inflated size, CRC-32)) entries."""
    directory = bytearray()
    with path.open("wb") as out:
        for name, content in entries:
            if isinstance(content, bytes):
                compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
                packed = compressor.compress(content) + compressor.flush()
                size, crc = len(content), zlib.crc32(content)
            else:
                packed, size, crc = content
            encoded = name.encode()
            offset = out.tell()
            sizes = (crc, len(packed), size, len(encoded))
            # version 20, no flags, deflate (8), no time or date, no extra field
            out.write(_LOCAL.pack(b"PK\x03\x04", 20, 0, 8, 0, 0, *sizes, 0) + encoded + packed)
            directory += _CENTRAL.pack(
                b"PK\x01\x02", 20, 20, 0, 8, 0, 0, *sizes, 0, 0, 0, 0, 0, offset
            )
            directory += encoded
        start = out.tell()
        out.write(directory)
        count = len(entries)
        if count > 0xFFFF:  # zip64 end records hold the count; the classic one says "see zip64"
            end64 = out.tell()
            out.write(
                _END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), start)
            )
            out.write(_LOCATOR64.pack(b"PK\x06\x07", 0, end64, 1))
            count = 0xFFFF
        out.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0))
    return path


def _docx_entries(folder: Path) -> list[tuple[str, bytes]]:
    base = make_docx(folder / "base.docx", ["Texto de base."])
    with zipfile.ZipFile(base) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    base.unlink()
    return entries


def _document_xml(body: str, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    ).encode()


def docx_bomb(path: Path, inflated: int = 1024 * MB) -> Path:
    """A DOCX whose word/document.xml is one paragraph that inflates to `inflated` bytes
    (1 GiB: a 1 MB file, about 1,000 times smaller)."""
    prefix = _document_xml("<w:p><w:r><w:t>").split(b"</w:t>")[0]
    suffix = b"</w:t></w:r></w:p></w:body></w:document>"
    chunk = b"A" * MB
    times = -(-(inflated - len(prefix) - len(suffix)) // MB)  # at least `inflated`
    crc, _ = _checksums(prefix, chunk, times, suffix)
    size = len(prefix) + times * MB + len(suffix)
    bomb = (deflate_repeated(prefix, chunk, times, suffix), size, crc)
    entries: list[tuple[str, bytes | tuple[bytes, int, int]]] = [
        (name, bomb if name == "word/document.xml" else data)
        for name, data in _docx_entries(path.parent)
    ]
    return write_zip(path, entries)


def docx_many_entries(path: Path, count: int = 10_000) -> Path:
    """A DOCX that holds `count` more (empty) entries beside its own."""
    entries: list[tuple[str, bytes | tuple[bytes, int, int]]] = list(_docx_entries(path.parent))
    entries += [(f"word/media/vazio{i}.bin", b"") for i in range(count)]
    return write_zip(path, entries)


def docx_with_xml(path: Path, body: str, doctype: str = "") -> Path:
    """A DOCX whose word/document.xml is `body` (w: elements), after a `doctype`."""
    entries: list[tuple[str, bytes | tuple[bytes, int, int]]] = [
        (name, _document_xml(body, doctype) if name == "word/document.xml" else data)
        for name, data in _docx_entries(path.parent)
    ]
    return write_zip(path, entries)


# --- PDF by hand ------------------------------------------------------------------------------


def write_pdf(path: Path, objects: dict[int, bytes]) -> Path:
    """Write a PDF of numbered objects (1 is the catalog) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    start = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (
            b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
        )
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, start)
    path.write_bytes(bytes(out))
    return path


def _stream(data: bytes, flate: bool = False) -> bytes:
    filters = b" /Filter /FlateDecode" if flate else b""
    return b"<< /Length %d%s >>\nstream\n" % (len(data), filters) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_TEXT = b"BT /F1 12 Tf 72 720 Td (Selecao natural e deriva genetica.) Tj ET\n"


def _pages(count: int, contents: bytes, extra: bytes = b"") -> dict[int, bytes]:
    """Catalog 1, page tree 2, font 3, content stream 4 shared by `count` pages from 10."""
    kids = b" ".join(b"%d 0 R" % (10 + i) for i in range(count))
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        3: _FONT,
        4: contents,
    }
    for i in range(count):
        objects[10 + i] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 3 0 R >> %s >> >>" % extra
        )
    return objects


def pdf_flate_bomb(path: Path, inflated: int = 1024 * MB) -> Path:
    """A one-page PDF whose content stream inflates to `inflated` bytes (1 GiB from 1 MB)."""
    chunk = b" " * MB
    stream = zlib_repeated(_TEXT, chunk, inflated // MB, b"")
    return write_pdf(path, _pages(1, _stream(stream, flate=True)))


def pdf_operator_flood(path: Path, operators: int = 1_500_000, pages: int = 1) -> Path:
    """A PDF whose content stream (shared by `pages` pages) draws `operators` tiny moves: a few
    KB that cost pypdf seconds of CPU and hundreds of MB to parse, per page."""
    chunk = b"1 1 m\n" * 1000
    stream = zlib_repeated(_TEXT, chunk, operators // 1000, b"")
    return write_pdf(path, _pages(pages, _stream(stream, flate=True)))


def pdf_huge_string(path: Path, megabytes: int = 60) -> Path:
    """A one-page PDF that shows one string of `megabytes` MB (under pypdf's 75 MB limit)."""
    stream = zlib_repeated(b"BT /F1 12 Tf 72 720 Td (", b"a" * MB, megabytes, b") Tj ET\n")
    return write_pdf(path, _pages(1, _stream(stream, flate=True)))


def pdf_nested_arrays(path: Path, depth: int = 100_000, where: str = "page") -> Path:
    """A PDF holding an array nested `depth` levels deep in its page's dictionary ("page"), its
    content stream ("content") or its catalog ("catalog")."""
    nested = b"[" * depth + b"]" * depth
    if where == "content":
        return write_pdf(path, _pages(1, _stream(_TEXT + nested + b" TJ\n")))
    if where == "catalog":
        objects = _pages(1, _stream(_TEXT))
        objects[1] = b"<< /Type /Catalog /Pages 2 0 R /Deep %s >>" % nested
        return write_pdf(path, objects)
    return write_pdf(path, _pages(1, _stream(_TEXT), extra=b"/Nested %s" % nested))


def pdf_nested_dictionaries(path: Path, depth: int = 100_000) -> Path:
    """A PDF whose catalog holds a dictionary nested `depth` levels deep."""
    objects = _pages(1, _stream(_TEXT))
    nested = b"<< /A " * depth + b">>" * depth
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /Deep %s >>" % nested
    return write_pdf(path, objects)


def pdf_page_tree_cycle(path: Path) -> Path:
    """A PDF whose page tree holds itself among its kids."""
    objects = _pages(1, _stream(_TEXT))
    objects[2] = b"<< /Type /Pages /Kids [10 0 R 2 0 R] /Count 2 >>"
    return write_pdf(path, objects)


def pdf_self_drawing_form(path: Path) -> Path:
    """A PDF whose page draws a form XObject that draws itself."""
    objects = _pages(1, _stream(_TEXT + b"/X1 Do\n"), extra=b"/XObject << /X1 5 0 R >>")
    form = b"/X1 Do\n" + _TEXT
    objects[5] = (
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> /XObject << /X1 5 0 R >> >> /Length %d >>\n"
        b"stream\n%s\nendstream" % (len(form), form)
    )
    return write_pdf(path, objects)
