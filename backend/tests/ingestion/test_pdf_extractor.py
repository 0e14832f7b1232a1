"""Which extractor reads a PDF's pages: PDFium (pypdfium2) where its text can be trusted, pypdf
for the pages it would get wrong, and pypdf alone for a PDF pypdf found damaged. Run in this
process (loaders._iter_pdf, what the parser process runs) so the calls can be counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from chatgepeto.ingestion import loaders

from utils.documents import make_pdf, make_word_per_object_pdf

PAGES = [
    "Seleção natural\nA seleção natural ocorre em São Paulo e em todo lugar.",
    "Deriva genética\nA deriva genética é a mudança aleatória das frequências alélicas.",
]


@pytest.fixture
def calls(monkeypatch) -> dict[str, list[int]]:
    """The pages each extractor was asked for (pypdf's by its 1-based page number)."""
    seen: dict[str, list[int]] = {"pdfium": [], "pypdf": []}
    pdfium, pypdf = loaders._pdfium_text, loaders._extract_page

    def spy_pdfium(document, index):
        seen["pdfium"].append(index + 1)
        return pdfium(document, index)

    def spy_pypdf(page):
        seen["pypdf"].append(page.page_number + 1)
        return pypdf(page)

    monkeypatch.setattr(loaders, "_pdfium_text", spy_pdfium)
    monkeypatch.setattr(loaders, "_extract_page", spy_pypdf)
    return seen


def _read(path: Path) -> list[loaders.Page]:
    return list(loaders._iter_pdf(path, lambda done, total: None))


def test_pdfium_reads_an_ordinary_pdf_and_pypdf_does_not(tmp_path, calls):
    pages = _read(make_pdf(tmp_path / "bio.pdf", PAGES))
    assert calls == {"pdfium": [1, 2], "pypdf": []}
    assert [p.number for p in pages] == [1, 2]
    assert pages[0].text == "Seleção natural A seleção natural ocorre em São Paulo e em todo lugar."


def test_split_accents_are_still_joined(tmp_path, calls):
    pages = _read(make_pdf(tmp_path / "tex.pdf", ["S˜ao Jos´e e a evolu¸c˜ao das esp´ecies."]))
    assert calls["pdfium"] == [1]
    assert pages[0].text == "São José e a evolução das espécies."


def test_blank_pages_keep_the_numbering(tmp_path, calls):
    pages = _read(make_pdf(tmp_path / "gaps.pdf", [PAGES[0], "", PAGES[1]]))
    assert [p.number for p in pages] == [1, 3]


def test_a_line_gap_of_a_blank_line_starts_a_paragraph(tmp_path, calls):
    # As a Word export sets a glossary: entries a blank line apart, wrapped lines close.
    path = tmp_path / "glossario.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica", 11)
    y = 780
    for lines in (
        ["deriva: mudança aleatória das", "frequências alélicas."],
        ["seleção: reprodução diferencial", "dos mais aptos."],
        ["mutação: mudança no DNA."],
    ):
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 13
        y -= 13  # the blank line
    pdf.showPage()
    pdf.save()
    (page,) = _read(path)
    assert calls["pdfium"] == [1]
    assert page.text == (
        "deriva: mudança aleatória das frequências alélicas.\n\n"
        "seleção: reprodução diferencial dos mais aptos.\n\n"
        "mutação: mudança no DNA."
    )


def test_one_word_text_objects_are_read_as_lines(tmp_path, calls):
    lines = ["Attention lets a model focus", "on the relevant parts of its input"]
    (page,) = _read(make_word_per_object_pdf(tmp_path / "gdocs.pdf", lines))
    assert page.text == "Attention lets a model focus on the relevant parts of its input"


def test_a_page_with_a_font_that_names_no_characters_is_read_by_pypdf(tmp_path, calls):
    # TeX's Type 1 math fonts have neither ToUnicode nor /Encoding: PDFium returns glyph
    # codes ("Pm" for "∑m") where pypdf knows the glyph names.
    source = make_pdf(tmp_path / "bio.pdf", PAGES)
    writer = PdfWriter(clone_from=PdfReader(source))
    # Resources, fonts and font of their own (reportlab shares them between pages).
    page = writer.pages[1]
    resources = DictionaryObject(page["/Resources"].get_object())
    fonts = DictionaryObject(resources["/Font"].get_object())
    for name in list(fonts):
        font = DictionaryObject(fonts[name].get_object())
        font.pop(NameObject("/Encoding"), None)
        font.pop(NameObject("/ToUnicode"), None)
        fonts[NameObject(name)] = font
    resources[NameObject("/Font")] = fonts
    page[NameObject("/Resources")] = resources
    path = tmp_path / "tex-fonts.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    reader = PdfReader(path)
    assert not loaders._glyph_codes_only(reader.pages[0])
    assert loaders._glyph_codes_only(reader.pages[1])
    pages = _read(path)
    assert calls == {"pdfium": [1], "pypdf": [2]}
    assert [p.number for p in pages] == [1, 2]


def test_a_pdf_pdfium_cannot_open_is_read_by_pypdf(tmp_path, calls, monkeypatch):
    monkeypatch.setattr(loaders, "_open_pdfium", lambda path, pages: None)
    pages = _read(make_pdf(tmp_path / "bio.pdf", PAGES))
    assert calls == {"pdfium": [], "pypdf": [1, 2]}
    assert pages[1].text.startswith("Deriva genética")


def test_a_page_pdfium_fails_on_is_read_by_pypdf(tmp_path, calls, monkeypatch):
    real = loaders._pdfium_text
    monkeypatch.setattr(
        loaders,
        "_pdfium_text",
        lambda document, index: None if index == 0 else real(document, index),
    )
    pages = _read(make_pdf(tmp_path / "bio.pdf", PAGES))
    assert calls["pypdf"] == [1]
    assert [p.number for p in pages] == [1, 2]
