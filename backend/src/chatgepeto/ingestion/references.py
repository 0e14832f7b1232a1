"""Tell a reference list (a bibliography) from prose, and a question that asks for one.

A bibliography names the topics of a whole course in its titles, so it resembles many
questions and answers none of them: the BIO312 handout's two bibliography pages, whose
titles are English, were the first passage for 10 of the 172 course questions (most of them
English questions about that Portuguese handout; docs/benchmarks.md, issue 14). Ingestion
flags the chunks that read as a reference list (`Chunk.reference_list`), and retrieval puts
them after every other passage, or first when the question asks for references.

A reference list is told by its entries, not by a heading (a chunk in the middle of one has
none): several "Surname, I." authors or numbered "[12]" entries, and as many years, densely.
Prose that cites ("(Lande and Arnold 1983; Porto et al. 2009)") has years but no such
authors; a scientific abstract has neither densely (none of SciFact's 5,183 is flagged).
"""

from __future__ import annotations

import re

from chatgepeto.retrieval.lexical import fold

# "Lande, R." "Marroig, G." "Han, J.-D. J." "Oliveira, F. B." — a surname, a comma, initials.
_AUTHOR = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿA-ZÀ-Ý'’-]+,\s(?:[A-Z]\.\s?-?){1,3}")
# "[12] " at an entry's start: numbered styles (IEEE, ABNT numérico, Vancouver).
_NUMBERED = re.compile(r"(?:^|\s)\[\d{1,3}\]\s")
# A year of publication: 1600–2099, maybe with a letter ("2005a"), not part of a longer
# number, a decimal or a page range ("37:1210", "3.1990").
_YEAR = re.compile(r"(?<![\d.,:])(?:1[6-9]|20)\d{2}[a-z]?(?!\d)")
# Entries and years, each at least this many, and at least this many per 1,000 characters.
_MIN_ENTRIES = 3
_MIN_PER_1000_CHARACTERS = 3.0

# Words by which a question asks for the references themselves (folded: no accents).
_ASKS_FOR_REFERENCES = re.compile(
    r"\b(?:referenc\w*|bibliogra\w*|citad\w*|citac\w*|citation\w*|cited|cites?|cita)\b"
)


def is_reference_list(text: str) -> bool:
    """Whether a passage reads as entries of a reference list rather than prose."""
    entries = len(_AUTHOR.findall(text)) + len(_NUMBERED.findall(text))
    years = len(_YEAR.findall(text))
    evidence = min(entries, years)
    return evidence >= _MIN_ENTRIES and 1000 * evidence / max(len(text), 1) >= (
        _MIN_PER_1000_CHARACTERS
    )


def asks_for_references(question: str) -> bool:
    """Whether a question asks for references, a bibliography or what a text cites."""
    return bool(_ASKS_FOR_REFERENCES.search(fold(question)))
