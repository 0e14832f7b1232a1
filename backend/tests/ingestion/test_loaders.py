from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls
from pypdf import PdfReader

from chatgepeto.ingestion.filetypes import DOCX, MARKDOWN, PDF, TEXT
from chatgepeto.ingestion.loaders import DocumentError, Page, load_pages

from utils.documents import (
    make_corrupt_pdf,
    make_docx,
    make_encrypted_pdf,
    make_markdown,
    make_pdf,
    make_scanned_pdf,
    make_text,
    make_tj_gap_pdf,
    make_word_per_object_pdf,
)

BIOLOGY = [
    "Evolução biológica\nA evolução é a mudança nas características hereditárias.",
    "Seleção natural\nA seleção natural ocorre em São Paulo e em todo lugar.",
    "Deriva genética\nA deriva genética é a mudança aleatória das frequências alélicas.",
]


def reason(path: Path, content_type: str) -> str:
    with pytest.raises(DocumentError) as caught:
        load_pages(path, content_type)
    assert caught.value.message == str(caught.value)
    return str(caught.value)


# --- PDF ----------------------------------------------------------------------------------


def test_pdf_pages_are_numbered_from_one_with_accents_intact(tmp_path):
    pages = load_pages(make_pdf(tmp_path / "bio.pdf", BIOLOGY), PDF)
    assert [p.number for p in pages] == [1, 2, 3]
    assert pages[0] == Page(
        1, "Evolução biológica A evolução é a mudança nas características hereditárias."
    )
    assert "seleção natural ocorre em São Paulo" in pages[1].text


def test_pdf_pages_without_text_are_left_out_but_keep_numbering(tmp_path):
    pages = load_pages(make_pdf(tmp_path / "gaps.pdf", [BIOLOGY[0], "", BIOLOGY[2]]), PDF)
    assert [p.number for p in pages] == [1, 3]


def test_pdf_progress_is_reported_per_page(tmp_path):
    calls: list[tuple[int, int]] = []
    load_pages(make_pdf(tmp_path / "bio.pdf", BIOLOGY), PDF, on_page=lambda *a: calls.append(a))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_pdf_accents_split_like_pdftex_are_joined(tmp_path):
    path = make_pdf(tmp_path / "tex.pdf", ["Departamento de Computa¸c˜ao, S˜ao Jos´e, isto ´e"])
    assert PdfReader(path).pages[0].extract_text().startswith("Departamento de Computa¸c˜ao")
    assert load_pages(path, PDF)[0].text == "Departamento de Computação, São José, isto é"


def test_pdf_word_gaps_drawn_as_tj_kerning_become_spaces(tmp_path):
    path = make_tj_gap_pdf(tmp_path / "tj.pdf", ["The", "way", "of", "the", "program"], gap=200)
    # pypdf alone loses these spaces, as on Think Python's headings.
    assert PdfReader(path).pages[0].extract_text() == "Thewayoftheprogram"
    assert load_pages(path, PDF)[0].text == "The way of the program"


def test_pdf_kerning_inside_words_adds_no_space(tmp_path):
    path = make_tj_gap_pdf(tmp_path / "kern.pdf", ["pro", "gra", "ma"], gap=60)
    assert load_pages(path, PDF)[0].text == "programa"


def test_pdf_wide_gaps_keep_a_single_space(tmp_path):
    path = make_tj_gap_pdf(tmp_path / "wide.pdf", ["uma", "palavra"], gap=900)
    assert load_pages(path, PDF)[0].text == "uma palavra"


def test_pdf_with_one_text_object_per_word_is_read_as_lines(tmp_path):
    lines = ["The attention mechanism allows a model", "to focus on the most relevant parts"]
    path = make_word_per_object_pdf(tmp_path / "gdocs.pdf", lines)
    assert PdfReader(path).pages[0].extract_text().startswith("The\n \nattention\n")
    assert load_pages(path, PDF)[0].text == " ".join(lines)


def test_corrupt_pdf_is_reported_as_damaged(tmp_path):
    assert reason(make_corrupt_pdf(tmp_path / "c.pdf"), PDF) == (
        "The PDF is damaged and could not be read."
    )


def test_pdf_header_followed_by_garbage_is_damaged(tmp_path):
    path = tmp_path / "g.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    assert "damaged" in reason(path, PDF)


