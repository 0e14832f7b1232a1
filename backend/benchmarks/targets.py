"""The issue-14 targets against the figures of the last `make eval` / `make bench` run.

Reads what the benchmarks wrote in `results/` (quality.json from bench_quality.py, qa.json
from `chatgepeto eval qa`, ingest.json from bench_ingest.py, latency.json from
bench_latency.py) and prints one line per target: the figure, the target, met or not. A file
that is missing (its benchmark not run yet) is said so; nothing is estimated.

    .venv/bin/python benchmarks/targets.py            # after make eval and/or make bench
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT = "multilingual,minilm:onnx-int8"


def _load(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _line(name: str, value: float | None, target: float, *, at_most: bool = False) -> str:
    if value is None:
        return f"  {name:58} {'—':>7}   target {target:g}: not measured"
    met = value <= target if at_most else value >= target
    sign = "≤" if at_most else "≥"
    return f"  {name:58} {value:>7.3f}   target {sign} {target:g}: {'met' if met else 'NOT met'}"


def scifact_lines(quality: dict[str, Any] | None) -> list[str]:
    lines = ["SciFact nDCG@10 (train split; tuned on 'tune', reported on 'report')"]
    if quality is None:
        return [*lines, "  results/quality.json missing: run make eval"]
    rows = {row["system"]: row for row in quality["rows"]}
    hybrid = next((r for s, r in rows.items() if s.startswith("product: hybrid (")), None)
    baseline = next((r for s, r in rows.items() if s.startswith("baseline")), None)
    for label, row in (("product, default hybrid", hybrid), ("LangChain baseline", baseline)):
        if row is None:
            continue
        lines.append(
            f"  {label:58} all {row['ndcg@10']:.3f}  tune {row['tune']['ndcg@10']:.3f}  "
            f"report {row['report']['ndcg@10']:.3f}"
        )
    held_out = hybrid["report"]["ndcg@10"] if hybrid else None
    lines.append(_line("product hybrid, held-out half", held_out, 0.75))
    return lines


def course_lines(qa: dict[str, Any] | None) -> list[str]:
    lines = ["Course PDFs, page recall (chatgepeto eval qa, default settings)"]
    if qa is None:
        return [*lines, "  results/qa.json missing: run make eval"]
    pt = qa["by_language"]["pt"]["page_recall@5"]
    en = qa["by_language"]["en"]["page_recall@5"]
    lines += [
        _line("page recall@5, all answerable", qa["page_recall@5"], 0.90),
        _line("page recall@1, all answerable", qa["page_recall@1"], 0.70),
        _line("page recall@5, English minus Portuguese", round(en - pt, 4), 0.05, at_most=True),
        _line("page recall@5, cross-language", qa["cross_language"]["page_recall@5"], 0.80),
    ]
    for split, figures in qa.get("by_split", {}).items():
        lines.append(
            f"  {split + ' split':58} @1 {figures['page_recall@1']:.3f}  "
            f"@5 {figures['page_recall@5']:.3f}  ({figures['answerable']} questions)"
        )
    return lines


def ingest_lines(ingest: dict[str, Any] | None) -> list[str]:
    lines = ["Ingestion, pages/s against the LangChain baseline in the same run"]
    result = next((r for r in (ingest or {}).get("results", []) if r["setting"] == DEFAULT), None)
    if result is None:
        return [*lines, f"  results/ingest.json has no {DEFAULT} run: run make bench"]
    lines.append(_line("four course PDFs together", result["total"]["ratio_pages_per_s"], 3.0))
    for name, entry in result["documents"].items():
        lines.append(_line(f"{name} alone", entry["ratio_pages_per_s"], 2.0))
    return lines


def latency_lines(latency: dict[str, Any] | None) -> list[str]:
    lines = ["Search latency, 10k chunks, one client"]
    value = (latency or {}).get("targets", {}).get("search_p95_ms", {}).get("measured_ms")
    return [*lines, _line("/api/search p95, ms", value, 60.0, at_most=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args()
    blocks = [
        scifact_lines(_load(args.results / "quality.json")),
        course_lines(_load(args.results / "qa.json")),
        ingest_lines(_load(args.results / "ingest.json")),
        latency_lines(_load(args.results / "latency.json")),
    ]
    print("\nIssue 14 targets")
    print("\n".join("\n".join(block) for block in blocks))


if __name__ == "__main__":
    main()
