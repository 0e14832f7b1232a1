#!/usr/bin/env bash
# Retrieval and answer quality on the shared evaluation data (`make eval`):
#  1. SciFact (BEIR, train split): the product's bm25 / dense / hybrid for each embedding
#     setting, next to the LangChain tutorial baseline's dense search (bench_quality.py);
#  2. the pt/en course-PDF retrieval questions (`chatgepeto eval docs`), for each setting;
#  3. answers over the course PDFs (`chatgepeto eval qa`): page recall, citation hits;
#  4. the issue-14 targets against these figures (benchmarks/targets.py).
# Usage: benchmarks/run_eval.sh PATH/TO/shared/eval   (JSON results land in benchmarks/results/)
set -euo pipefail
data="${1:?usage: run_eval.sh PATH/TO/shared/eval}"
cd "$(dirname "$0")/.."
bin=.venv/bin/chatgepeto
out=benchmarks/results
mkdir -p "$out"
# MODEL[:BACKEND] settings; the first is the default configuration.
settings="${EVAL_SETTINGS:-multilingual,minilm:onnx-int8 minilm:onnx-int8 minilm:torch multilingual:torch}"
# shellcheck disable=SC2086  # one word per setting
.venv/bin/python benchmarks/bench_quality.py --scifact "$data/scifact" --settings $settings \
  ${EVAL_SUBSET:+--subset $EVAL_SUBSET} --out "$out/quality.json" --json | tail -n 1
for setting in $settings; do
  model="${setting%%:*}"
  backend="${setting#*:}"
  [ "$backend" = "$setting" ] && backend=onnx-int8
  tag="${model/,/+}-$backend"
  for retriever in bm25 dense hybrid; do
    EMBEDDING_BACKEND="$backend" "$bin" eval docs --docs "$data/docs" \
      --questions benchmarks/qa_questions.jsonl --retriever "$retriever" \
      --embedding-model "$model" --json | tail -n 1 > "$out/docs-$tag-$retriever.json"
    cat "$out/docs-$tag-$retriever.json"
  done
done
"$bin" eval qa --questions benchmarks/qa_questions.jsonl --docs "$data/docs" --json \
  | tail -n 1 > "$out/qa.json"
cat "$out/qa.json"
.venv/bin/python benchmarks/targets.py --results "$out"
