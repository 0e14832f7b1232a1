"""Normalize extracted text and guess its language.

The repairs below were written against what pypdf 7 returns for the real course PDFs in
`shared/eval/docs` (two Portuguese pdfTeX/xdvipdfmx handouts, Think Python 2e, a Word-made
glossary and a Google Docs export):

- Split accents. pdfTeX books set in OT1 fonts (apostila_ml_unesp_pt.pdf) draw each accent
  as a glyph of its own, and pypdf returns it as a spacing diacritic placed *before* the
  letter, never with a space in between: "S˜ao Jos´e", "Computa¸c˜ao", "isto ´e",
  "n´umero", "princ´ıpio" (acute over a dotless ı), "T´OPICOS", "`a" (crase, ASCII grave).
  They are recomposed into one precomposed letter. A spacing diacritic *after* its letter
  ("e´ um") or separated by one space ("n´ umero") is also handled, in that order of
  preference, although none of the five PDFs produces it.
  Typed text uses "´" as an apostrophe ("d´Oeste", "it´s") and "`"/"^" in code, so the repair
  is gated: it only runs on text that shows at least one split accent with a non-ASCII
  diacritic and no more precomposed accented letters than split accents (an OT1 page has
  none; a normally typed Portuguese page has many). Each diacritic only joins the letters
  Portuguese, Spanish, French and German use it with, so "it´s" is never touched.
- Lost spaces. Think Python (XeTeX) separates words with TJ kerning shorter than pypdf's
  half-space threshold, giving "Thewayoftheprogram". The fix is in the extraction, not here:
  see `chatgepeto.ingestion.loaders`.
- Line structure. pypdf breaks every visual line and hyphenates words across lines
  ("evolu-\\nção"); Google Docs exports put each word on a line of its own. Lines inside a
  paragraph are joined with single spaces and paragraphs (blank lines) are kept as "\\n\\n".
  Lines that start with a list bullet stay on their own line. Markdown and plain text keep
  their lines (`reflow=False`): they were written by hand and may hold code.
- Ligatures (ﬁ, ﬂ …) become plain letters; control, zero-width, bidi and private-use
  characters (math-font bracket pieces) are dropped.
"""

from __future__ import annotations

import re
import unicodedata

# Spacing diacritic -> (combining mark, letters it may sit on).
_DIACRITICS: dict[str, tuple[str, str]] = {
    "\u00b4": ("\u0301", "aeiouyıAEIOUY"),  # ´ acute
    "\u02dc": ("\u0303", "aonAON"),  # ˜ small tilde
    "\u02c6": ("\u0302", "aeiouıAEIOU"),  # ˆ modifier circumflex
    "\u00b8": ("\u0327", "cC"),  # ¸ cedilla
    "\u00a8": ("\u0308", "aeiouyıAEIOUY"),  # ¨ diaeresis
    "\u02c7": ("\u030c", "cdenrstzCDENRSTZ"),  # ˇ caron
    "`": ("\u0300", "aeiouıAEIOU"),  # OT1 grave comes out as an ASCII backtick
    "^": ("\u0302", "aeiouıAEIOU"),  # ASCII circumflex, for other TeX encodings
}
_ASCII_MARKS = "`^"
_STRONG_MARKS = "".join(m for m in _DIACRITICS if m not in _ASCII_MARKS)


def _compositions() -> dict[tuple[str, str], str]:
    """Map (diacritic, letter) to the single precomposed letter they make, where one exists."""
    table: dict[tuple[str, str], str] = {}
    for mark, (combining, bases) in _DIACRITICS.items():
        for base in bases:
            # TeX puts accents over a dotless i; the accented letter is the usual one.
            letter = "i" if base == "ı" else base
            composed = unicodedata.normalize("NFC", letter + combining)
            if len(composed) == 1:
                table[(mark, base)] = composed
    return table


_COMPOSED = _compositions()
_BASES = re.escape("".join(sorted({base for _, base in _COMPOSED})))
_ALL = re.escape("".join(_DIACRITICS))
_STRONG = re.escape(_STRONG_MARKS)
_LETTER = r"[^\W\d_]"

_STRONG_BEFORE = re.compile(f"([{_STRONG}])([{_BASES}])")
_ANY_BEFORE = re.compile(f"([{_ALL}])([{_BASES}])")
_AFTER = re.compile(f"([{_BASES}])([{_STRONG}])(?!{_LETTER})")
_ACROSS_SPACE = re.compile(f"(?<={_LETTER})([{_STRONG}]) ([{_BASES}])")
# Accented Latin letters, leaving out the dotless ı that OT1 accents sit on.
_PRECOMPOSED = re.compile("[À-ÖØ-öø-ÿĀ-İĲ-ž]")