def test_encrypted_pdf_asks_to_remove_the_password(tmp_path):
    assert reason(make_encrypted_pdf(tmp_path / "e.pdf"), PDF) == (
        "The PDF is encrypted (password-protected); remove the password and upload it again."
    )


def test_pdf_encrypted_with_an_empty_password_is_read(tmp_path):
    path = make_encrypted_pdf(tmp_path / "e.pdf", user_password="")
    assert load_pages(path, PDF)[0].text == "Conteúdo protegido sobre seleção natural."


def test_scanned_pdf_asks_for_ocr(tmp_path):
    message = reason(make_scanned_pdf(tmp_path / "s.pdf"), PDF)
    assert message == (
        "No text could be extracted: the PDF looks like a scan (images only). "
        "Run OCR on it and upload it again."
    )


def test_empty_files_are_reported_as_empty(tmp_path):
    empty = tmp_path / "vazio"
    empty.write_bytes(b"")
    for content_type in (PDF, TEXT, MARKDOWN):
        assert reason(empty, content_type) == "The document is empty."
    blank = make_text(tmp_path / "branco.txt", " \n\n\t \n")
    assert reason(blank, TEXT) == "The document is empty."


# --- DOCX ---------------------------------------------------------------------------------


def test_docx_without_breaks_is_page_one(tmp_path):
    path = make_docx(tmp_path / "a.docx", ["Mitose é a divisão celular.", "Meiose gera gametas."])
    assert load_pages(path, DOCX) == [
        Page(1, "Mitose é a divisão celular.\n\nMeiose gera gametas.")
    ]


def test_docx_page_breaks_number_the_pages(tmp_path):
    paragraphs = ["Capítulo 1", "Mitose.", "Capítulo 2", "Meiose.", "Capítulo 3"]
    path = make_docx(tmp_path / "a.docx", paragraphs, page_break_after=[1, 3])
    calls: list[tuple[int, int]] = []
    pages = load_pages(path, DOCX, on_page=lambda *a: calls.append(a))
    assert pages == [
        Page(1, "Capítulo 1\n\nMitose."),
        Page(2, "Capítulo 2\n\nMeiose."),
        Page(3, "Capítulo 3"),
    ]
    assert calls[-1] == (3, 3)


def test_docx_empty_page_keeps_the_numbering(tmp_path):
    path = make_docx(tmp_path / "a.docx", ["Um", "", "Três"], page_break_after=[0, 1])
    assert [(p.number, p.text) for p in load_pages(path, DOCX)] == [(1, "Um"), (3, "Três")]


def test_docx_tables_are_read_in_body_order(tmp_path):
    path = make_docx(
        tmp_path / "t.docx",
        ["Fases da mitose:"],
        table=[["Fase", "Evento"], ["Prófase", "Condensação dos cromossomos"]],
    )
    document = docx.Document(str(path))
    document.add_paragraph("Depois da tabela.")
    document.save(str(path))
    assert load_pages(path, DOCX)[0].text == (
        "Fases da mitose:\n\nFase | Evento\n\nPrófase | Condensação dos cromossomos"
        "\n\nDepois da tabela."
    )


def _add_rendered_break(paragraph) -> None:
    run = paragraph.runs[0]._r if paragraph.runs else paragraph.add_run()._r
    run.insert(0, OxmlElement("w:lastRenderedPageBreak"))


def test_docx_rendered_page_breaks_count_once(tmp_path):
    # Word marks where it last broke pages; after a hard break that mark repeats it.
    path = make_docx(tmp_path / "r.docx", ["Um", "Dois", "Três"], page_break_after=0)
    document = docx.Document(str(path))
    _add_rendered_break(document.paragraphs[1])  # echo of the hard break: same page 2
    _add_rendered_break(document.paragraphs[2])  # a natural page end: page 3
    document.save(str(path))
    assert [(p.number, p.text) for p in load_pages(path, DOCX)] == [
        (1, "Um"),
        (2, "Dois"),
        (3, "Três"),
    ]


def test_docx_page_break_before_a_paragraph(tmp_path):
    path = make_docx(tmp_path / "b.docx", ["Título", "Capítulo novo"])
    document = docx.Document(str(path))
    document.paragraphs[0].paragraph_format.page_break_before = True  # first: no empty page
    document.paragraphs[1].paragraph_format.page_break_before = True
    document.save(str(path))
    assert [p.number for p in load_pages(path, DOCX)] == [1, 2]


