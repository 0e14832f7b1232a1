"""Standard IR metrics over ranked ids and graded relevance judgements."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with graded gains (the BEIR / trec_eval definition, gain = relevance)."""
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    wanted = {doc for doc, g in relevant.items() if g > 0}
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:k])) / len(wanted)


def mrr_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    for rank, doc in enumerate(ranked[:k], start=1):
        if relevant.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def summarize(runs: Sequence[tuple[Sequence[str], Mapping[str, int]]]) -> dict[str, float]:
    """Mean nDCG@10, Recall@10, Recall@100 and MRR@10 over (ranking, judgements) pairs."""
    n = len(runs) or 1
    return {
        "ndcg@10": round(sum(ndcg_at(r, j, 10) for r, j in runs) / n, 4),
        "recall@10": round(sum(recall_at(r, j, 10) for r, j in runs) / n, 4),
        "recall@100": round(sum(recall_at(r, j, 100) for r, j in runs) / n, 4),
        "mrr@10": round(sum(mrr_at(r, j, 10) for r, j in runs) / n, 4),
    }


def split_of(query_id: str) -> str:
    """ "tune" or "report": a fixed half of a query set, by the hash of the query's id.

    Settings are chosen on the "tune" half and the "report" half is reported apart, so that a
    figure is not fitted to the queries it is measured on (SciFact train: 404 / 405 claims).
    """
    digest = hashlib.sha256(query_id.encode("utf-8")).digest()
    return "tune" if digest[-1] % 2 == 0 else "report"


def summarize_splits(
    runs: Sequence[tuple[str, Sequence[str], Mapping[str, int]]],
) -> dict[str, object]:
    """`summarize` over (query id, ranking, judgements) triples, then over each half."""
    report: dict[str, object] = dict(summarize([(r, j) for _, r, j in runs]))
    for half in ("tune", "report"):
        part = [(r, j) for qid, r, j in runs if split_of(qid) == half]
        report[half] = {**summarize(part), "queries": len(part)}
    return report
