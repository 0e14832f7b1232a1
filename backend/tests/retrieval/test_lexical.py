import os
import random
import threading
import time

import bm25s
import numpy as np
import pytest

from chatgepeto.retrieval.lexical import (
    Bm25Index,
    LexicalIndexCache,
    analyze,
    analyze_query,
    cognates,
    fold,
    query_words,
)


def test_fold_strips_accents_and_case():
    assert fold("Seleção NATURAL é São Paulo") == "selecao natural e sao paulo"


def test_portuguese_terms_meet_unaccented_questions():
    passage = analyze("As seleções naturais e a evolução das populações", "pt")
    question = analyze_query("selecao natural evolucao populacao")
    assert {"selec", "natur", "evoluca", "popul"} & set(passage)
    assert set(question) & set(passage) >= {t for t in passage if t.startswith(("natur", "popul"))}


def test_stop_words_of_both_languages_are_dropped():
    assert analyze("o que é a de da the of and", "pt") == []
    assert analyze_query("what is the and of") == []


def index_of(texts: dict[str, str], english: set[str]) -> Bm25Index:
    """A BM25 index of `texts` by id, the ids in `english` English, the others Portuguese."""
    return Bm25Index(
        list(texts), [analyze(t, "en" if k in english else "pt") for k, t in texts.items()]
    )


def test_bm25_ranks_the_matching_passage_first():
    texts = {
        "a": "A deriva genética muda frequências alélicas em populações pequenas.",
        "b": "A seleção natural favorece variações vantajosas.",
        "c": "Python lists are mutable sequences.",
    }
    index = index_of(texts, {"c"})
    assert [h.chunk_id for h in index.search(analyze_query("deriva genetica"), 3)] == ["a"]
    assert index.search(analyze_query("mutable lists"), 3)[0].chunk_id == "c"
    assert index.search(analyze_query("xyzzy"), 3) == []
    assert Bm25Index([], []).search(["x"], 3) == []


def test_query_words_group_each_words_terms():
    question = "Seleção natural e seleções: selection, seleção!"
    words = query_words(question)
    # One entry per distinct word (stop words out): its Portuguese and English stems, and the
    # English stem of its English cognate ("selection").
    assert words[0] == frozenset({"seleca", "selecao", "select"})
    assert len(words) == 4
    assert {term for word in words for term in word} == set(analyze_query(question))


def test_a_word_reads_as_its_cognate_in_the_other_language():
    assert cognates("selecao") == ("selection", None)
    assert cognates("selection") == (None, "selecao")
    assert cognates("funcao") == ("function", None)
    assert cognates("variavel")[0] == "variable"
    assert cognates("variability")[1] == "variabilidade"
    assert cognates("genetica")[0] == "genetic"
    assert cognates("dna") == (None, None)
    assert cognates("ia") == (None, None)  # no root left: not a cognate


def test_a_question_finds_material_in_the_other_language_by_its_cognates():
    # BM25 alone, so that only the question's terms can find the passages: a Portuguese
    # question finds the English passage, an English one the Portuguese passage, through the
    # words the two languages share ("variável"/"variable", "seleção"/"selection").
    texts = {
        "en": "Python variables are names; a mutable object can change after it is made.",
        "pt": "A seleção natural age sobre a variabilidade das populações.",
        "other": "Strings hold text and are immutable sequences of characters.",
    }
    index = index_of(texts, {"en", "other"})
    assert top(index, "o que é uma variável mutável?")[0] == "en"
    assert top(index, "natural selection acts on variability")[0] == "pt"
    variable = next(w for w in query_words("variável mutável") if "variavel" in w)
    assert "variabl" in variable  # the English stem of its cognate, for the coverage too


COVERED = {
    "all": "A deriva genética muda frequências alélicas em populações pequenas.",
    "common": "Em populações grandes as frequências mudam pouco.",
    "rare": "A deriva é forte onde o tamanho efetivo é pequeno.",
    "none": "Python lists are mutable sequences.",
    "pad1": "Populações de plantas e frequências de visitas.",
    "pad2": "Populações urbanas crescem; frequências de rádio.",
}


def covered_index() -> Bm25Index:
    return index_of(COVERED, {"none"})


