#!/usr/bin/env bash
# Retrieval quality on the shared evaluation data: BEIR SciFact (train) for each retriever and
# embedding model, and the pt/en course-PDF question set. Usage: benchmarks/run_eval.sh EVAL_DATA_DIR
set -euo pipefail
data="${1:?usage: run_eval.sh PATH/TO/shared/eval}"
cd "$(dirname "$0")/.."
bin=.venv/bin/chatgepeto
out=benchmarks/results
mkdir -p "$out"
models="${EVAL_MODELS:-multilingual minilm multilingual,minilm}"
for model in $models; do
  for retriever in bm25 dense hybrid; do
    "$bin" eval beir --corpus "$data/scifact/corpus.jsonl" --queries "$data/scifact/queries.jsonl" \
      --qrels "$data/scifact/qrels/train.tsv" --retriever "$retriever" \
      --embedding-model "$model" --json | tail -n 1 > "$out/scifact-${model/,/+}-$retriever.json"
    cat "$out/scifact-${model/,/+}-$retriever.json"
    "$bin" eval docs --docs "$data/docs" --questions benchmarks/docs_questions.jsonl \
      --retriever "$retriever" --embedding-model "$model" --json | tail -n 1 > "$out/docs-${model/,/+}-$retriever.json"
    cat "$out/docs-${model/,/+}-$retriever.json"
  done
done
