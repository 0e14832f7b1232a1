"""Marking a student's answer to a quiz question."""

from __future__ import annotations

import re

from chatgepeto.retrieval.lexical import fold

# Short answers: this share of the expected answer's words must be in the student's.
SHORT_ANSWER_OVERLAP = 0.6
_WORD = re.compile(r"\w+")
_FILLER = {
    "a", "an", "the", "of", "o", "os", "as", "um", "uma", "de", "do", "da", "dos", "das", "e",
    "and", "to", "in", "em", "no", "na", "is", "é",
}  # fmt: skip


def normalise(text: str) -> str:
    """Case, accents, punctuation and spacing do not matter."""
    return " ".join(_WORD.findall(fold(text)))


def is_correct(kind: str, expected: str, given: str) -> bool:
    """A choice must be the right one; a short answer must hold most of the expected words."""
    wanted, got = normalise(expected), normalise(given)
    if not got:
        return False
    if kind != "short" or wanted == got:
        return wanted == got
    words = [w for w in wanted.split() if w not in _FILLER] or wanted.split()
    present = set(got.split())
    return sum(w in present for w in words) / len(words) >= SHORT_ANSWER_OVERLAP
