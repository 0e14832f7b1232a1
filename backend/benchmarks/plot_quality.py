"""Plot retrieval quality: SciFact nDCG@10 per system (bench_quality.py's JSON) and course
page recall@1 / @5 per run of `chatgepeto eval qa` (its JSON lines), side by side.

    .venv/bin/python benchmarks/plot_quality.py --quality results/quality.json \\
        --qa "before (RRF)=results/qa-rrf.json" "after=results/qa.json" \\
        --out ../docs/benchmarks/retrieval-quality.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _last_json(path: Path) -> dict[str, Any]:
    """The JSON object of a file, or of its last line (the CLI ends its output with one)."""
    text = path.read_text().strip()
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(text.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", type=Path, required=True)
    parser.add_argument("--qa", nargs="+", required=True, metavar="LABEL=PATH")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    quality = _last_json(args.quality)
    rows = [r for r in quality["rows"] if "tune" in r]
    runs = [
        (label, _last_json(Path(path))) for label, _, path in (s.rpartition("=") for s in args.qa)
    ]

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    names = [r["system"].replace("product: ", "").split(" (")[0].replace(", ", ",\n") for r in rows]
    width = 0.38
    xs = range(len(rows))
    left.bar(
        [x - width / 2 for x in xs], [r["tune"]["ndcg@10"] for r in rows], width, label="tune half"
    )
    left.bar(
        [x + width / 2 for x in xs],
        [r["report"]["ndcg@10"] for r in rows],
        width,
        label="held-out half",
    )
    left.axhline(0.75, color="grey", linestyle="--", linewidth=1, label="target 0.75")
    left.set_xticks(list(xs), names, fontsize=7)
    left.set_ylim(0.4, 0.85)
    left.set_ylabel("nDCG@10")
    left.set_title("SciFact train split, 809 claims")
    left.legend(fontsize=8)

    groups = [
        ("@1 all", lambda r: r["page_recall@1"]),
        ("@5 all", lambda r: r["page_recall@5"]),
        ("@5 pt", lambda r: r["by_language"]["pt"]["page_recall@5"]),
        ("@5 en", lambda r: r["by_language"]["en"]["page_recall@5"]),
        ("@5 cross", lambda r: r["cross_language"]["page_recall@5"]),
    ]
    width = 0.8 / max(1, len(runs))
    for i, (label, run) in enumerate(runs):
        offsets = [g + (i - (len(runs) - 1) / 2) * width for g in range(len(groups))]
        right.bar(offsets, [get(run) for _, get in groups], width, label=label)
    right.set_xticks(range(len(groups)), [name for name, _ in groups])
    right.set_ylim(0.3, 1.0)
    right.set_ylabel("page recall")
    right.set_title("Course PDFs, 172 questions (eval qa)")
    right.legend(fontsize=8)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(args.out)


if __name__ == "__main__":
    main()
