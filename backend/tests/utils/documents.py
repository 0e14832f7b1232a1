"""Build small course documents for tests: PDFs (also broken ones), DOCX, Markdown, text."""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

import docx
from docx.enum.text import WD_BREAK
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

FONT = "Helvetica"
SIZE = 12
MARGIN = 72
LEADING = SIZE * 1.4


# As PDFium reads the BIO312 handout's bibliography: entries run together in one paragraph.
AUTHOR_YEAR = (
    "Bibliografia Ancel, L. W. and W. Fontana. 2000. Plasticity, evolvability, and modularity "
    "in RNA. The Journal of experimental zoology 288:242–83. Cheverud, J. M. 1988. A "
    "Comparison of Genetic and Phenotypic Correlations. Evolution 42:958. Cheverud, J. M. "
    "1984. Quantitative genetics and developmental constraints on evolution by selection. "
    "Journal of Theoretical Biology 110:155–171. Lande, R. and S. J. Arnold. 1983. The "
    "measurement of selection on correlated characters. Evolution 37:1210."
)
# Prose that cites: years, but no "Surname, I." entries.
CITING_PROSE = (
    "A matriz G resume a variação genética aditiva e suas covariâncias (Lande 1979; Lande and "
    "Arnold 1983). Estudos em primatas do Novo Mundo mostraram que o tamanho é uma linha de "
    "menor resistência evolutiva (Marroig and Cheverud 2005, 2010; Porto et al. 2009), e que a "
    "seleção direcional tende a seguir essa direção ao longo de milhões de anos."
)


def make_pdf(path: Path, pages: list[str]) -> Path:
    """Write a PDF with one page per string; lines wrap, "" makes a page without text.

    Helvetica's WinAnsi encoding covers Portuguese ("São Paulo", "evolução"), and also the
    spacing diacritics pdfTeX leaves in front of letters ("S˜ao").
    """
    pdf = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    for text in pages:
        pdf.setFont(FONT, SIZE)
        y = height - MARGIN
        for paragraph in text.split("\n"):
            for line in simpleSplit(paragraph, FONT, SIZE, width - 2 * MARGIN) or [""]:
                pdf.drawString(MARGIN, y, line)
                y -= LEADING
        pdf.showPage()
    pdf.save()
    return path


def make_corrupt_pdf(path: Path) -> Path:
    """Write a PDF cut in half, as an interrupted download leaves it."""
    data = make_pdf(path, ["Seleção natural em São Paulo.", "Evolução das espécies."]).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def make_encrypted_pdf(
    path: Path, user_password: str = "segredo", owner_password: str = "dono"
) -> Path:
    """Write an AES-256 encrypted PDF; with user_password="" it opens without a password."""
    make_pdf(path, ["Conteúdo protegido sobre seleção natural."])
    writer = PdfWriter(clone_from=PdfReader(path))
    writer.encrypt(user_password, owner_password, algorithm="AES-256")
    with path.open("wb") as out:
        writer.write(out)
    return path


def make_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """Write a PDF of pictures only, like a scan without OCR: an image and shapes, no text."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    for number in range(pages):
        pdf.drawInlineImage(_grey_image(), MARGIN, height / 2, width=200, height=100)
        pdf.rect(MARGIN, MARGIN, width - 2 * MARGIN, 120, fill=0)
        pdf.circle(width / 2, height / 3, 40 + number * 10, fill=1)
        pdf.line(MARGIN, height - MARGIN, width - MARGIN, height - MARGIN - 30)
        pdf.showPage()
    pdf.save()
    return path


def _grey_image() -> object:
    from PIL import Image  # Pillow comes with the embedding stack

    image = Image.new("L", (64, 32), color=200)
    for x in range(64):
        image.putpixel((x, x // 2), 0)
    return image


def make_tj_gap_pdf(path: Path, words: list[str], gap: int) -> Path:
    """Write one Courier line whose words are separated only by TJ gaps of `gap`/1000 em.

    This is how XeTeX sets Think Python; pypdf alone reads gaps under half a Courier space
    (0.3 em) as no space at all.
    """
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Courier", SIZE)
    font = pdf._doc.getInternalFontName("Courier")  # the resource name reportlab chose
    array = f" -{gap} ".join(f"({word})" for word in words)
    pdf.addLiteral(f"BT {font} {SIZE} Tf {MARGIN} 700 Td [{array}] TJ ET")
    pdf.showPage()
    pdf.save()
    return path


def make_word_per_object_pdf(path: Path, lines: list[str]) -> Path:
    """Write lines with every word and space in a text object of its own, as Google Docs does.

    pypdf's plain mode then returns one word per line.
    """
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont(FONT, SIZE)
    font = pdf._doc.getInternalFontName(FONT)
    height = A4[1]
    operators = [f"q 1 0 0 -1 0 {height} cm"]
    for row, line in enumerate(lines):
        x, y = MARGIN, MARGIN + row * LEADING
        for word in line.split():
            for piece in (word, " "):
                operators.append(
                    f"BT {font} {SIZE} Tf 1 0 0 -1 0 0 Tm {x:.2f} {-y:.2f} Td ({piece}) Tj ET"
                )
                x += stringWidth(piece, FONT, SIZE)
    operators.append("Q")
    pdf.addLiteral("\n".join(operators))
    pdf.showPage()
    pdf.save()
    return path


def make_docx(
    path: Path,
    paragraphs: list[str],
    page_break_after: int | Iterable[int] | None = None,
    table: list[list[str]] | None = None,
) -> Path:
    """Write a DOCX; a page break follows each paragraph index in `page_break_after`.

    A `table` (rows of cells) is added after the paragraphs.
    """
    if page_break_after is None:
        breaks: set[int] = set()
    elif isinstance(page_break_after, int):
        breaks = {page_break_after}
    else:
        breaks = set(page_break_after)
    document = docx.Document()
    for index, text in enumerate(paragraphs):
        paragraph = document.add_paragraph(text)
        if index in breaks:
            paragraph.add_run().add_break(WD_BREAK.PAGE)
    if table:
        grid = document.add_table(rows=len(table), cols=max(len(row) for row in table))
        for cells, row in zip(grid.rows, table, strict=False):
            for cell, text in zip(cells.cells, row, strict=False):
                cell.text = text
    document.save(str(path))
    return path


def make_markdown(path: Path, text: str) -> Path:
    """Write a UTF-8 Markdown file."""
    path.write_text(text, encoding="utf-8")
    return path


def make_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write a text file in `encoding` ("utf-8-sig" for a BOM, "cp1252" as Windows does)."""
    path.write_bytes(text.encode(encoding))
    return path


BOOK_WORDS = [
    *("seleção", "natural", "deriva", "genética", "evolução", "população", "alelo", "mutação"),
    *("hereditariedade", "espécie", "fenótipo", "genótipo", "adaptação", "recombinação"),
]


def book_pdf(folder: Path, pages: int) -> bytes:
    """A made-up textbook long enough that its embedding takes some seconds."""
    rng = random.Random(pages)
    texts = [
        f"Capítulo {i}. " + " ".join(rng.choice(BOOK_WORDS) for _ in range(450))
        for i in range(pages)
    ]
    return make_pdf(folder / f"livro-{pages}.pdf", texts).read_bytes()
