from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import pytest

from chatgepeto.ingestion.filetypes import (
    DOCX,
    MARKDOWN,
    PDF,
    SUPPORTED_EXTENSIONS,
    TEXT,
    UnsupportedFileType,
    decode_text,
    detect_type,
    safe_filename,
    zip_directory,
)

from utils.documents import make_docx, make_pdf
from utils.hostile import write_zip

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "aula.pdf", ["Seleção natural em São Paulo."])


@pytest.fixture
def docx_file(tmp_path: Path) -> Path:
    return make_docx(tmp_path / "aula.docx", ["Mitose é a divisão celular."])


def test_supported_extensions_map_to_the_four_types():
    assert SUPPORTED_EXTENSIONS == {
        ".pdf": PDF,
        ".docx": DOCX,
        ".md": MARKDOWN,
        ".markdown": MARKDOWN,
        ".txt": TEXT,
        ".text": TEXT,
    }


def test_detects_each_supported_type(tmp_path, pdf, docx_file):
    notes = write(tmp_path / "n", "# Genética\n\nMendel estudou ervilhas.".encode())
    assert detect_type("aula.pdf", pdf) == PDF
    assert detect_type("Aula Final.PDF", pdf) == PDF
    assert detect_type("aula.docx", docx_file) == DOCX
    assert detect_type("notas.md", notes) == MARKDOWN
    assert detect_type("notas.markdown", notes) == MARKDOWN
    assert detect_type("notas.txt", notes) == TEXT
    assert detect_type("notas.text", notes) == TEXT


def test_pdf_may_have_junk_before_its_header(tmp_path, pdf):
    shifted = write(tmp_path / "x", b"\r\n" * 100 + pdf.read_bytes())
    assert detect_type("x.pdf", shifted) == PDF
    too_far = write(tmp_path / "y", b" " * 2000 + pdf.read_bytes())
    with pytest.raises(UnsupportedFileType):
        detect_type("y.pdf", too_far)


def test_unknown_extension_is_rejected_with_a_readable_message(tmp_path):
    photo = write(tmp_path / "f", PNG)
    with pytest.raises(UnsupportedFileType) as caught:
        detect_type("foto.png", photo)
    assert str(caught.value) == (
        "'foto.png' is not a supported type: upload PDF, DOCX, Markdown or text files."
    )
    assert caught.value.message == str(caught.value)
    assert isinstance(caught.value, ValueError)
    for name in ("aula.doc", "slides.pptx", "planilha.xlsx", "livro.epub", "a.exe"):
        with pytest.raises(UnsupportedFileType, match="not a supported type"):
            detect_type(name, photo)


def test_png_bytes_named_pdf_are_rejected(tmp_path):
    fake = write(tmp_path / "f", PNG)
    with pytest.raises(UnsupportedFileType) as caught:
        detect_type("resumo.pdf", fake)
    assert (
        str(caught.value) == "'resumo.pdf' does not look like a PDF (its content is a .png file)."
    )


def test_unrecognized_bytes_named_pdf_are_rejected(tmp_path):
    fake = write(tmp_path / "f", b"\x01\x02\x03 nothing known")
    with pytest.raises(UnsupportedFileType) as caught:
        detect_type("x.pdf", fake)
    assert str(caught.value) == "'x.pdf' does not look like a PDF (its content is not a PDF file)."


def test_text_named_pdf_is_rejected(tmp_path):
    fake = write(tmp_path / "f", "Só texto, não é PDF.".encode())
    with pytest.raises(UnsupportedFileType, match=r"its content is text"):
        detect_type("x.pdf", fake)


def test_pdf_renamed_docx_is_rejected(pdf):
    with pytest.raises(UnsupportedFileType) as caught:
        detect_type("aula.docx", pdf)
    assert "does not look like a DOCX document" in str(caught.value)
    assert "a PDF file" in str(caught.value)


def test_docx_renamed_pdf_is_rejected(docx_file):
    with pytest.raises(UnsupportedFileType, match=r"its content is a DOCX file"):
        detect_type("aula.pdf", docx_file)


def test_zip_without_a_word_document_is_not_docx(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UnsupportedFileType, match="does not look like a DOCX"):
        detect_type("planilha.docx", archive)


def test_old_or_password_protected_word_file_named_docx(tmp_path):
    ole = write(tmp_path / "o", OLE)
    with pytest.raises(UnsupportedFileType, match="password-protected"):
        detect_type("prova.docx", ole)


def test_text_decodes_as_utf8_bom_utf16_or_windows_1252(tmp_path):
    sentence = "Fotossíntese produz glicose e oxigênio — “aspas” e ç."
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "cp1252"):
        path = write(tmp_path / encoding, sentence.encode(encoding))
        assert detect_type("resumo.txt", path) == TEXT
        assert decode_text(path.read_bytes()) == sentence


def test_binary_named_text_is_rejected(tmp_path):
    with pytest.raises(UnsupportedFileType, match="does not look like a text file"):
        detect_type("notas.txt", write(tmp_path / "p", PNG))
    with pytest.raises(UnsupportedFileType, match="does not look like a Markdown file"):
        detect_type("notas.md", write(tmp_path / "z", b"abc\x00def"))
    controls = bytes(range(1, 9)) * 50
    with pytest.raises(UnsupportedFileType):
        detect_type("notas.txt", write(tmp_path / "c", controls))


def test_pdf_named_text_is_rejected(tmp_path, pdf):
    with pytest.raises(UnsupportedFileType, match="its content is a PDF file"):
        detect_type("notas.txt", pdf)


