"""Read the material's structure for the extractive builders: sentences, headings, key terms.

Everything here works on `Passage` text as the chunker stored it, and every span keeps its
offsets into that text, so a builder can quote it exactly. What real course PDFs give (see
`chatgepeto.ingestion.text`): one line per paragraph, paragraphs split by "\\n\\n", but in some
PDFs every visual line is a paragraph of its own (so a sentence may run across "\\n\\n"), and a
heading is often glued to the paragraph after it ("2.2 Múltiplas Variáveis Suponha que …").
Chunks of one page overlap by ~150 characters, so the same sentence can appear twice; the page
number often stands alone at the end of a page or starts its first line.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from chatgepeto.retrieval.lexical import STOPWORDS, analyze, fold
from chatgepeto.study.drafts import Passage


def _word_set(words: str) -> frozenset[str]:
    return frozenset(fold(w) for w in words.split())


# Words that end a sentence-looking "." but do not end a sentence.
_ABBREVIATIONS = _word_set(
    "fig figs eq eqs ex e.g i.e et al cf vs etc dr dra prof profa sr sra av eng no nº n "
    "pp p vol ed eds cap sec tab obs aprox approx resp mr mrs ms st jr inc ltd"
)
_SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]*(?=\s)")
_OPENERS = '"“‘(['
_UPPER_START = re.compile(r"[\"“‘(\[]*[A-ZÀ-ÖØ-Þ]")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_LETTER_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_MATH = re.compile(r"[−=∑√←→⇒∂∈∀≤≥≈≠±×÷∞∆∇∫‖|{}<>^~θλµαβγσΣΠ]|[a-z]\d|\d[a-z]\b")
_DOT_LEADERS = re.compile(r"(?:\.\s?){3,}|…{2,}")
_CAPTION = re.compile(
    r"^(?:fig(?:ure|ura)?|tab(?:le|ela)|quadro|gr[áa]fico|chart|source|fonte|imagem|image)"
    r"\.?\s*\d*\s*[:.–-]",
    re.IGNORECASE,
)
# One entry: an optional section number, a title (no digits), its page number.
_TOC_ENTRY = re.compile(
    r"(?:(?P<number>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+)?(?P<title>[^\W\d][^\d…]*?)\s+(?P<leader>…\s+)?\d{1,4}(?=\s|$)"
)
_TOC_LEADERS = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}\b")
# A caption's label ("Tabela 3.") where a sentence starts, not "… na figura 12. Módulos …".
_LABEL = r"(?:Fig(?:ure|ura)?|Tab(?:le|ela)|Quadro)\.?\s*\d+$"
_CAPTION_LABEL = re.compile(rf"(?:[.!?:]\s+|\n){_LABEL}|^{_LABEL}")
_CODE = re.compile(
    r"^(?:>>>|\$ |def |class |import |from \S+ import|return |print\(|#include)|[;{}]$"
)
_REFERENCE = re.compile(
    r"https?://|www\.|doi:|\bisbn\b|\bpp?\.\s*\d|\bvol\.\s*\d|\bet al\.\s*\(?\d{4}|"
    r"^\[\d+\]|^[A-ZÀ-Þ][\w'’-]+,\s(?:[A-Z]\.\s?){1,3}(?:,|and|e|&|\d{4})|\d+:\d+[–-]\d+",
    re.IGNORECASE,
)
_REFERENCES_HEADING = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?\s+)?(?:refer[êe]ncias(?: bibliogr[áa]ficas)?|bibliografia|"
    r"references|bibliography|works cited|obras citadas)\b",
    re.IGNORECASE,
)
_TOC_HEADING = re.compile(r"^(?:contents|table of contents|sum[áa]rio|[íi]ndice)\b", re.IGNORECASE)
# "term: Definition." as in a glossary; several may share one paragraph in a PDF.
GLOSSARY_ENTRY = re.compile(
    r"(?:^|(?<=[.)!?] ))(?P<term>[^\W\d_][\w'’ /()-]{0,60}?): (?=[A-Z(“\"])"
)
# Sentences that stop on an abbreviation or a list number were cut short.
# and one that ends on a lone letter ("… tem por objetivo estimar w.") on a formula's variable.
_BAD_END = re.compile(r"(?:\b(?:i\.e|e\.g|cf|ex|fig|eq|p)\.|[:\s]\d{1,2}\.|\s\w\.)$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+•▪◦●○■‣–]|\(?[a-z0-9]{1,2}[.)])\s")
_SECTION_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?=[A-ZÀ-ÖØ-Þ])")
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_CHAPTER = re.compile(
    r"^(?:chapter|cap[íi]tulo|part|parte|unit|unidade|section|se[çc][ãa]o|aula|lesson|"
    r"module|m[óo]dulo)\s+[\dIVXLC]+\b",
    re.IGNORECASE,
)
# Lower-case words a title may hold between its capitalised words.
_TITLE_LINKS = _word_set(
    "de da do das dos e em no na nos nas com para por a o à ao as os um uma of the and in on "
    "for to a an with by or vs"
)
# Verbs and fillers that keyphrase extraction ranks high in course prose but that no
# question should be about.
_FILLER = _word_set(
    "podemos pode podem seja sejam temos tem têm vamos vimos veremos fazer feito dado dada "
    "dados caso forma exemplo exemplos seguinte seguintes maneira parte vez vezes ainda "
    "assim então portanto sendo ser estar figura tabela equação capítulo seção página "
    "apostila aula aulas also can may might must use used using example examples figure "
    "table chapter section page following way case thing things one two first second "
    "note see shown let given suponha considere consideremos considerando seguinte "
    "entretanto finalmente basicamente novamente adicionalmente diferente diferentes "
    "mesmo mesma mesmos mesmas outro outra outros outras grande grandes maior maiores "
    "menor menores novo nova novos novas possível possíveis importante importantes "
    "principal principais simples geral total próprio própria alto alta baixo baixa "
    "médio médios different same other others large small new possible important main "
    "simple general total high low suppose consider however finally basically acima abaixo "
    "melhor pior composto composta reais real seções capítulos páginas figuras tabelas "
    "equações sections chapters pages figures tables equations próxima próximas próximo "
    "próximos next previous anterior anteriores intuito ideia ideias complexo complexos "
    "complexa complexas idea ideas complex pois porém contudo todavia embora apenas sempre "
    "somente quase cerca devido através sobre often always only just even still necessário "
    "necessária necessários necessárias possível necessary chamado chamada chamados called "
    "durante contra desde após antes depois também pouco onde dentro fora junto além enquanto "
    "during against since after before within without whereas"
)


def clean(text: str) -> str:
    """`text` on one line, runs of white space as one space (for display, not for quotes)."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Span:
    """A stretch of one passage's text: `passage.text[start:end] == text`."""

    passage: Passage
    start: int
    end: int

    @cached_property
    def text(self) -> str:
        return self.passage.text[self.start : self.end]

    @cached_property
    def flat(self) -> str:
        return clean(self.text)


