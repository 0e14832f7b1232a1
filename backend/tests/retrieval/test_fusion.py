"""Regression tests for the fusion levers of issue 14 (docs/benchmarks.md, Fusion): each keeps
a measured win from silently disappearing by asserting a ranking, never a timing."""

import pytest

from chatgepeto.retrieval.hybrid import (
    FusionWeights,
    SearchResult,
    parse_weights,
    place_reference_lists,
    reciprocal_rank_fusion,
    spread_pages,
    weigh_coverage,
    weighted_fusion,
)
from chatgepeto.settings import Settings

EN = {"a": "en", "b": "en", "c": "en", "d": "en"}


def ids(pairs):
    return [chunk_id for chunk_id, _ in pairs]


def test_scores_not_only_ranks_decide():
    # BM25 is sure of "a" (far ahead of the rest); the dense list barely prefers "b".
    # Rank fusion sees a tie broken by name; the weighted sum of z-scores sees the margin.
    bm25 = [("a", 30.0), ("b", 5.0), ("c", 4.8), ("d", 4.7)]
    dense = [("b", 0.62), ("a", 0.61), ("c", 0.30), ("d", 0.29)]
    by_rank = reciprocal_rank_fusion([ids(dense), ids(bm25)], k=10)
    assert by_rank[0][1] == by_rank[1][1]  # rank fusion cannot tell them apart
    fused = weighted_fusion({"bm25": bm25, "minilm": dense}, FusionWeights(), "en", EN)
    assert ids(fused)[0] == "a"


def test_weights_move_the_balance():
    bm25 = [("a", 10.0), ("b", 9.0), ("c", 1.0)]
    dense = [("b", 0.9), ("a", 0.5), ("c", 0.4)]
    lists = {"bm25": bm25, "multilingual": dense}
    lexical_heavy = FusionWeights(other={"bm25": 1.0, "multilingual": 0.1})
    dense_heavy = FusionWeights(other={"bm25": 0.1, "multilingual": 1.0})
    assert ids(weighted_fusion(lists, lexical_heavy, "pt", {}))[0] == "a"
    assert ids(weighted_fusion(lists, dense_heavy, "pt", {}))[0] == "b"


def test_english_only_model_weighs_nothing_outside_english_pairs_unless_named():
    # MiniLM (English only) loves "pt-chunk" for a Portuguese question: it must not count,
    # while the multilingual encoder's choice does (MiniLM finds 0.17 of the Portuguese
    # questions' pages at rank 1, the multilingual encoder 0.43).
    languages = {"pt-chunk": "pt", "en-chunk": "en", "x": "en", "y": "pt"}
    minilm = [("pt-chunk", 0.9), ("x", 0.2), ("y", 0.1), ("en-chunk", 0.1)]
    multilingual = [("en-chunk", 0.7), ("pt-chunk", 0.5), ("x", 0.45), ("y", 0.4)]
    lists = {"minilm": minilm, "multilingual": multilingual}
    weights = FusionWeights(english={"multilingual": 0.3, "minilm": 1.0})
    assert ids(weighted_fusion(lists, weights, "pt", languages))[0] == "en-chunk"
    # An English question over English passages: MiniLM counts, the multilingual less.
    english = {key: "en" for key in languages}
    assert ids(weighted_fusion(lists, weights, "en", english))[0] == "pt-chunk"
    assert weights.weight("minilm", "en", "pt") == 0.0
    assert weights.weight("minilm", "pt", "en") == 0.0
    assert weights.weight("multilingual", "en", "en") == 0.3
    assert weights.weight("bm25", "pt", "pt") == 1.0
    # The vector index names lists by model slug: MiniLM's int8 vectors are "minilm-int8".
    assert weights.weight("minilm-int8", "pt", "en") == 0.0
    assert weights.weight("minilm-int8", "en", "en") == 1.0
    slugged = {"minilm-int8": minilm, "multilingual": multilingual}
    assert ids(weighted_fusion(slugged, weights, "pt", languages))[0] == "en-chunk"


def test_by_default_minilm_weighs_a_little_outside_english_pairs():
    # An English question about a Portuguese handout: the multilingual encoder and BM25 lean
    # a little to "pt-neighbour", MiniLM clearly to "pt-answer" (the English term it knows,
    # "perceptron", is in it). Its small weight for other pairs decides (course page
    # recall@5 0.890 → 0.907, cross-language 0.854 → 0.878: docs/benchmarks.md).
    languages = {"pt-answer": "pt", "pt-neighbour": "pt", "pt-a": "pt", "pt-b": "pt"}
    multilingual = [("pt-neighbour", 0.52), ("pt-answer", 0.51), ("pt-a", 0.30), ("pt-b", 0.29)]
    bm25 = [("pt-neighbour", 6.2), ("pt-answer", 6.0), ("pt-a", 2.0), ("pt-b", 1.9)]
    minilm = [("pt-answer", 0.60), ("pt-a", 0.30), ("pt-b", 0.28), ("pt-neighbour", 0.27)]
    lists = {"multilingual": multilingual, "bm25": bm25, "minilm-int8": minilm}
    default = FusionWeights(*Settings().retrieval.fusion_weight_maps)
    assert default.weight("minilm-int8", "en", "pt") == 0.2
    assert default.weight("minilm", "pt", "pt") == 0.2
    assert ids(weighted_fusion(lists, default, "en", languages))[0] == "pt-answer"
    without = FusionWeights(english=default.english, other={"multilingual": 1, "bm25": 1})
    assert ids(weighted_fusion(lists, without, "en", languages))[0] == "pt-neighbour"