def test_coverage_is_the_idf_weighted_share_of_the_questions_words():
    # "deriva" is in 2 of 6 chunks, "populações" and "frequências" in 4: a chunk holding the
    # rare word covers more of the question than one holding the two common ones.
    index = covered_index()
    words = query_words("deriva populações frequências xyzzy")  # xyzzy: in no chunk, left out
    cover = dict(zip(COVERED, index.coverage(words, list(COVERED)), strict=True))
    assert cover["all"] == pytest.approx(1.0)
    assert cover["none"] == 0.0
    assert cover["rare"] > 0.5 > cover["common"] > 0.0
    assert cover["rare"] + cover["common"] == pytest.approx(1.0)
    assert index.coverage(words, ["not-a-chunk", "all"]) == [0.0, pytest.approx(1.0)]
    assert index.coverage(query_words("xyzzy"), ["all"]) == [0.0]
    assert Bm25Index([], []).coverage(words, ["all"]) == [0.0]


def test_coverage_reads_a_saved_index_as_the_one_built(tmp_path):
    index = covered_index()
    index.save(tmp_path / "saved")
    loaded = Bm25Index.load(tmp_path / "saved")
    words = query_words("deriva genética em populações")
    assert loaded.coverage(words, list(COVERED)) == index.coverage(words, list(COVERED))


def test_cache_rebuilds_only_when_the_version_moves():
    cache = LexicalIndexCache()
    loads = []

    def load():
        loads.append(1)
        return ["a"], ["word"]

    first = cache.get("c1", 1, load)
    assert cache.get("c1", 1, load) is first
    assert cache.get("c1", 2, load) is not first
    assert len(loads) == 2


def test_the_index_scores_as_bm25s_own_index_does():
    """The numpy build gives bm25s's score matrix bit for bit: same scores for every query."""
    rng = random.Random(13)
    words = [f"w{i}" for i in range(300)]
    weights = [1 / (i + 1) for i in range(300)]  # Zipf-like: common and rare terms
    docs = [rng.choices(words, weights, k=rng.choice([0, 1, 3, 20, 80])) for _ in range(400)]
    ids = [f"c{i}" for i in range(len(docs))]
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index(docs, show_progress=False)
    for index in (Bm25Index(ids, docs), Bm25Index.from_joined(ids, [" ".join(d) for d in docs])):
        for query in [["w0"], ["w1", "w7"], ["w299", "w3", "w3"], rng.sample(words, 12)]:
            query = [t for t in query if t in reference.vocab_dict]
            expected = reference.get_scores(query)
            got = index._retriever.get_scores(query)
            assert np.array_equal(got, expected), query
            hits = index.search(query, 10)
            best = np.argsort(-expected, kind="stable")[:10]
            assert [h.score for h in hits] == [float(expected[i]) for i in best if expected[i] > 0]


def test_joined_terms_with_stray_spaces_are_split_one_by_one():
    index = Bm25Index.from_joined(["a", "b"], ["deriv  genet", " python "])
    assert [h.chunk_id for h in index.search(["python"], 2)] == ["b"]


# -- the cache: versions, saved indexes, background rebuilds ----------------------------------

TEXTS = {
    "a": "A deriva genética muda frequências alélicas em populações pequenas.",
    "b": "A seleção natural favorece variações vantajosas.",
    "c": "Python lists are mutable sequences.",
}