@dataclass
class Heading:
    """A heading met in the material: its title, section number depth, where it starts."""

    title: str
    level: int
    passage_index: int
    start: int


@dataclass
class Document:
    """One document's passages with what the builders need from them."""

    document_id: str
    passages: list[Passage]
    # Indices into `passages` of the table of contents and of the references at the end.
    skipped: set[int] = field(default_factory=set)
    toc_titles: list[str] = field(default_factory=list)
    toc_levels: dict[str, int] = field(default_factory=dict)
    # (title + " ", its folded form), longest first: to find titles glued to sentences.
    toc_folded: list[tuple[str, str]] = field(default_factory=list)
    boilerplate: frozenset[str] = frozenset()
    sentences: list[Span] = field(default_factory=list)  # well-formed, deduplicated
    language: str = "en"
    # Table-of-contents titles met in the text: (passage index, start, end, title).
    toc_marks: list[tuple[int, int, int, str]] = field(default_factory=list)
    # Per passage, how much of its start repeats the passage before (chunk overlap).
    overlap: dict[int, int] = field(default_factory=dict)


def group_documents(passages: Sequence[Passage]) -> list[Document]:
    """The passages of each document, documents in the order they first appear."""
    by_id: dict[str, Document] = {}
    for passage in passages:
        if not isinstance(passage, Passage):
            raise TypeError("Study builders take study.drafts.Passage objects.")
        doc = by_id.get(passage.document_id)
        if doc is None:
            doc = by_id[passage.document_id] = Document(passage.document_id, [])
        doc.passages.append(passage)
    documents = list(by_id.values())
    for doc in documents:
        _analyse(doc)
    return documents