def test_reference_lists_come_after_prose_or_first_when_asked_for():
    ranked = [("bibliography", 3.0), ("answer", 2.5), ("other", 1.0), ("more-refs", 0.5)]
    refs = {"bibliography", "more-refs"}
    question = "What is the line of least evolutionary resistance?"
    assert ids(place_reference_lists(ranked, refs, question)) == [
        "answer",
        "other",
        "bibliography",
        "more-refs",
    ]
    asked = "Quais referências a apostila cita sobre linhas de menor resistência?"
    assert ids(place_reference_lists(ranked, refs, asked)) == [
        "bibliography",
        "more-refs",
        "answer",
        "other",
    ]
    assert place_reference_lists(ranked, set(), question) == ranked


def test_coverage_breaks_a_near_tie_but_not_a_clear_lead():
    # "b" is a hair behind "a" in the fused list but holds all of the question's words.
    ranked = [("a", 2.00), ("b", 1.98), ("c", 1.0), ("d", 0.5), ("e", -1.0)]
    cover = [0.4, 1.0, 0.4, 0.4]
    assert ids(weigh_coverage(ranked, cover, 0.5))[:2] == ["b", "a"]
    assert ids(weigh_coverage(ranked, cover, 0)) == ids(ranked)
    # A passage far ahead stays first however well a weaker one covers the question.
    ahead = [("a", 9.0), ("b", 1.0), ("c", 0.9), ("d", 0.8)]
    assert ids(weigh_coverage(ahead, [0.2, 1.0, 0.2, 0.2], 0.5))[0] == "a"


def test_coverage_reorders_the_passages_it_scored_and_keeps_the_rest():
    ranked = [("a", 3.0), ("b", 2.9), ("c", 2.8), ("d", 0.1), ("e", 0.0)]
    moved = weigh_coverage(ranked, [0.0, 0.5, 1.0], 1.5)
    assert ids(moved)[:3] == ["c", "b", "a"]
    assert moved[3:] == ranked[3:]
    assert [s for _, s in moved] == sorted((s for _, s in moved), reverse=True)
    # Equal coverage, a single passage or none: nothing to tell apart.
    assert weigh_coverage(ranked, [0.5, 0.5, 0.5], 0.5) == ranked
    assert weigh_coverage(ranked[:1], [1.0], 0.5) == ranked[:1]
    assert weigh_coverage([], [], 0.5) == []


def test_a_passage_missing_from_a_list_gets_its_lowest_score():
    # "z" is BM25's best but beyond the dense list: it is scored as the dense list's last.
    bm25 = [("z", 12.0), ("a", 6.0), ("b", 5.0)]
    dense = [("a", 0.8), ("b", 0.7), ("c", 0.1)]
    fused = dict(weighted_fusion({"bm25": bm25, "minilm": dense}, FusionWeights(), "en", {}))
    assert set(fused) == {"a", "b", "c", "z"}
    assert fused["z"] < fused["a"]  # second in one list beats first-and-absent here
    assert fused["c"] < fused["b"]


def test_empty_and_single_lists():
    assert weighted_fusion({"bm25": [], "minilm": []}, FusionWeights(), "en", {}) == []
    one = weighted_fusion({"bm25": [("a", 3.0)]}, FusionWeights(), "en", {})
    assert ids(one) == ["a"]


def result(chunk: str, page: int | None, document: str = "d1") -> SearchResult:
    return SearchResult(chunk, document, "f.pdf", page, "text", 1.0)


def test_spread_pages_puts_each_pages_best_passage_first():
    ranked = [result("1", 4), result("2", 4), result("3", 4), result("4", 7), result("5", 9)]
    assert [r.chunk_id for r in spread_pages(ranked)] == ["1", "4", "5", "2", "3"]
    # The same page number in another document is another page; passages without a page
    # (text files) are each their own.
    other = [result("1", 1), result("2", 1, "d2"), result("3", None), result("4", None)]
    assert [r.chunk_id for r in spread_pages(other)] == ["1", "2", "3", "4"]


def test_parse_weights():
    assert parse_weights("multilingual=0.3, minilm=1,BM25=1") == {
        "multilingual": 0.3,
        "minilm": 1.0,
        "bm25": 1.0,
    }
    for bad in ("minilm", "minilm=x", "minilm=-1", "=1", "minilm=nan"):
        with pytest.raises(ValueError):
            parse_weights(bad)


def test_settings_reject_bad_weights_and_default_to_the_measured_fusion(monkeypatch):
    monkeypatch.setenv("FUSION_WEIGHTS", "bm25=lots")
    with pytest.raises(ValueError, match="bm25=lots"):
        Settings()
    monkeypatch.delenv("FUSION_WEIGHTS")
    settings = Settings()
    assert settings.retrieval.fusion == "weighted"
    assert settings.retrieval.candidate_k == 100
    assert settings.retrieval.coverage_weight == 0.5
    english, other = settings.retrieval.fusion_weight_maps
    assert english == {"multilingual": 0.3, "minilm": 1.0, "bm25": 1.0}
    assert other == {"multilingual": 1.0, "bm25": 1.0, "minilm": 0.2}
