import math

from chatgepeto.evaluation.metrics import mrr_at, ndcg_at, recall_at, summarize


def test_perfect_and_empty_rankings():
    relevant = {"a": 1, "b": 1}
    assert ndcg_at(["a", "b", "c"], relevant) == 1.0
    assert ndcg_at(["c", "d"], relevant) == 0.0
    assert recall_at(["a", "x"], relevant, 10) == 0.5
    assert mrr_at(["x", "b"], relevant) == 0.5


def test_ndcg_known_value():
    # relevant doc at rank 2 only: DCG = 1/log2(3); IDCG = 1
    assert math.isclose(ndcg_at(["x", "a"], {"a": 1}), 1 / math.log2(3))


def test_summary_keys():
    summary = summarize([(["a"], {"a": 1}), (["b"], {"a": 1})])
    assert summary == {"ndcg@10": 0.5, "recall@10": 0.5, "recall@100": 0.5, "mrr@10": 0.5}