def _analyse(doc: Document) -> None:
    languages = Counter(p.language for p in doc.passages)
    doc.language = "pt" if languages["pt"] > languages["en"] else "en"
    doc.boilerplate = _repeated_paragraphs(doc.passages)
    in_references = False
    for i, passage in enumerate(doc.passages):
        text = passage.text.strip()
        if _is_toc(text):
            doc.skipped.add(i)
            for title, level in _toc_titles(text):
                doc.toc_titles.append(title)
                doc.toc_levels.setdefault(title, level)
            continue
        # References close a document: once their heading is met, the rest is skipped. A
        # paragraph that only starts with the word ("Referências cruzadas …") early in the
        # document is prose.
        if in_references or any(
            _REFERENCES_HEADING.match(p.strip())
            and (len(p.strip()) < 40 or i >= len(doc.passages) / 2)
            for p in passage.text.split("\n\n")
        ):
            in_references = True
            doc.skipped.add(i)
    doc.toc_titles = list(dict.fromkeys(doc.toc_titles))
    doc.toc_folded = [
        (t + " ", fold(t) + " ") for t in sorted(doc.toc_titles, key=len, reverse=True)
    ]
    doc.toc_marks = _find_toc_titles(doc)
    for i in range(1, len(doc.passages)):
        doc.overlap[i] = _overlap(doc.passages[i - 1], doc.passages[i])
    seen: set[str] = set()
    for i, passage in enumerate(doc.passages):
        if i in doc.skipped:
            continue
        marks = [(a, b) for k, a, b, _ in doc.toc_marks if k == i]
        for span in sentences(passage, doc, marks):
            # A sentence begun in the overlap was met (whole) in the passage before.
            if span.start < doc.overlap.get(i, 0):
                continue
            key = fold(span.flat)
            if key not in seen:
                seen.add(key)
                doc.sentences.append(span)


def _overlap(before: Passage, passage: Passage) -> int:
    """How many leading characters of `passage` end the passage before it on the same page."""
    if before.page != passage.page or len(passage.text) < 20:
        return 0
    text, previous = passage.text, before.text
    # The overlap starts with the passage's first characters, near the end of the one before.
    at = previous.find(text[:20], max(0, len(previous) - 450))
    while at >= 0:
        if text.startswith(previous[at:]):
            return len(previous) - at
        at = previous.find(text[:20], at + 1)
    return 0