def test_docx_line_breaks_and_tabs_become_spaces(tmp_path):
    path = make_docx(tmp_path / "l.docx", ["x"])
    document = docx.Document(str(path))
    paragraph = document.paragraphs[0]
    paragraph.text = ""
    run = paragraph.add_run("Linha um")
    run.add_break()
    run.add_text("linha\tdois")
    document.save(str(path))
    assert load_pages(path, DOCX)[0].text == "Linha um linha dois"


def test_docx_nested_tables_and_text_boxes_are_read_once(tmp_path):
    path = make_docx(tmp_path / "n.docx", ["Antes."], table=[["Externa", ""]])
    document = docx.Document(str(path))
    inner = document.tables[0].rows[0].cells[1].add_table(rows=1, cols=2)
    inner.rows[0].cells[0].text = "Interna A"
    inner.rows[0].cells[1].text = "Interna B"
    box = parse_xml(
        f"<w:r {nsdecls('w')} "
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        "<mc:AlternateContent><mc:Choice Requires='wps'><w:t>Caixa de texto</w:t></mc:Choice>"
        "<mc:Fallback><w:t>Caixa de texto</w:t></mc:Fallback></mc:AlternateContent></w:r>"
    )
    document.paragraphs[0]._p.append(box)
    document.save(str(path))
    assert load_pages(path, DOCX)[0].text == (
        "Antes.Caixa de texto\n\nExterna | Interna A Interna B"
    )


def test_docx_empty_document(tmp_path):
    assert reason(make_docx(tmp_path / "v.docx", []), DOCX) == "The document is empty."


def test_damaged_docx(tmp_path):
    good = make_docx(tmp_path / "a.docx", ["Texto."])
    truncated = tmp_path / "t.docx"
    truncated.write_bytes(good.read_bytes()[:300])
    assert reason(truncated, DOCX) == "The DOCX file is damaged and could not be read."

    broken_xml = tmp_path / "x.docx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken_xml, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, b"<w:document><oops" if "document.xml" in item.filename else data)
    assert "damaged" in reason(broken_xml, DOCX)

    no_document = tmp_path / "n.docx"
    with zipfile.ZipFile(no_document, "w") as target:
        target.writestr("hello.txt", "oi")
    assert "damaged" in reason(no_document, DOCX)


# --- Markdown and text --------------------------------------------------------------------


def test_markdown_is_one_page_without_number_and_keeps_its_lines(tmp_path):
    source = "# Genética\n\nMendel estudou ervilhas.\n\n```python\ndef f(x):\n    return x^2\n```\n"
    pages = load_pages(make_markdown(tmp_path / "n.md", source), MARKDOWN)
    assert pages == [Page(None, source.strip())]


def test_text_in_windows_1252_and_with_bom(tmp_path):
    sentence = "Fotossíntese produz glicose e oxigênio."
    for encoding in ("cp1252", "utf-8-sig", "utf-8", "utf-16"):
        path = make_text(tmp_path / f"{encoding}.txt", sentence + "\r\n", encoding)
        assert load_pages(path, TEXT) == [Page(None, sentence)]
    calls: list[tuple[int, int]] = []
    load_pages(path, TEXT, on_page=lambda *a: calls.append(a))
    assert calls == [(1, 1)]


def test_binary_text_file_cannot_be_read(tmp_path):
    path = tmp_path / "b.txt"
    path.write_bytes(b"texto\x00binario")
    assert reason(path, TEXT) == "The file could not be read as text."


def test_unknown_content_type(tmp_path):
    path = make_text(tmp_path / "a.txt", "oi")
    with pytest.raises(DocumentError, match="cannot be read"):
        load_pages(path, "image/png")


def test_page_is_immutable():
    page = Page(1, "texto")
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.text = "outro"  # type: ignore[misc]


def test_docx_text_after_an_unresolved_entity_is_kept(tmp_path):
    from utils.hostile import docx_with_xml

    path = docx_with_xml(
        tmp_path / "e.docx",
        "<w:p><w:r><w:t>Antes &x; depois &x; fim.</w:t></w:r></w:p>",
        doctype='<!DOCTYPE w:document [<!ENTITY x "EXPANDIDO">]>',
    )
    assert load_pages(path, DOCX) == [Page(1, "Antes depois fim.")]