_LIGATURES = re.compile("[\ufb00-\ufb06]")
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_DROP = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"  # control characters except \t and \n
    "\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"  # invisible, bidi
    "\ue000-\uf8ff]"  # private use: bracket pieces from math fonts, icon glyphs
)
_ODD_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUNS = re.compile("[ \t]+")
# "evolu-\nção" is one word cut by hyphenation; "Lotka-\nVolterra" keeps its hyphen.
_HYPHENATED = re.compile(f"(?<={_LETTER})-\n(?=[a-zß-öø-ÿ])")
_HYPHEN_AT_BREAK = re.compile(f"(?<={_LETTER})-\n(?=\\S)")
_PARAGRAPH_BREAK = re.compile("\n{2,}")
# A line starting with a bullet begins a list item, not the rest of the previous line.
_SOFT_BREAK = re.compile("\n(?![-*+•▪◦●○■‣–] )")
_EXTRA_BLANK_LINES = re.compile("\n{3,}")


def _compose_before(match: re.Match[str]) -> str:
    return _COMPOSED.get((match[1], match[2]), match[0])


def _compose_after(match: re.Match[str]) -> str:
    return _COMPOSED.get((match[2], match[1]), match[0])


def _looks_split(text: str) -> bool:
    split = sum(1 for m in _STRONG_BEFORE.finditer(text) if (m[1], m[2]) in _COMPOSED)
    split += sum(1 for m in _AFTER.finditer(text) if (m[2], m[1]) in _COMPOSED)
    split += sum(1 for m in _ACROSS_SPACE.finditer(text) if (m[1], m[2]) in _COMPOSED)
    if not split:
        return False
    return split >= sum(1 for _ in _PRECOMPOSED.finditer(text))


def repair_split_accents(text: str) -> str:
    """Join spacing diacritics to their letters in text that pdfTeX-style PDFs produced."""
    if not _looks_split(text):
        return text
    text = _ANY_BEFORE.sub(_compose_before, text)
    text = _AFTER.sub(_compose_after, text)
    # Only a diacritic that could not join the letter before it may join across a space.
    return _ACROSS_SPACE.sub(_compose_before, text)


def normalize_text(text: str, *, reflow: bool = True) -> str:
    """Return clean NFC text; with `reflow`, one line per paragraph and "\\n\\n" between."""
    if not text:
        return ""
    text = _LINE_BREAKS.sub("\n", text)
    text = _DROP.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m[0]), text)
    text = repair_split_accents(text)
    text = _ODD_SPACES.sub(" ", text)
    if not reflow:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
        return _EXTRA_BLANK_LINES.sub("\n\n", text).strip()
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _HYPHEN_AT_BREAK.sub("-", _HYPHENATED.sub("", text))
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(text):
        paragraph = _SPACE_RUNS.sub(" ", _SOFT_BREAK.sub(" ", block)).strip()
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


# Frequent words of one language that are rare in the other ("a", "as", "no" are both).
_PT_WORDS = frozenset(
    {
        "o",
        "e",
        "de",
        "do",
        "da",
        "dos",
        "das",
        "que",
        "não",
        "em",
        "um",
        "uma",
        "uns",
        "umas",
        "para",
        "pelo",
        "pela",
        "pelos",
        "pelas",
        "ao",
        "aos",
        "na",
        "nas",
        "nos",
        "é",
        "são",
        "está",
        "estão",
        "foi",
        "ser",
        "ter",
        "tem",
        "também",
        "mais",
        "mas",
        "como",
        "quando",
        "onde",
        "porque",
        "isso",
        "este",
        "esta",
        "esse",
        "essa",
        "entre",
        "sobre",
        "após",
        "até",
        "seu",
        "sua",
        "seus",
        "suas",
        "ele",
        "ela",
        "eles",
        "elas",
        "você",
        "muito",
        "já",
        "ou",
        "pode",
        "podem",
        "qual",
        "quais",
    }
)
_EN_WORDS = frozenset(
    {
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "for",
        "with",
        "on",
        "by",
        "from",
        "at",
        "which",
        "not",
        "but",
        "have",
        "has",
        "had",
        "you",
        "we",
        "they",
        "their",
        "there",
        "what",
        "when",
        "where",
        "how",
        "why",
        "can",
        "will",
        "would",
        "should",
        "an",
        "or",
        "if",
        "than",
        "then",
        "also",
        "into",
        "about",
        "does",
    }
)
_WORDS = re.compile(r"[^\W\d_]+")
_SAMPLE_CHARS = 20_000


def detect_language(text: str) -> str:
    """Return "pt" or "en" for `text` by counting common words; "en" when unsure."""
    pt = en = 0
    for word in _WORDS.findall(text[:_SAMPLE_CHARS].lower()):
        if word in _PT_WORDS or any(c in word for c in "ãõç"):
            pt += 1
        elif word in _EN_WORDS:
            en += 1
    return "pt" if pt > en else "en"
