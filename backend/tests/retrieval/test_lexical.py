from chatgepeto.retrieval.lexical import Bm25Index, LexicalIndexCache, analyze, analyze_query, fold


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


def test_bm25_ranks_the_matching_passage_first():
    texts = {
        "a": "A deriva genética muda frequências alélicas em populações pequenas.",
        "b": "A seleção natural favorece variações vantajosas.",
        "c": "Python lists are mutable sequences.",
    }
    index = Bm25Index(
        list(texts), [analyze(t, "pt" if k != "c" else "en") for k, t in texts.items()]
    )
    assert [h.chunk_id for h in index.search(analyze_query("deriva genetica"), 3)] == ["a"]
    assert index.search(analyze_query("mutable lists"), 3)[0].chunk_id == "c"
    assert index.search(analyze_query("xyzzy"), 3) == []
    assert Bm25Index([], []).search(["x"], 3) == []


def test_cache_rebuilds_only_when_the_version_moves():
    cache = LexicalIndexCache()
    loads = []

    def load():
        loads.append(1)
        return ["a"], [["word"]]

    first = cache.get("c1", 1, load)
    assert cache.get("c1", 1, load) is first
    assert cache.get("c1", 2, load) is not first
    assert len(loads) == 2
