#!/usr/bin/env bash
# Start the backend (:8000) and the web app (:3000) together; Ctrl-C stops both.
# Called by `make run` after everything is installed and the web app is built.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND_PORT="${PORT:-8000}"
FRONTEND_PORT="${FRONTEND_PORT:-3000}"
pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

(cd backend && PORT="$BACKEND_PORT" exec .venv/bin/chatgepeto serve) &
pids+=($!)

echo "Waiting for the backend on :$BACKEND_PORT (the embedding models load first)..."
for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$BACKEND_PORT/api/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then echo "The backend stopped; see its output above." >&2; exit 1; fi
  sleep 0.5
done

(cd frontend && PORT="$FRONTEND_PORT" HOSTNAME="${FRONTEND_HOST:-0.0.0.0}" NEXT_TELEMETRY_DISABLED=1 \
  exec node scripts/start.mjs) &
pids+=($!)

token="${ADMIN_TOKEN:-}"
data_dir="${DATA_DIR:-data}"
case "$data_dir" in /*) ;; *) data_dir="backend/$data_dir" ;; esac
if [ -z "$token" ] && [ -f "$data_dir/admin_token" ]; then token="$(cat "$data_dir/admin_token")"; fi

cat <<MSG

  ChatGepeto is running
    Web app:      http://localhost:$FRONTEND_PORT
    API and docs: http://localhost:$BACKEND_PORT/api/docs
    Admin token:  ${token:-"(set by ADMIN_TOKEN)"}   (teachers enter it on the Documents page)
  Ctrl-C stops both.

MSG
wait -n "${pids[@]}"