def test_text_whose_start_looks_like_a_magic_number_is_still_text(tmp_path):
    # filetype takes any "BM…" for a bitmap and "ID3…" for an MP3.
    assert detect_type("carros.txt", write(tmp_path / "b", b"BMW e Audi")) == TEXT
    assert detect_type("id3.md", write(tmp_path / "i", b"ID3 tags")) == MARKDOWN


def test_large_text_cut_inside_a_character_is_still_text(tmp_path):
    # detect_type reads the first MiB; "ç" is two bytes and straddles that limit.
    data = b"a" * (1024 * 1024 - 1) + "ção".encode()
    assert detect_type("longo.txt", write(tmp_path / "l", data)) == TEXT


def test_empty_file_keeps_the_type_its_name_says(tmp_path):
    empty = write(tmp_path / "e", b"")
    assert detect_type("vazio.pdf", empty) == PDF
    assert detect_type("vazio.txt", empty) == TEXT


def test_name_without_extension_is_sniffed(tmp_path, pdf, docx_file):
    assert detect_type("aula", pdf) == PDF
    assert detect_type("aula", docx_file) == DOCX
    assert detect_type("LEIA-ME", write(tmp_path / "t", "Olá, turma!".encode())) == TEXT
    assert detect_type("Aula 3. Introdução", write(tmp_path / "u", b"texto")) == TEXT
    with pytest.raises(UnsupportedFileType, match="has no extension"):
        detect_type("imagem", write(tmp_path / "p", PNG))


def test_hostile_names_are_judged_by_their_clean_form(tmp_path, pdf):
    assert detect_type("../../etc/passwd.pdf", pdf) == PDF
    assert detect_type("a\x00b.pdf", pdf) == PDF
    assert detect_type("C:\\x\\y.pdf", pdf) == PDF
    assert detect_type("../../etc/passwd", write(tmp_path / "t", b"root:x:0:0")) == TEXT
    with pytest.raises(UnsupportedFileType, match=r"^'y\.png' is not"):
        detect_type("C:\\x\\y.png", pdf)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("aula.pdf", "aula.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.txt", "boot.txt"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("/var/tmp/../notas.md", "notas.md"),
        ("a\x00b.pdf", "ab.pdf"),
        ("a\r\nb.pdf", "a b.pdf"),
        ("  Aula   1\t.pdf  ", "Aula 1 .pdf"),
        ("..", "document"),
        ("...", "document"),
        (".bashrc", "bashrc"),
        ("..hidden.md", "hidden.md"),
        ("nota.txt.", "nota.txt"),
        ("", "document"),
        (None, "document"),
        ("/", "document"),
        ("\x00\x01", "document"),
        ('relatório "final".pdf', "relatório 'final'.pdf"),
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("Sa\u0303o Paulo.pdf", "São Paulo.pdf"),
        ("Evolução.docx", "Evolução.docx"),
    ],
)
def test_safe_filename(raw, clean):
    result = safe_filename(raw)
    assert result == clean
    assert unicodedata.is_normalized("NFC", result)


def test_safe_filename_caps_length_and_keeps_the_extension():
    name = safe_filename("x" * 1000 + ".pdf")
    assert len(name) == 200
    assert name.endswith("xxx.pdf")
    assert len(safe_filename("y" * 1000)) == 200
    accented = safe_filename("ç" * 300 + ".markdown")
    assert len(accented) == 200 and accented.endswith("ç.markdown")


@pytest.mark.parametrize(
    "raw",
    [
        "../../etc/passwd",
        "a\x00b.pdf",
        "x" * 1000 + ".txt",
        "..",
        "C:\\x\\y.pdf",
        "line\nbreak\r\n.pdf",
        "\ud800broken-surrogate.txt",
        "\x7f\x1b[31mred.pdf",
    ],
)
def test_safe_filename_is_safe_for_display_and_headers(raw):
    name = safe_filename(raw)
    assert name and len(name) <= 200
    assert "/" not in name and "\\" not in name and '"' not in name
    assert not name.startswith(".")
    assert all(unicodedata.category(c)[0] != "C" for c in name)
    name.encode("utf-8")  # no lone surrogates


def test_decode_text_rejects_binary_and_accepts_dos_end_of_file():
    assert decode_text(b"abc\x00") is None
    assert decode_text(PNG) is None
    assert decode_text(b"linha 1\r\nlinha 2\x1a") == "linha 1\r\nlinha 2\x1a"
    assert decode_text(b"") == ""
    assert decode_text("ação".encode()[:-2], complete=False) == "aç"
    # Bytes cp1252 leaves undefined fall back to latin-1 and then count as binary.
    assert decode_text(b"\x81\x8d\x8f\x90\x9d" * 10) is None


def test_docx_with_a_huge_zip_directory_is_sniffed_without_listing_it(tmp_path):
    # zipfile takes seconds and hundreds of MB to list 400,000 entries in the API process; a
    # directory over 1 MB is searched for word/document.xml instead (the parser then refuses
    # the file for its entries).
    entries = [(f"word/media/vazio{i}.bin", b"") for i in range(20_000)]
    docx_path = write_zip(tmp_path / "muitos.docx", [*entries, ("word/document.xml", b"<x/>")])
    entries_count, size, _ = zip_directory(docx_path)
    assert entries_count == 20_001 and size > 1 << 20
    assert detect_type("muitos.docx", docx_path) == DOCX
    other = write_zip(tmp_path / "outro.docx", entries)
    with pytest.raises(UnsupportedFileType):
        detect_type("outro.docx", other)