def _find_toc_titles(doc: Document) -> list[tuple[int, int, int, str]]:
    """Where each title of the table of contents first stands in the text after it, as a
    heading: on a line of its own, or glued before a sentence ("Título Agora que …")."""
    if not doc.toc_titles:
        return []
    after_toc = max((i for i in doc.skipped if i <= len(doc.passages) // 3), default=-1)
    marks = []
    for title in doc.toc_titles:
        number = _SECTION_NUMBER.match(title)
        words = title[number.end() :] if number else title
        body = r"\s+".join(map(re.escape, words.split()))
        if number:
            regex = rf"(?<!\S){re.escape(number[1])}\.?\s+{body}(?=\s|$)"
        else:
            regex = rf"(?:^|(?<=\n)|(?<=[.!?:]\s)){body}(?=\s+[A-ZÀ-ÖØ-Þ(]|\s*\n|\s*$)"
        pattern = re.compile(regex)
        for i in range(after_toc + 1, len(doc.passages)):
            if i in doc.skipped:
                continue
            match = pattern.search(doc.passages[i].text)
            if match:
                marks.append((i, match.start(), match.end(), title))
                break
    marks.sort()
    return marks


def _is_toc(text: str) -> bool:
    # Dot leaders end on a page number; the ". . ." of "x1, x2, . . . , xn" does not.
    return bool(_TOC_HEADING.match(text)) or len(_TOC_LEADERS.findall(text)) >= 3


def _toc_titles(text: str) -> list[tuple[str, int]]:
    """Titles listed in a table of contents ("Título . . . . 12", "2.1 Título 3") with their
    level: the depth of their section number, or 2 for entries with dot leaders in a table
    that also has entries without (LaTeX sets chapters without leaders)."""
    text = _DOT_LEADERS.sub(" … ", _TOC_HEADING.sub("", text.strip()))
    # A chunk that starts inside the table begins with the end of an entry (". . . 10"):
    # that page number is no section number of the next title.
    text = re.sub(r"^\s*…\s*\d{1,4}\s+", "", text)
    entries = []
    for entry in _TOC_ENTRY.finditer(clean(text)):
        title = entry["title"].strip(" .·…")
        if _title_like(title):
            number = entry["number"]
            level = number.count(".") + 1 if number else (2 if entry["leader"] else 1)
            entries.append((f"{number} {title}" if number else title, level))
    return entries


def _repeated_paragraphs(passages: Sequence[Passage]) -> frozenset[str]:
    """Paragraphs (running headers, footers) found on a third or more of the pages."""
    pages: dict[str, set[int | None]] = {}
    for passage in passages:
        for paragraph in passage.text.split("\n\n"):
            key = _footer_key(paragraph)
            if key:
                pages.setdefault(key, set()).add(passage.page)
    n_pages = len({p.page for p in passages})
    if n_pages < 3:
        return frozenset()
    return frozenset(k for k, v in pages.items() if len(v) >= max(3, n_pages / 3))


def _footer_key(paragraph: str) -> str:
    # Page numbers differ from page to page; the text around them does not.
    return re.sub(r"\d+", "#", fold(clean(paragraph)))[:120]


def sentences(
    passage: Passage, doc: Document | None = None, cuts: Sequence[tuple[int, int]] = ()
) -> list[Span]:
    """The well-formed sentences of a passage (see `well_formed`), with exact offsets; `cuts`
    are headings (start, end) inside the text, which no sentence may hold."""
    result = []
    for start, end in _cut(sentence_bounds(passage.text), cuts):
        start = _skip_heading(passage.text, start, end, doc)
        span = Span(passage, start, end)
        if doc is not None and _footer_key(span.text) in doc.boilerplate:
            continue
        if well_formed(span.flat):
            result.append(span)
    return result


def _cut(bounds: list[tuple[int, int]], cuts: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    result = []
    for s, e in bounds:
        for a, b in cuts:
            if s <= a < e:
                if a > s:
                    result.append((s, a))
                s = max(s, b)
        if e > s:
            result.append((s, e))
    return [(s, e) for s, e in result if e > s]


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence-like stretch of `text`.

    A line break ends a sentence unless the line before is a long one that stops mid-sentence
    (a letter or a comma) and the next one goes on in lower case: PDFs that keep every visual
    line as a paragraph would otherwise be cut into halves of sentences."""
    bounds = []
    start = 0
    n = len(text)
    i = 0
    line_start = 0
    while i < n:
        if text[i] == "\n":
            stop = i
            while i < n and text[i] == "\n":
                i += 1
            before = text[line_start:stop].rstrip()
            after = text[i:].lstrip()
            # A full-width line (long) that stops mid-sentence goes on after the break.
            joined = len(before) >= 60 and (before[-1:].isalpha() or before.endswith((",", ";")))
            if not (joined and after[:1].islower()):
                bounds.append((start, stop))
                start = i
            line_start = i
            continue
        match = _SENTENCE_END.match(text, i)
        if match and _ends_sentence(text, i, match.end()):
            bounds.append((start, match.end()))
            start = match.end()
            i = match.end()
            continue
        i += 1
    bounds.append((start, n))
    result = []
    for s, e in bounds:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            result.append((s, e))
    return result


def _ends_sentence(text: str, dot: int, end: int) -> bool:
    after = text[end:].lstrip()
    if not after or not (
        _UPPER_START.match(after) or after[0].isdigit() or GLOSSARY_ENTRY.match(after)
    ):
        return False
    if text[dot] != ".":
        return True
    if GLOSSARY_ENTRY.match(after):
        return True  # "… tuples. iterator: An object …": the next glossary entry
    if _CAPTION_LABEL.search(text, max(0, dot - 30), dot):
        return False  # "Tabela 3. Valores …": the caption goes on
    word = re.search(r"(\S+)$", text[:dot])
    token = word[1].lower().lstrip(_OPENERS) if word else ""
    if token in _ABBREVIATIONS or token.rstrip(".") in _ABBREVIATIONS:
        return False
    # Initials ("W.F.R. Weldon", "J. Cheverud") end no sentence; a lone lower-case letter or
    # a Greek one ("… taxa α. Entretanto") does.
    return not re.fullmatch(r"(?:[A-Z]\.)*[A-Z]", word[1].lstrip(_OPENERS) if word else "")


def _skip_heading(text: str, start: int, end: int, doc: Document | None) -> int:
    """Move `start` past a heading glued to the start of the sentence."""
    piece = text[start:end]
    if doc is not None and doc.toc_folded:
        head = fold(piece[:120])
        for title, key in doc.toc_folded:
            if head.startswith(key) and _UPPER_START.match(piece[len(title) :]):
                return start + len(title)
    number = _SECTION_NUMBER.match(piece)
    if number:
        rest = glued_title_end(piece[number.end() :])
        return start + number.end() + rest if rest else start
    return start


def glued_title_end(text: str) -> int:
    """Where the sentence starts after a title-case heading glued before it, or 0.

    "Múltiplas Variáveis (Multivariado) Suponha que …" → the offset of "Suponha": the first
    capitalised word (after the first) that a lower-case word other than a title's linking
    word follows."""
    words = list(re.finditer(r"\S+", text[:200]))
    for k in range(1, min(len(words) - 1, 12)):
        word, following = words[k][0], words[k + 1][0]
        if word[:1].isupper() and following[:1].islower() and following.lower() not in _TITLE_LINKS:
            return words[k].start()
        if word[:1].islower() and word.lower() not in _TITLE_LINKS:
            return 0
    return 0


def well_formed(sentence: str) -> bool:
    """A sentence fit to quote: prose of 40–300 characters, not a heading, caption, list
    item, table row, formula, code or bibliography line."""
    if not 40 <= len(sentence) <= 300:
        return False
    if not (_UPPER_START.match(sentence) or GLOSSARY_ENTRY.match(sentence)):
        return False
    if sentence[-1] not in ".!?" or _BAD_END.search(sentence):
        return False
    if sentence.endswith("...") or _DOT_LEADERS.search(sentence):
        return False
    if _CAPTION.match(sentence) or _CODE.search(sentence) or _BULLET.match(sentence):
        return False
    if _REFERENCE.search(sentence) or _SECTION_NUMBER.match(sentence):
        return False
    words = _WORD.findall(sentence)
    if len(words) < 7:
        return False
    letters = sum(c.isalpha() for c in sentence)
    if letters < 0.75 * sum(not c.isspace() for c in sentence):
        return False
    if len(_MATH.findall(sentence)) > 1:
        return False
    # Variables and numbers ("x e y", "z1 a zn") in many words: a formula read as text.
    initials = len(re.findall(r"\b[A-Z]\.", sentence))  # "J.B.S. Haldane" is a name
    short = sum(1 for w in words if len(w) == 1 and w.lower() not in "aeoyéài") - initials
    if short > 2 or sum(any(c.isdigit() for c in w) for w in words) > max(2, len(words) // 6):
        return False
    # A sentence's words are mostly lower case; a title or a list of names is not.
    capitalised = sum(1 for w in words[1:] if w[:1].isupper())
    return capitalised <= max(2, len(words) // 3)


def paragraph_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph of a passage."""
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]*)*", text)]


def _title_like(line: str) -> bool:
    if not 3 <= len(line) <= 90 or line.endswith((",", ";", ":")):
        return False
    words = _WORD.findall(line)
    if not 1 <= len(words) <= 12 or not any(c.isalpha() for c in line):
        return False
    if _CAPTION.match(line) or _REFERENCE.search(line) or _MATH.search(line):
        return False
    letters = sum(c.isalpha() for c in line)
    return letters >= 0.6 * sum(not c.isspace() for c in line) and line[:1].isupper()


def headings(doc: Document) -> list[Heading]:
    """The headings of a document in reading order, each once: those of its table of
    contents when two or more are found in the text, otherwise title-like lines."""
    if len(doc.toc_marks) >= 2:
        return [
            Heading(title, doc.toc_levels.get(title, 1), i, start)
            for i, start, _, title in doc.toc_marks
        ]
    found: list[Heading] = []
    seen: set[str] = set()
    for i, passage in enumerate(doc.passages):
        if i in doc.skipped:
            continue
        text = passage.text
        for start, end in paragraph_bounds(text):
            heading = _paragraph_heading(text[start:end], passage)
            if heading is None:
                continue
            title, level = heading
            key = fold(title)
            if key in seen or _footer_key(title) in doc.boilerplate:
                continue
            seen.add(key)
            found.append(Heading(title, level, i, start))
    return found


def _paragraph_heading(paragraph: str, passage: Passage) -> tuple[str, int] | None:
    line = paragraph.strip()
    if passage.page is not None:
        # The page number printed before a page's first line is no part of a title.
        line = re.sub(rf"^{passage.page}\s+(?=\S)", "", line)
    markdown = _MARKDOWN_HEADING.match(line)
    if markdown and "\n" not in line:
        return clean(markdown[2]).strip("*_ "), len(markdown[1])
    first = line.split("\n", 1)[0].strip()
    number = _SECTION_NUMBER.match(first)
    if _CHAPTER.match(first) and len(first) <= 90:
        return clean(first).rstrip("."), 1
    if number:
        rest = first[number.end() :]
        end = len(rest) if _title_like(rest) and not rest.endswith(".") else glued_title_end(rest)
        title = clean(rest[:end])
        if end and _title_like(title):
            return f"{number[1]} {title}", number[1].count(".") + 1
        return None
    bold = re.match(r"^\*\*([^*]{3,80})\*\*$", first)
    if bold:
        return clean(bold[1]), 2
    if "\n" not in line and line.endswith(":") and len(_WORD.findall(line)) <= 4:
        line = line[:-1]  # "Key Concepts:" above a list
    if "\n" not in line and _title_like(line) and not line.endswith((".", "?", "!")):
        words = _WORD.findall(line)
        capitalised = sum(w[:1].isupper() for w in words)
        # A short line on its own reads as a title when most of its words are capitalised or
        # it is very short (sentence-case titles: "Correlação de vetores").
        if len(words) <= 6 or capitalised >= len(words) / 2:
            return clean(line), 2
    return None


@lru_cache(maxsize=65536)
def stems(phrase: str, language: str) -> frozenset[str]:
    """The stemmed content words of a phrase, to tell variants of one term apart."""
    return frozenset(analyze(phrase, language))


_YAKE_CHARS = 120_000


@dataclass(frozen=True)
class KeyTerm:
    """A key phrase of a document: its usual written form and its weight (higher = more key)."""

    text: str
    weight: float


def key_terms(spans: Iterable[Span], language: str, top: int = 80) -> list[KeyTerm]:
    """The document's key phrases by YAKE weight over its well-formed sentences, most key
    first, one per stem set, each in the form it is most often written in mid-sentence."""
    import yake

    spans = list(spans)
    # YAKE's time grows with the text: a long book is read through an even sample of its
    # sentences, which keeps its key phrases (they recur) and a 35-page handout whole.
    step = max(1, math.ceil(sum(len(s.flat) for s in spans) / _YAKE_CHARS))
    text = "\n".join(s.flat for s in spans[::step])
    if not text.strip():
        return []
    extractor = yake.KeywordExtractor(lan=language, n=3, top=max(2 * top, 30), dedup_lim=0.8)
    forms = _surface_forms(spans)
    terms: list[KeyTerm] = []
    seen: set[frozenset[str]] = set()
    for phrase, score in extractor.extract_keywords(text):
        words = _LETTER_WORD.findall(phrase)
        if not words or len(words) != len(phrase.split()):
            continue
        folded = [fold(w) for w in words]
        if folded[0] in STOPWORDS or folded[-1] in STOPWORDS or folded[0] in _FILLER:
            continue
        if len(words) == 1 and not _noun_like(words[0], language):
            continue
        if len(words) > 1 and _verb_like(words[0], language):
            continue  # "iremos discutir": a clause, not a term
        key = stems(phrase, language)
        if not key or key in seen:
            continue
        form, seen_times = forms.get(fold(phrase), ("", 0))
        # Once is no key term (YAKE keeps odd word pairs such as "MSE resulta").
        if seen_times < 2:
            continue
        seen.add(key)
        # YAKE scores fall as keyness rises; invert for a weight.
        terms.append(KeyTerm(form, 1.0 / (1e-6 + float(score))))
        if len(terms) >= 2 * top:
            break
    terms = [t for t in terms if not _modifier(t, terms, forms)]
    return terms[:top]


def _modifier(term: KeyTerm, terms: Sequence[KeyTerm], forms: dict[str, tuple[str, int]]) -> bool:
    """Whether a lone word is mostly met inside the other key phrases, as their adjective
    ("contínuos" of "caracteres contínuos"): blanked alone it tests grammar."""
    word = fold(term.text)
    if " " in word:
        return False
    total = forms.get(word, ("", 0))[1]
    inside = sum(
        forms.get(fold(t.text), ("", 0))[1]
        for t in terms
        if " " in t.text and word in fold(t.text).split()[1:]
    )
    return total > 0 and inside >= 0.6 * total


def _noun_like(word: str, language: str) -> bool:
    """Whether a lone word may be a key term: no filler, adverb, infinitive or obvious
    adjective (a blank for "evolutiva" or "finally" tests grammar, not the material)."""
    folded = fold(word)
    if len(folded) < 4 or folded in _FILLER or folded in STOPWORDS:
        return False
    if language == "pt":
        verb_or_adjective = (
            r"(?:mente|iv[oa]s?|ve(?:l|is)|[aei]r|[aeií]amos|[aei]mos|[aei]ram|[aei]ndo)$"
        )
        return not re.search(verb_or_adjective, folded) or len(folded) < 6
    return not re.search(r"(?:ly|ed)$", folded) or len(folded) < 6


def _verb_like(word: str, language: str) -> bool:
    """Whether a phrase's first word is a Portuguese verb form ("iremos", "utilizando").
    English "-ing" words start noun phrases too ("string", "parsing error"): none there."""
    if language != "pt":
        return False
    return bool(re.search(r"(?:[aeií]amos|[aei]mos|[aei]ndo|[aei]ram)$", fold(word)))


def _surface_forms(spans: Sequence[Span]) -> dict[str, tuple[str, int]]:
    """Folded n-gram (1–3 words) → its most frequent written form, how often it is met."""
    counts: dict[str, Counter[str]] = {}
    for span in spans:
        words = _LETTER_WORD.findall(span.flat)
        for n in (1, 2, 3):
            for k in range(len(words) - n + 1):
                gram = " ".join(words[k : k + n])
                # A sentence's first word is capitalised whatever it is: it counts little.
                counts.setdefault(folded(gram), Counter())[gram] += 1.0 if k else 0.1
    return {
        key: (c.most_common(1)[0][0], round(sum(c.values()) + 0.45)) for key, c in counts.items()
    }


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=65536)
def folded(text: str) -> str:
    """`fold`, remembered: the builders fold the same terms and sentences many times."""
    return fold(text)


def find_term(sentence: str, term: str) -> re.Match[str] | None:
    """Where `term` is written in `sentence` as whole words, ignoring case and accents."""
    text = folded(sentence)
    # Folding drops accents letter for letter, so offsets still hold, unless a compatibility
    # character ("…") expanded; then match the written form only.
    if len(text) != len(sentence):
        return _term_pattern(term).search(sentence)
    key = folded(term)
    # A plain substring test first: most terms are in none of the sentences.
    return _term_pattern(key).search(text) if key in text else None
