"""Build quizzes, flashcards and study guides from the material alone, without a language model.

- Quiz: cloze questions. Each document's key phrases come from YAKE over its well-formed
  sentences (`study.keyterms`); a question blanks a key phrase in one sentence and offers it
  with three other key phrases of the same document, of the same shape, as choices.
- Cards: term → definition, from definition patterns in Portuguese and English ("X é um …",
  "X refers to …", "define-se X como …", glossary lines "term: Definition.", **bold** terms).
- Guide: per document, its headings in order (table of contents, numbered, markdown and
  title-like lines), or sections of consecutive pages when it has none; each topic summarised
  by its one or two most central sentences.

Every draft quotes an exact substring of its passage's text. The output depends only on the
input (and the quiz's `seed`), never on the run.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from chatgepeto.retrieval.lexical import STOPWORDS, fold
from chatgepeto.study.drafts import CardDraft, Passage, Progress, QuizDraft, TopicDraft
from chatgepeto.study.keyterms import (
    GLOSSARY_ENTRY,
    Document,
    KeyTerm,
    Span,
    clean,
    find_term,
    folded,
    group_documents,
    headings,
    key_terms,
    paragraph_bounds,
    sentence_bounds,
    sentences,
    stems,
)

BLANK = "_____"
_OPENERS = '"“‘(['
_NUMBER = re.compile(r"^[\d.,%]+$")


def _report(on_progress: Progress | None, share: float) -> None:
    if on_progress is not None:
        on_progress(min(1.0, max(0.0, share)))


def _rng(*parts: object) -> random.Random:
    # hashlib, not hash(): the same seed must give the same quiz in every process.
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _where(passage: Passage, language: str) -> str:
    if language == "pt":
        return f"página {passage.page} de {passage.filename}" if passage.page else passage.filename
    return f"page {passage.page} of {passage.filename}" if passage.page else passage.filename


# --- quiz ----------------------------------------------------------------------------------


@dataclass
class _Cloze:
    span: Span
    start: int  # of the answer, in span.text
    end: int
    distractors: list[str]
    score: float
    term: KeyTerm
    terms: Sequence[KeyTerm]  # the document's, shared
    language: str

    @property
    def answer(self) -> str:
        return self.span.text[self.start : self.end]


def build_quiz(
    passages: Sequence[Passage],
    count: int,
    *,
    seed: str = "",
    context: Sequence[Passage] = (),
    on_progress: Progress | None = None,
) -> list[QuizDraft]:
    """Up to `count` cloze questions spread over the documents and pages of `passages`.

    `context`: the whole documents a page range was taken from. Their key terms are the
    answers and distractors to choose from (a few pages alone hold too few terms to offer three
    plausible wrong choices); the questions still come from `passages` only.
    """
    if count <= 0 or not passages:
        return []
    documents = group_documents(passages)
    wider = {doc.document_id: doc for doc in group_documents(context)} if context else {}
    _report(on_progress, 0.2)
    per_doc: list[list[_Cloze]] = []
    for k, doc in enumerate(documents):
        per_doc.append(_clozes(doc, wider.get(doc.document_id)))
        _report(on_progress, 0.2 + 0.7 * (k + 1) / len(documents))
    shares = _allocate(count, [len(c) for c in per_doc])
    drafts = []
    for doc, candidates, share in zip(documents, per_doc, shares, strict=True):
        # Distractors chosen again, in order, so that one quiz does not offer the same few
        # terms in every question.
        used: Counter[str] = Counter()
        for cloze in _spread(candidates, share, seed):
            again = _distractors(
                cloze.answer, cloze.term, cloze.terms, cloze.span.text, cloze.language, used
            )
            cloze.distractors = again if len(again) == 3 else cloze.distractors
            used.update(fold(d) for d in cloze.distractors)
            drafts.append(_quiz_draft(cloze, doc, seed))
    _report(on_progress, 1.0)
    return drafts


def _clozes(doc: Document, wider: Document | None = None) -> list[_Cloze]:
    vocabulary = wider or doc
    terms = _glossary_terms(vocabulary) + key_terms(vocabulary.sentences, vocabulary.language)
    if len(terms) < 4:
        return []
    rank = {t.text: r for r, t in enumerate(terms)}
    result = []
    by_text = {fold(t.text): t for t in terms}
    for span in doc.sentences:
        text = span.text
        entry = GLOSSARY_ENTRY.match(text)
        # A glossary entry asks for its own term, from its definition.
        own = by_text.get(fold(entry["term"])) if entry else None
        for term in [own] if own else terms:
            match = find_term(text, term.text)
            if match is None:
                continue
            answer = text[match.start() : match.end()]
            if _cuts_a_name(text, match.start(), match.end()):
                continue
            if _refers_back(text, match.start()):
                continue
            if _head_of_a_longer_term(text, match, term, terms):
                continue
            if find_term(text[: match.start()] + " " + text[match.end() :], term.text):
                continue  # written again in the sentence, it would give itself away
            rest = len(span.flat) - len(answer)
            # The blank must leave enough of the sentence to answer from.
            if rest < 35 or len(answer) > 0.4 * len(span.flat):
                continue
            distractors = _distractors(answer, term, terms, text, doc.language)
            if len(distractors) < 3:
                continue
            # Key terms first; a sentence that holds several key terms says more about them.
            others = sum(1 for t in terms[:40] if t is not term and find_term(text, t.text))
            score = 1.0 / (1 + rank[term.text]) ** 0.5 * (1 + 0.15 * min(others, 3))
            # A phrase of two or three words is more often the point of its sentence.
            score *= 1.3 if " " in answer else 1.0
            result.append(
                _Cloze(
                    span,
                    match.start(),
                    match.end(),
                    distractors,
                    score,
                    term,
                    terms,
                    doc.language,
                )
            )
            break
    return result


# "Hint: …", "Nota: …" look like glossary entries but label a remark.
_LABELS = frozenset(
    fold(w)
    for w in str.split(
        "hint note notes tip warning example examples exercise exercises solution answer "
        "question remark caution important summary dica nota notas observação obs exemplo "
        "exemplos exercício exercícios solução resposta pergunta atenção importante resumo "
        "cuidado lembrete true false prose poetry"
    )
)


# "tal ___", "esse ___", "such ___": the blank is what an earlier sentence named, and the
# sentence alone cannot tell it ("Podemos modelar tal _____ como uma tarefa de otimização").
_POINTERS = frozenset(
    str.split(
        "tal tais este esta estes estas esse essa esses essas aquele aquela aqueles aquelas "
        "mesmo mesma mesmos mesmas such this these those same"
    )
)


def _refers_back(text: str, start: int) -> bool:
    """Whether the word just before the blank points back to another sentence."""
    before = re.findall(r"[^\W\d_]+", text[:start])[-1:]
    return bool(before) and fold(before[0]) in _POINTERS


def _head_of_a_longer_term(
    text: str, match: re.Match[str], term: KeyTerm, terms: Sequence[KeyTerm]
) -> bool:
    """Whether a one-word term is here the head of a longer key term ("função" of "função de
    custo", "algoritmo" of "algoritmo do k-médias"): the longer one is the point, and the
    word alone is a guess between generic nouns."""
    if " " in term.text:
        return False
    for other in terms:
        if " " not in other.text or term.text.lower() not in other.text.lower():
            continue
        longer = find_term(text, other.text)
        if longer is not None and longer.start() <= match.start() < longer.end():
            return True
    return False


def _cuts_a_name(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is part of a longer capitalised name ("classificador de
    Regressão" in "… de Regressão Logística"), or mixes a name into common words."""
    before = re.findall(r"\S+", text[:start])[-1:]
    after = re.findall(r"\S+", text[end:])[:1]
    words = text[start:end].split()
    if words[-1][:1].isupper() and after and after[0][:1].isupper():
        return True
    if (
        words[0][:1].isupper()
        and before
        and before[0][:1].isupper()
        and before[0][-1] not in ".:!?"
    ):
        return True
    capitals = {w[:1].isupper() for w in words if fold(w) not in STOPWORDS}
    return len(capitals) > 1 and not (len(words) > 1 and words[0][:1].isupper() and start == 0)


def _glossary_terms(doc: Document) -> list[KeyTerm]:
    """The terms a glossary defines ("term: Definition."), keyer than any phrase found."""
    seen: set[str] = set()
    terms = []
    for span in doc.sentences:
        match = GLOSSARY_ENTRY.match(span.flat)
        if not match or fold(match["term"]) in _LABELS:
            continue
        if 1 <= len(match["term"].split()) <= 4 and fold(match["term"]) not in seen:
            seen.add(fold(match["term"]))
            terms.append(KeyTerm(match["term"], 1e6))
    return terms if len(terms) >= 4 else []


def _plural(text: str) -> bool:
    # Portuguese and English plurals end in "s" ("seleções", "matrizes", "values"); the
    # first word of a phrase carries it ("matrizes de covariância", "values of x").
    return text.split()[0].lower().endswith("s")


def _style(text: str) -> str:
    if _NUMBER.match(text):
        return "number"
    if text.isupper():
        return "upper"
    if text[:1].isupper():
        return "capital"
    return "lower"


def _distractors(
    answer: str,
    term: KeyTerm,
    terms: Sequence[KeyTerm],
    sentence: str,
    language: str,
    used: Counter[str] | None = None,
) -> list[str]:
    """Three other key terms shaped like `answer`: same kind (number or words), about as
    many words and letters, none a variant of the answer or of each other, none already in
    the sentence."""
    answer_style = _style(answer)
    # A capital that only starts the sentence says nothing of the term.
    sentence_start = sentence.lstrip(_OPENERS).startswith(answer)
    if sentence_start and answer_style == "capital" and term.text[:1].islower():
        answer_style = "lower"
    answer_words = len(answer.split())
    answer_stems = stems(answer, language)
    own_rank = next((r for r, t in enumerate(terms) if t is term), 0)
    sentence_stems = stems(sentence, language)
    scored = []
    for r, other in enumerate(terms):
        if other is term:
            continue
        candidate = other.text
        style = _style(candidate)
        if (style == "number") != (answer_style == "number"):
            continue
        other_stems = stems(candidate, language)
        if not other_stems or other_stems <= answer_stems or answer_stems <= other_stems:
            continue
        if folded(candidate) in folded(answer) or folded(answer) in folded(candidate):
            continue
        if find_term(sentence, candidate) or other_stems <= sentence_stems:
            continue  # written in the sentence, in some form: it cannot be the blank
        if style != answer_style and "capital" in (style, answer_style):
            continue  # a name among common nouns gives itself away
        if answer_style == "capital" and len(candidate.split()) != answer_words:
            continue  # "Russel _____": a surname, not a two-word concept
        if style == "lower" and _plural(candidate) != _plural(answer):
            continue  # "os _____ amostrados" takes a plural
        if sentence_start and answer[:1].isupper() and candidate[:1].islower():
            candidate = candidate[0].upper() + candidate[1:]
        shape = abs(len(candidate.split()) - answer_words) * 1.5
        shape += abs(len(candidate) - len(answer)) / max(len(candidate), len(answer))
        shape += 0.0 if style == answer_style else 1.0
        # Ties go to terms ranked near the answer: as key as it, or (in a glossary) defined
        # near it, rather than always the same first few.
        shape += abs(r - own_rank) / 200
        if used:
            shape += 0.3 * used[fold(candidate)]  # a choice offered before, less again
        scored.append((shape, candidate, other_stems))
    scored.sort(key=lambda s: s[0])
    chosen: list[str] = []
    chosen_stems: list[frozenset[str]] = []
    for shape, candidate, other_stems in scored:
        if shape > 3:
            break
        if any(other_stems & s for s in chosen_stems):
            continue
        chosen.append(candidate)
        chosen_stems.append(other_stems)
        if len(chosen) == 3:
            break
    return chosen


def _allocate(count: int, sizes: Sequence[int]) -> list[int]:
    """Split `count` over documents in proportion to what each can give, one each first."""
    shares = [0] * len(sizes)
    total = sum(sizes)
    if not total:
        return shares
    left = min(count, total)
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        if left and sizes[i]:
            shares[i] = 1
            left -= 1
    while left:
        # The document furthest below its proportional share gets the next question.
        i = max(
            (i for i in range(len(sizes)) if shares[i] < sizes[i]),
            key=lambda i: sizes[i] / total - shares[i] / count,
        )
        shares[i] += 1
        left -= 1
    return shares


def _spread(candidates: list[_Cloze], n: int, seed: str) -> list[_Cloze]:
    """`n` candidates from evenly sized runs of the document, none on a sentence or answer
    already used, in reading order; the seed picks among each run's best."""
    if n <= 0 or not candidates:
        return []
    strata = [
        candidates[len(candidates) * k // n : len(candidates) * (k + 1) // n] for k in range(n)
    ]
    chosen: list[_Cloze] = []
    used_answers: set[frozenset[str]] = set()
    used_sentences: set[tuple[str, int]] = set()

    def usable(c: _Cloze) -> bool:
        key = stems(c.answer, c.span.passage.language)
        return (
            key not in used_answers
            and (c.span.passage.chunk_id, c.span.start) not in used_sentences
        )

    def take(c: _Cloze) -> None:
        chosen.append(c)
        used_answers.add(stems(c.answer, c.span.passage.language))
        used_sentences.add((c.span.passage.chunk_id, c.span.start))

    for k, stratum in enumerate(strata):
        pool = sorted((c for c in stratum if usable(c)), key=lambda c: -c.score)
        if not pool:
            continue
        best = [c for c in pool if c.score >= 0.8 * pool[0].score][:3]
        take(_rng(seed, "pick", k).choice(best))
    # Runs that gave nothing: fill with the best left anywhere.
    for c in sorted(candidates, key=lambda c: -c.score):
        if len(chosen) >= n:
            break
        if usable(c):
            take(c)
    order = {id(c): i for i, c in enumerate(candidates)}
    return sorted(chosen, key=lambda c: order[id(c)])


def _quiz_draft(cloze: _Cloze, doc: Document, seed: str) -> QuizDraft:
    span = cloze.span
    text = span.text
    language = span.passage.language if span.passage.language in ("pt", "en") else doc.language
    blanked = clean(text[: cloze.start] + BLANK + text[cloze.end :])
    answer = cloze.answer
    choices = [answer, *cloze.distractors]
    _rng(seed, span.passage.chunk_id, span.start).shuffle(choices)
    if language == "pt":
        question = f"Complete a frase: {blanked}"
        explanation = f'Resposta: "{answer}". Na {_where(span.passage, "pt")}: "{span.flat}"'
    else:
        question = f"Fill in the blank: {blanked}"
        explanation = f'Answer: "{answer}". On {_where(span.passage, "en")}: "{span.flat}"'
    return QuizDraft(
        kind="cloze",
        question=question,
        answer=answer,
        explanation=explanation,
        passage=span.passage,
        quote=text,
        choices=choices,
    )


# --- cards ---------------------------------------------------------------------------------

_TERM = r"[^\W\d_][\w'’/-]*(?:[ -][\w'’/()-]+){0,5}"
_ARTICLE_PT = r"(?:(?:O|A|Os|As|Um|Uma)\s+)?"
_ARTICLE_EN = r"(?:(?:The|A|An)\s+)?"
_DEF_START_PT = r"(?=(?:um|uma|o|a|os|as|aquele|aquela|qualquer|cada|toda|todo)\s)"
_DEF_START_EN = r"(?=(?:a|an|the|any|one|each|every)\s)"
_PT_LINKS = (
    "significa|denota|consiste em|refere-se (?:a|à|ao|aos|às)|"
    "é definid[ao] como|são definid[ao]s como"
)
_EN_LINKS = "refers to|means|denotes|is defined as|are defined as|consists of|stands for"


def _pattern(regex: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(regex.replace("TERM", f"(?P<term>{_TERM})"), flags)


# (regex, strength): the term in group "term", the definition in group "definition".
_PATTERNS: dict[str, list[tuple[re.Pattern[str], float]]] = {
    "pt": [
        (_pattern(r"^define-se (?:como )?TERM como (?P<definition>.+)$", re.I), 3),
        (_pattern(rf"^{_ARTICLE_PT}TERM (?:{_PT_LINKS}) (?P<definition>.+)$"), 3),
        (
            _pattern(
                r"^chamamos (?:de )?TERM (?P<definition>(?:a|o|as|os|um|uma|ao|à|aos|às) .+)$",
                re.I,
            ),
            2.5,
        ),
        (_pattern(rf"^{_ARTICLE_PT}TERM,? (?:é|são) {_DEF_START_PT}(?P<definition>.+)$"), 2),
    ],
    "en": [
        (_pattern(rf"^{_ARTICLE_EN}TERM (?:{_EN_LINKS}) (?P<definition>.+)$"), 3),
        (_pattern(r"^we (?:call|define) TERM (?:as )?(?P<definition>(?:a|an|the) .+)$", re.I), 2.5),
        (_pattern(rf"^{_ARTICLE_EN}TERM,? (?:is|are) {_DEF_START_EN}(?P<definition>.+)$"), 2),
    ],
}
_BOLD = re.compile(r"\*\*(?P<term>[^*\n]{2,60})\*\*\s*(?:[:—–-]\s*|\s(?=(?:is|are|é|são)\s))")
# Subjects that are no term: pronouns, demonstratives, question words.
_NOT_TERMS = frozenset(
    fold(w)
    for w in str.split(
        "isso isto este esta esse essa estes estas esses essas ele ela eles elas aquilo "
        "nós você vocês que qual quais quem onde quando como tudo nada cada todo toda todos "
        "todas qualquer outro outra outros outras mais menos muito muita seu sua it this that "
        "these those they we you he she there here what which who where when how all each "
        "one another other more most some any its their our"
    )
)
# Nouns too vague to be a card's whole term ("O problema é um …").
_VAGUE = frozenset(
    fold(w)
    for w in str.split(
        "exemplo example nota note resultado result problema problem objetivo goal ideia "
        "idea forma way parte part caso case ponto point"
    )
)
_TERM_LINKS = frozenset(
    fold(w) for w in str.split("de da do das dos e em à ao um uma of the and for in on to a an")
)
# "… , o qual é chamado de função hipótese." names a term at its end.
_NAMED: dict[str, re.Pattern[str]] = {
    "pt": _pattern(
        r"^(?P<definition>.{10,}?),? (?:(?:o|a) qual |que )?(?:é|são) (?:\w+mente )?"
        r"(?:chamad|denominad|conhecid)[oa]s? (?:de |como )?TERM(?:[.!]$|,? (?:o|a) qual|,? que)"
    ),
    "en": _pattern(
        r"^(?P<definition>.{10,}?),? (?:which )?(?:is|are) (?:\w+ly )?(?:called|known as) "
        r"TERM(?:[.!]$|,? which|,? that)"
    ),
}
# Connectives before a definition ("Portanto, X é …") are no part of its subject.
_CONNECTIVE = re.compile(
    r"^(?:novamente|portanto|assim|basicamente|então|logo|ou seja|isto é|note que|"
    r"therefore|thus|hence|basically|again|note that|that is),?\s+(?=\w)",
    re.IGNORECASE,
)


@dataclass
class _Card:
    term: str
    definition: str
    passage: Passage
    quote: str
    strength: float
    position: tuple[int, ...]  # (document, passage, offset): reading order


def build_cards(
    passages: Sequence[Passage],
    count: int,
    *,
    on_progress: Progress | None = None,
) -> list[CardDraft]:
    """Up to `count` term → definition cards, one per term, spread over the material."""
    if count <= 0 or not passages:
        return []
    documents = group_documents(passages)
    _report(on_progress, 0.3)
    found: list[_Card] = []
    seen: set[str] = set()
    for d, doc in enumerate(documents):
        for i, passage in enumerate(doc.passages):
            if i in doc.skipped:
                continue
            for card in _passage_cards(passage, doc, (d, i)):
                key = _term_key(card.term)
                if key and key not in seen:
                    seen.add(key)
                    found.append(card)
        _report(on_progress, 0.3 + 0.6 * (d + 1) / len(documents))
    if len(found) > count:
        # The strongest patterns first, then an even spread over the rest.
        found = _strongest_spread(found, count)
    found.sort(key=lambda c: c.position)
    _report(on_progress, 1.0)
    return [CardDraft(c.term, c.definition, c.passage, c.quote) for c in found]


def _strongest_spread(cards: list[_Card], count: int) -> list[_Card]:
    """`count` cards: the strongest patterns first, each strength spread evenly over the
    material when it has more cards than room."""
    picked: list[_Card] = []
    for strength in sorted({c.strength for c in cards}, reverse=True):
        tier = sorted((c for c in cards if c.strength == strength), key=lambda c: c.position)
        room = count - len(picked)
        if room <= 0:
            break
        if len(tier) > room:
            tier = [tier[len(tier) * k // room] for k in range(room)]
        picked.extend(tier)
    return picked


def _term_key(term: str) -> str:
    return " ".join(re.findall(r"\w+", fold(term)))


def _passage_cards(passage: Passage, doc: Document, where: tuple[int, int]) -> list[_Card]:
    text = passage.text
    language = passage.language if passage.language in _PATTERNS else doc.language
    cards: list[_Card] = []
    covered: list[tuple[int, int]] = []
    for start, end in paragraph_bounds(text):
        if passage.page is not None:
            lead = re.match(rf"{passage.page}\s+(?=\S)", text[start:end])
            start += lead.end() if lead else 0
        cards.extend(_glossary_cards(passage, start, end, where, covered))
        cards.extend(_bold_cards(passage, start, end, where, covered))
    overlap = doc.overlap.get(where[1], 0)
    for s, e in sentence_bounds(text):
        if s < overlap or any(a <= s < b for a, b in covered):
            continue  # read in the passage before, or already a glossary or bold card
        sentence = clean(text[s:e])
        if not 25 <= len(sentence) <= 400 or sentence[-1] not in ".!?":
            continue
        if not sentence[:1].isupper():
            continue  # a sentence cut by the chunk's start: its subject may be missing
        card = None
        lead = _CONNECTIVE.match(sentence)
        core = sentence[lead.end() :] if lead else sentence
        core = core[0].upper() + core[1:]
        for pattern, strength in _PATTERNS[language]:
            match = pattern.match(core)
            if match is not None:
                card = _card(match["term"], match["definition"], passage, text[s:e], strength)
                if card is not None:
                    break
        named = _NAMED[language].match(core) if card is None else None
        if named is not None:
            # The sentence describes the term it ends on: the back is the whole sentence.
            card = _card(named["term"], sentence, passage, text[s:e], 1.5)
        if card is not None:
            card.position = (*where, s)
            cards.append(card)
    return cards


def _glossary_cards(
    passage: Passage, start: int, end: int, where: tuple[int, int], covered: list
) -> list[_Card]:
    text = passage.text
    paragraph = text[start:end]
    entries = list(GLOSSARY_ENTRY.finditer(paragraph))
    cards = []
    for k, entry in enumerate(entries):
        stop = entries[k + 1].start() if k + 1 < len(entries) else len(paragraph)
        chunk = paragraph[entry.start() : stop].rstrip()
        definition = chunk[entry.end() - entry.start() :]
        if fold(entry["term"].strip()) in _LABELS:
            continue  # "Hint: …" is a remark, not an entry
        # A glossary's definition may be a phrase without a full stop; it is still one line.
        card = _card(entry["term"], definition, passage, chunk, 3.5, need_sentence=False)
        if card is not None:
            card.position = (*where, start + entry.start())
            cards.append(card)
            covered.append((start + entry.start(), start + stop))
    return cards


def _bold_cards(
    passage: Passage, start: int, end: int, where: tuple[int, int], covered: list
) -> list[_Card]:
    paragraph = passage.text[start:end]
    cards = []
    for match in _BOLD.finditer(paragraph):
        rest = paragraph[match.end() :]
        bounds = sentence_bounds(rest)
        if not bounds:
            continue
        definition = rest[: bounds[0][1]]
        quote = paragraph[match.start() : match.end() + bounds[0][1]]
        card = _card(match["term"], definition, passage, quote, 3.5)
        if card is not None:
            card.position = (*where, start + match.start())
            cards.append(card)
            covered.append((start + match.start(), start + match.end() + bounds[0][1]))
    return cards


def _card(
    term: str,
    definition: str,
    passage: Passage,
    quote: str,
    strength: float,
    *,
    need_sentence: bool = True,
) -> _Card | None:
    term = clean(term).strip(" ,;:*_\"“”'")
    definition = clean(definition).strip(" *_")
    words = re.findall(r"\w+", term)
    if not 1 <= len(words) <= 6 or len(term) > 60 or fold(words[0]) in _NOT_TERMS:
        return None
    if fold(words[0]) in _VAGUE or any(c.isdigit() for c in term):
        return None
    # A term is a noun phrase: content words and linking words, no clause ("… para que").
    if any(fold(w) in STOPWORDS and fold(w) not in _TERM_LINKS for w in words):
        return None
    if fold(words[0]) in _TERM_LINKS or fold(words[-1]) in _TERM_LINKS:
        return None
    def_words = re.findall(r"\w+", definition)
    if len(def_words) < 3 or len(definition) > 400:
        return None
    if fold(def_words[1]) in STOPWORDS and fold(def_words[0]) in _TERM_LINKS:
        return None  # "… é a do cosseno …": an article before a preposition names nothing
    if need_sentence and definition[-1] not in ".!?":
        return None
    if fold(definition).startswith(fold(term)):
        return None
    if re.search(r"[=∑√←∂∈{}|]", definition):
        return None
    # A run of names (a title page, an address) is no definition.
    if sum(w[:1].isupper() for w in def_words[1:]) > 0.4 * len(def_words):
        return None
    definition = definition[0].upper() + definition[1:]
    if definition[-1] not in ".!?)":
        definition += "."
    return _Card(term, definition, passage, quote, strength, ())


# --- guide ---------------------------------------------------------------------------------


@dataclass
class _Section:
    title: str
    spans: list[Span]
    size: int
    level: int = 1


def build_guide(
    passages: Sequence[Passage],
    *,
    max_topics: int = 12,
    on_progress: Progress | None = None,
) -> list[TopicDraft]:
    """Per document in order, its main topics in order, each with a short summary."""
    if max_topics <= 0 or not passages:
        return []
    documents = [d for d in group_documents(passages) if d.sentences]
    _report(on_progress, 0.3)
    budgets = _allocate(max_topics, [len(d.passages) for d in documents])
    topics: list[TopicDraft] = []
    for k, (doc, budget) in enumerate(zip(documents, budgets, strict=True)):
        if budget:
            sections = _heading_sections(doc) or _page_sections(doc, budget)
            for section in _merge(sections, budget):
                topic = _topic(section, doc)
                if topic is not None:
                    topics.append(topic)
        _report(on_progress, 0.3 + 0.7 * (k + 1) / len(documents))
    return topics[:max_topics]


def _heading_sections(doc: Document) -> list[_Section]:
    found = headings(doc)
    pages = {p.page for p in doc.passages}
    # One heading in a long document is more likely a stray line than its structure.
    if not found or (len(found) < 2 and len(pages) > 3):
        return []
    index = {p.chunk_id: i for i, p in enumerate(doc.passages)}
    sections = [_Section(h.title, [], 0, h.level) for h in found]
    positions = [(h.passage_index, h.start) for h in found]
    for span in doc.sentences:
        where = (index[span.passage.chunk_id], span.start)
        k = _last_at_or_before(positions, where)
        if k >= 0:
            sections[k].spans.append(span)
            sections[k].size += len(span.flat)
    return sections


def _last_at_or_before(positions: list[tuple[int, int]], where: tuple[int, int]) -> int:
    k = -1
    for j, position in enumerate(positions):
        if position <= where:
            k = j
        else:
            break
    return k


def _page_sections(doc: Document, budget: int) -> list[_Section]:
    """Runs of consecutive pages, titled by their top key phrase, for a document without
    headings."""
    pages = sorted({s.passage.page or 0 for s in doc.sentences})
    n = max(1, min(budget, len(pages)))
    sections = []
    for k in range(n):
        group = set(pages[len(pages) * k // n : len(pages) * (k + 1) // n])
        spans = [s for s in doc.sentences if (s.passage.page or 0) in group]
        if not spans:
            continue
        terms = key_terms(spans, doc.language, top=1)
        title = terms[0].text if terms else doc.passages[0].filename.rsplit(".", 1)[0]
        title = title[0].upper() + title[1:]
        sections.append(_Section(title, spans, sum(len(s.flat) for s in spans)))
    return sections


def _merge(sections: list[_Section], budget: int) -> list[_Section]:
    """At most `budget` sections, in order. A heading with no text of its own ("2 Regressão"
    right before "2.1 …") names the section after it; then subsections go into the section
    before them, smallest first, and peers that must share a topic share its title."""
    kept: list[_Section] = []
    pending: _Section | None = None
    for section in sections:
        if pending is not None and pending.level <= section.level:
            section = _Section(pending.title, section.spans, section.size, pending.level)
        pending = None
        if section.spans:
            kept.append(section)
        else:
            pending = section
    sections = kept
    while len(sections) > budget:
        k = min(range(len(sections)), key=lambda i: (-sections[i].level, sections[i].size, -i))
        a, b = (k - 1, k) if k > 0 else (0, 1)
        first, second = sections[a], sections[b]
        title = first.title
        if second.level <= first.level and "; " not in title:
            title = f"{first.title}; {second.title}"
        sections[a : b + 1] = [
            _Section(title, first.spans + second.spans, first.size + second.size, first.level)
        ]
    return sections


def _topic(section: _Section, doc: Document) -> TopicDraft | None:
    picked = _central(section.spans, doc)
    if not picked:
        return None
    summary = " ".join(s.flat for s in picked)
    return TopicDraft(
        title=section.title, summary=summary, sources=[(s.passage, s.text) for s in picked]
    )


def _central(spans: list[Span], doc: Document, limit: int = 300) -> list[Span]:
    """The one or two sentences nearest the section's centre of terms, in reading order."""
    language = doc.language
    bags = [Counter(stems(s.flat, language)) for s in spans]
    section_tf: Counter[str] = Counter()
    for bag in bags:
        section_tf.update(bag)
    df = _document_frequencies(doc)
    total = max(1, len(doc.sentences))

    def weight(term: str) -> float:
        return section_tf[term] * math.log(1 + total / (1 + df.get(term, 0)))

    scored = []
    for k, bag in enumerate(bags):
        if not bag:
            continue
        score = sum(weight(t) for t in bag) / math.sqrt(len(bag))
        # Early sentences of a section tend to introduce it.
        score *= 1.0 + 0.3 / (1 + k)
        scored.append((score, k))
    scored.sort(key=lambda s: (-s[0], s[1]))
    if not scored:
        return []
    chosen = [scored[0][1]]
    for _, k in scored[1:]:
        if len(spans[chosen[0]].flat) + 1 + len(spans[k].flat) <= limit:
            chosen.append(k)
            break
    return [spans[k] for k in sorted(chosen)]


def _document_frequencies(doc: Document) -> dict[str, int]:
    cached = getattr(doc, "_df", None)
    if cached is None:
        counts: Counter[str] = Counter()
        for span in doc.sentences:
            counts.update(stems(span.flat, doc.language))
        cached = dict(counts)
        doc._df = cached  # type: ignore[attr-defined]
    return cached


__all__ = ["BLANK", "build_cards", "build_guide", "build_quiz", "sentences"]