class Loads:
    """A loader over a changeable corpus that counts its calls (and may be held back)."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = dict(texts)
        self.calls = 0
        self.release = threading.Event()
        self.release.set()

    def __call__(self) -> tuple[list[str], list[str]]:
        self.calls += 1
        assert self.release.wait(10), "the test never released the loader"
        ids = sorted(self.texts)
        return ids, [" ".join(analyze(self.texts[i], "en" if i == "c" else "pt")) for i in ids]


def top(index, question: str) -> list[str]:
    return [h.chunk_id for h in index.search(analyze_query(question), 3)]


def wait_for_version(cache: LexicalIndexCache, collection_id: str, version: int) -> None:
    deadline = time.monotonic() + 10
    while cache.cached_version(collection_id) != version:
        assert time.monotonic() < deadline, "the background rebuild did not finish"
        time.sleep(0.01)


def test_a_stale_index_is_replaced_before_the_search_of_a_small_collection(tmp_path):
    cache = LexicalIndexCache(tmp_path, background_from=100)
    corpus = Loads(TEXTS)
    assert top(cache.get("c1", 1, corpus), "ribossomos") == []
    corpus.texts["d"] = "Ribossomos sintetizam proteínas."
    assert top(cache.get("c1", 2, corpus), "ribossomos") == ["d"]
    assert corpus.calls == 2


def test_a_saved_index_is_reused_only_for_the_same_version(tmp_path):
    corpus = Loads(TEXTS)
    first = LexicalIndexCache(tmp_path)
    first.get("c1", 3, corpus)
    assert corpus.calls == 1

    restarted = LexicalIndexCache(tmp_path)  # a new process on the same data folder
    index = restarted.get("c1", 3, corpus)
    assert corpus.calls == 1  # loaded from disk, not from SQL
    assert top(index, "deriva genetica") == ["a"]
    assert top(index, "mutable lists")[0] == "c"
    assert restarted.cached_version("c1") == 3

    corpus.texts["d"] = "Ribossomos sintetizam proteínas."
    again = LexicalIndexCache(tmp_path)
    assert top(again.get("c1", 4, corpus), "ribossomos") == ["d"]
    assert corpus.calls == 2  # version 4 was never saved: built
    assert sorted(p.name for p in (tmp_path / "1" / "c1").iterdir()) == ["4"]  # 3 deleted


def test_a_damaged_save_is_rebuilt(tmp_path):
    corpus = Loads(TEXTS)
    LexicalIndexCache(tmp_path).get("c1", 1, corpus)
    (tmp_path / "1" / "c1" / "1" / "ids.json").write_text("{not json")
    assert top(LexicalIndexCache(tmp_path).get("c1", 1, corpus), "deriva") == ["a"]
    assert corpus.calls == 2


def test_an_empty_collection_is_saved_and_loaded(tmp_path):
    LexicalIndexCache(tmp_path).get("c1", 0, lambda: ([], []))
    index = LexicalIndexCache(tmp_path).get("c1", 0, lambda: pytest.fail("not loaded"))
    assert index.search(["deriva"], 3) == []


def test_a_large_stale_index_serves_while_its_successor_is_built(tmp_path):
    cache = LexicalIndexCache(tmp_path, background_from=3)
    corpus = Loads(TEXTS)
    old = cache.get("c1", 1, corpus)
    corpus.texts["d"] = "Ribossomos sintetizam proteínas."
    corpus.release.clear()  # the rebuild waits until the searches below are done
    assert cache.get("c1", 2, corpus) is old
    assert cache.get("c1", 2, corpus) is old  # one rebuild at a time
    corpus.release.set()
    wait_for_version(cache, "c1", 2)
    assert top(cache.get("c1", 2, corpus), "ribossomos") == ["d"]
    assert corpus.calls == 2


def test_after_a_restart_a_large_collection_serves_its_previous_save(tmp_path):
    corpus = Loads(TEXTS)
    LexicalIndexCache(tmp_path, background_from=3).get("c1", 1, corpus)
    corpus.texts["d"] = "Ribossomos sintetizam proteínas."
    corpus.release.clear()
    restarted = LexicalIndexCache(tmp_path, background_from=3)
    assert top(restarted.get("c1", 2, corpus), "deriva genetica") == ["a"]  # version 1's
    assert restarted.cached_version("c1") == 1
    corpus.release.set()
    wait_for_version(restarted, "c1", 2)
    assert top(restarted.get("c1", 2, corpus), "ribossomos") == ["d"]


def test_warm_builds_the_current_version_even_for_a_large_collection(tmp_path):
    corpus = Loads(TEXTS)
    LexicalIndexCache(tmp_path, background_from=3).get("c1", 1, corpus)
    corpus.texts["d"] = "Ribossomos sintetizam proteínas."
    restarted = LexicalIndexCache(tmp_path, background_from=3)
    assert top(restarted.warm("c1", 2, corpus), "ribossomos") == ["d"]
    assert restarted.cached_version("c1") == 2


def test_forget_and_prune_delete_saved_indexes(tmp_path):
    cache = LexicalIndexCache(tmp_path)
    for collection_id in ("c1", "c2", "c3"):
        cache.get(collection_id, 1, Loads(TEXTS))
    cache.forget("c1")
    assert cache.cached_version("c1") is None
    # A save a stopped process left half written, and one being written right now.
    interrupted, in_progress = tmp_path / "1" / "c2" / ".2.x", tmp_path / "1" / "c2" / ".2.y"
    interrupted.mkdir()
    in_progress.mkdir()
    os.utime(interrupted, (time.time() - 3600, time.time() - 3600))
    cache.prune(["c2"])
    assert [p.name for p in (tmp_path / "1").iterdir()] == ["c2"]
    assert sorted(p.name for p in (tmp_path / "1" / "c2").iterdir()) == [".2.y", "1"]
