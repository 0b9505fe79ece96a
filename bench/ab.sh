#!/usr/bin/env bash
# Two builds of systemejer side by side on the same data: the reports, a page of the system
# list at 4 connections and mail delivery, old and new in turn (so drift of the machine falls on
# both), then every read of bench/same_answers.py compared between them, on PostgreSQL and SQLite.
#
# Usage: bench/ab.sh OLD_BINARY NEW_BINARY [ROUNDS]     (release builds; about 5 minutes)
# e.g.   git worktree add /tmp/old <commit> && (cd /tmp/old && cargo build --release -p systemejer)
#        bench/ab.sh /tmp/old/target/release/systemejer target/release/systemejer
# Needs what bench/run.sh needs (wrk, psql, python3; aiosmtpd in the venv bench/run.sh makes).
set -euo pipefail
cd "$(dirname "$0")/.."
old="$(realpath "$1")" new="$(realpath "$2")" rounds="${3:-2}"
admin_url="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
work="$(mktemp -d)" db="ab_$$"
pg="${admin_url%/*}/$db" sqlite="sqlite://$work/small.db"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export SYSTEMEJER_JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export SYSTEMEJER_LINK_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export SYSTEMEJER_RATE_LIMIT_PER_SECOND=0 SYSTEMEJER_LOG=warn SYSTEMEJER_WORKER_SCHEDULE="" SYSTEMEJER_BREACH_SCHEDULE=""
psql -q "$admin_url" -c "CREATE DATABASE $db" >/dev/null
SYSTEMEJER_DATABASE_URL="$pg" "$new" demo --systems 10000 >/dev/null
SYSTEMEJER_DATABASE_URL="$sqlite" "$new" demo --systems 10000 >/dev/null
token="$(SYSTEMEJER_DATABASE_URL="$pg" "$new" token --email bench@kommune.dk --role admin)"

venv="${XDG_CACHE_HOME:-$HOME/.cache}/systemejer/bench-aiosmtpd-1.4.6"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; "$venv/bin/pip" install -q "aiosmtpd==1.4.6"; fi
"$venv/bin/python" bench/smtp_sink.py 18326 &
pids+=("$!")
sleep 1

serve() {
  SYSTEMEJER_DATABASE_URL="$2" SYSTEMEJER_LISTEN=127.0.0.1:18300 "$1" serve >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 200); do curl -fsS http://127.0.0.1:18300/readyz >/dev/null 2>&1 && return; sleep 0.05; done
  cat "$work/serve.log" >&2; exit 1
}
seconds() { curl -fsS -o /dev/null -w '%{time_total} ' -H "Authorization: Bearer $token" "http://127.0.0.1:18300$1"; }

for round in $(seq 1 "$rounds"); do
  for which in old new; do
    bin=${!which}
    for url in "$pg" "$sqlite"; do
      serve "$bin" "$url"
      backend=${url%%:*}
      echo "round $round $which $backend compliance (s): $(for _ in 1 2 3 4 5 6; do seconds /api/v1/reports/compliance; done)"
      echo "round $round $which $backend processing-records (s): $(seconds /api/v1/reports/processing-records)$(seconds /api/v1/reports/processing-records)"
      echo "round $round $which $backend list at 4 connections: $(wrk -t 2 -c 4 -d 10s --latency -H "Authorization: Bearer $token" \
        "http://127.0.0.1:18300/api/v1/systems?limit=100&lifecycle_state=in_use" | grep -E 'Requests/sec|^ +99%' | tr -s ' ' | tr '\n' ' ')"
      kill "$server"; wait "$server" 2>/dev/null || true
    done
    cp "$work/small.db" "$work/mail.db"
    echo "round $round $which mail: $(SYSTEMEJER_DATABASE_URL="sqlite://$work/mail.db" SYSTEMEJER_SMTP_URL=smtp://127.0.0.1:18326 "$bin" worker --once 2>&1 | grep '^pass done:')"
    rm -f "$work"/mail.db*
  done
done
python3 bench/same_answers.py "$old" "$new" "$pg"
python3 bench/same_answers.py "$old" "$new" "$sqlite"
