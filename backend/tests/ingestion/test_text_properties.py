"""Property tests (hypothesis) for the text repair and the chunker: any input, no crash, no
text lost, pages kept.

- `normalize_text` may only drop whitespace, invisible characters and end-of-line hyphens,
  recompose split accents and unfold ligatures: everything else comes out, in order.
- The chunker covers every non-whitespace character of every page with a chunk of that page,
  in order; each chunk is the exact slice of its page it says it is; numbering runs on
  across pages.
"""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatgepeto.ingestion.chunking import Chunker
from chatgepeto.ingestion.loaders import Page
from chatgepeto.ingestion.text import _DIACRITICS, _DROP, normalize_text

# A fixed budget, the same on every run (no example database between runs).
BUDGET = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# What the repairs look at, mixed into arbitrary text so that they do get exercised.
SPECIAL = list(
    "aeiouAEIOUcnCNıáãçé"  # letters accents join
    "´˜ˆ¸¨ˇ`^"  # spacing diacritics (pdfTeX split accents)
    "-–•*.\n\n \t\r\x0b\x0c\x85\u2028\u00a0\u200b\u00ad\ufeff\x00\x07\ue000"
    "ﬁﬂﬀ"  # ligatures
)
TEXT = st.text(
    alphabet=st.one_of(st.sampled_from(SPECIAL), st.characters(codec="utf-8")), max_size=400
)
_MARKS = set(_DIACRITICS)


def _letters(text: str) -> str:
    """What must survive the repair: the text without whitespace, invisible characters,
    hyphens and accents (recomposed ones included), ligatures unfolded."""
    text = _DROP.sub("", text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(
        c
        for c in text
        if not c.isspace()
        and not unicodedata.combining(c)
        and c not in _MARKS
        and c != "-"
        and unicodedata.category(c) != "Cf"
    )


@BUDGET
@given(text=TEXT, reflow=st.booleans())
def test_normalize_text_loses_nothing_but_whitespace_and_invisibles(text, reflow):
    out = normalize_text(text, reflow=reflow)
    assert _letters(out) == _letters(text)
    assert out == out.strip()
    assert "\x00" not in out and "\r" not in out
    assert unicodedata.is_normalized("NFC", out)
    if reflow:
        assert "\n\n\n" not in out and all(p.strip() == p for p in out.split("\n\n"))


@BUDGET
@given(text=TEXT)
def test_normalize_text_twice_is_once(text):
    # Stored text is normalized once; a second pass over a page must change nothing.
    once = normalize_text(text)
    assert _letters(normalize_text(once)) == _letters(once)


PAGES = st.lists(st.tuples(st.one_of(st.none(), st.integers(1, 5000)), TEXT), max_size=6)


def _chunker(size: int, overlap: int) -> Chunker:
    return Chunker(
        document_id="d",
        collection_id="c",
        filename="f.pdf",
        content_sha256="0" * 64,
        chunk_size=size,
        chunk_overlap=overlap,
    )


@BUDGET
@given(
    pages=PAGES,
    size=st.integers(20, 300),
    overlap_share=st.floats(0, 0.9),
    normalized=st.booleans(),
)
def test_chunks_cover_every_page_in_order(pages, size, overlap_share, normalized):
    chunker = _chunker(size, int(size * overlap_share))
    index = 0
    for number, raw in pages:
        page = Page(number=number, text=normalize_text(raw) if normalized else raw)
        chunks = chunker.add(page)
        covered = [False] * len(page.text)
        previous_start = -1
        for chunk in chunks:
            assert chunk.page == page.number
            assert chunk.chunk_index == index
            index += 1
            assert page.text[chunk.start_offset : chunk.end_offset] == chunk.text
            assert chunk.start_offset > previous_start  # in order, never backwards
            previous_start = chunk.start_offset
            assert chunk.text.strip()
            for i in range(chunk.start_offset, chunk.end_offset):
                covered[i] = True
        lost = [
            c for c, seen in zip(page.text, covered, strict=True) if not seen and not c.isspace()
        ]
        assert not lost, f"not in any chunk: {''.join(lost)[:80]!r}"
    assert chunker.count == index


@BUDGET
@given(pages=PAGES)
def test_chunk_ids_are_stable_and_unique(pages):
    first, second = _chunker(200, 30), _chunker(200, 30)
    ids = []
    for number, text in pages:
        a, b = first.add(Page(number, text)), second.add(Page(number, text))
        assert [c.id for c in a] == [c.id for c in b]
        ids += [c.id for c in a]
    assert len(ids) == len(set(ids))
