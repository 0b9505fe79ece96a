#!/usr/bin/env bash
# The benchmarks of docs/performance.md, in one run, side by side, on this machine:
#
#  1. GET /api/v1/systems/{id} (random ids of the demo, a valid JWT, C connections, D seconds)
#     on the PostgreSQL- and the SQLite-backed service: requests/s, p50, p99; beside it
#     `pgbench -S` at the same concurrency on the same PostgreSQL, and the ratio.
#  2. GET /api/v1/systems?limit=100&lifecycle_state=in_use over 10 000 systems: p99, at C
#     connections and at 4.
#  3. The compliance report over 10 000 systems: one request.
#  4. The reminder pass over 100 000 systems: finding the due items (`worker --once
#     --dry-run`, which says how long finding took apart from printing), beside the raw SQL
#     for the same rows, and the query plan.
#  5. Mail delivery to a local SMTP server (aiosmtpd): messages/s.
#  6. RSS of the API idle and under load 1; start-to-ready time on SQLite.
#
# Usage: bench/run.sh            full run (release build; about 10 minutes here)
#        bench/run.sh --smoke    seconds, tiny sizes, debug build: keeps the script working (CI)
#
# Before/after: BENCH_BIN=/path/to/an/older/systemejer bench/run.sh measures that binary instead
# of building this tree, prints the table without writing the docs, and loads the demo with
# BENCH_DEMO_BIN (default: the binary measured), so two versions can be measured on the same
# data: `BENCH_BIN=old BENCH_DEMO_BIN=target/release/systemejer bench/run.sh`.
#
# Needs: cargo, wrk and pgbench (Debian: wrk, postgresql-client), psql, python3 with venv,
# curl, and a PostgreSQL server where it may create and drop databases:
# BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
# A full run rewrites the "Latest run" section of docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
[ "${1:-}" = "--smoke" ] && smoke=1
if [ "$smoke" = 1 ]; then
  small=200 large=1000 duration=2 connections=4 few=2 profile=debug
else
  small=10000 large=100000 duration=20 connections=32 few=4 profile=release
fi
admin_url="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
server_part="${admin_url%/*}"

for tool in wrk pgbench psql curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (Debian: apt-get install wrk postgresql-client curl python3-venv)" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
. bench/lib.sh
bin="$(bench_binary "$profile")"
venv="$(aiosmtpd_venv)"

work="$(mktemp -d)"
tag="bench_$$"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for db in small large pgbench; do
    psql -q "$admin_url" -c "DROP DATABASE IF EXISTS ${tag}_$db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
results="$work/results"
: >"$results"
put() { echo "$1=$2" >>"$results"; }

export SYSTEMEJER_JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export SYSTEMEJER_LINK_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export SYSTEMEJER_RATE_LIMIT_PER_SECOND=0
export SYSTEMEJER_LOG=warn
# Only the API: no reminder pass or breach watch competing with the load.
export SYSTEMEJER_WORKER_SCHEDULE="" SYSTEMEJER_BREACH_SCHEDULE=""

for db in small large pgbench; do psql -q "$admin_url" -c "CREATE DATABASE ${tag}_$db" >/dev/null; done
pg_small="$server_part/${tag}_small"
pg_large="$server_part/${tag}_large"
sqlite_small="sqlite://$work/small.db"

echo "bench: loading the demo ($small systems on both backends, $large on PostgreSQL)"
loader="$(realpath "${BENCH_DEMO_BIN:-$bin}")"
SYSTEMEJER_DATABASE_URL="$pg_small" "$loader" demo --systems "$small" >/dev/null
SYSTEMEJER_DATABASE_URL="$sqlite_small" "$loader" demo --systems "$small" >/dev/null
started=$(date +%s.%N)
SYSTEMEJER_DATABASE_URL="$pg_large" "$loader" demo --systems "$large" >/dev/null
put demo_large_load_s "$(python3 -c "print(round($(date +%s.%N) - $started, 1))")"
pgbench -i -q -s 10 "$server_part/${tag}_pgbench" >/dev/null 2>&1

# Starts the API on $1 (database URL) and port $2; prints its pid; waits until ready.
serve() {
  SYSTEMEJER_DATABASE_URL="$1" SYSTEMEJER_LISTEN="127.0.0.1:$2" "$bin" serve >"$work/serve-$2.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 400); do
    curl -fsS "http://127.0.0.1:$2/readyz" >/dev/null 2>&1 && { echo "$pid"; return; }
    sleep 0.025
  done
  echo "bench: the service on port $2 did not start" >&2
  cat "$work/serve-$2.log" >&2
  exit 1
}
rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

t0=$(date +%s.%N)
sqlite_pid=$(serve "$sqlite_small" 18202)
put start_to_ready_sqlite_ms "$(python3 -c "print(round(($(date +%s.%N) - $t0) * 1000))")"
pids+=("$sqlite_pid")
pg_pid=$(serve "$pg_small" 18201)
pids+=("$pg_pid")
sleep 1
put rss_idle_postgres_mib "$(( $(rss_kib "$pg_pid") / 1024 ))"
put rss_idle_sqlite_mib "$(( $(rss_kib "$sqlite_pid") / 1024 ))"

token="$(SYSTEMEJER_DATABASE_URL="$pg_small" "$bin" token --email bench@kommune.dk --role admin)"
psql -Atq "$pg_small" -c "SELECT id FROM systems" >"$work/ids"
cat >"$work/get.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
request = function()
  return wrk.format("GET", "/api/v1/systems/" .. ids[math.random(#ids)])
end
LUA

# wrk counts only answers of 400 and up as errors; this counts every answer outside 200-299
# (a 3xx too), per thread, and prints the sum when the load is done.
cat >"$work/count.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) outside = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then outside = outside + 1 end
end
function done(summary, latency, requests)
  local sum = 0
  for _, t in ipairs(threads) do sum = sum + (t:get("outside") or 0) end
  io.write(string.format("Answers outside 2xx: %d\n", sum))
end
LUA

# Runs wrk against a URL ($2) with key prefix $1 (and the Lua script $3, if any; $5
# connections instead of $connections); records requests/s, p50 and p99 (ms), and the RSS of
# pid $4 halfway through.
load() {
  local key=$1 url=$2 script=${3:-} pid=${4:-} conns=${5:-$connections}
  local args=(-t 2 -c "$conns" -d "${duration}s" --latency -H "Authorization: Bearer $token")
  cat ${script:+"$script"} "$work/count.lua" >"$work/$key.lua"
  args+=(-s "$work/$key.lua")
  BENCH_IDS="$work/ids" BENCH_TOKEN="$token" wrk "${args[@]}" "$url" >"$work/$key.wrk" 2>&1 &
  local wrk_pid=$!
  if [ -n "$pid" ]; then
    sleep "$(python3 -c "print($duration / 2)")"
    put "${key}_rss_mib" "$(( $(rss_kib "$pid") / 1024 ))"
  fi
  wait "$wrk_pid"
  python3 - "$work/$key.wrk" "$key" >>"$results" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
key = sys.argv[2]
def ms(v):
    n, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)
p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
outside = int(re.search(r"Answers outside 2xx: (\d+)", text).group(1))
# connect, read, write and timeout errors: requests that got no answer at all.
socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
print(f"{key}_rps={float(rps):.0f}")
print(f"{key}_p50_ms={ms(p50):.2f}")
print(f"{key}_p99_ms={ms(p99):.2f}")
print(f"{key}_non_2xx={max(int(errors.group(1)) if errors else 0, outside)}")
print(f"{key}_socket_errors={sum(map(int, socket.groups())) if socket else 0}")
PY
}

echo "bench: 1. GET /systems/{id}, $connections connections, ${duration} s each"
load get_postgres "http://127.0.0.1:18201" "$work/get.lua" "$pg_pid"
load get_sqlite "http://127.0.0.1:18202" "$work/get.lua" "$sqlite_pid"
pgbench -S -n -c "$connections" -j 2 -T "$duration" "$server_part/${tag}_pgbench" >"$work/pgbench.txt" 2>&1
put pgbench_tps "$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$work/pgbench.txt" | cut -d. -f1)"

echo "bench: 2. GET /systems?limit=100&lifecycle_state=in_use"
list="api/v1/systems?limit=100&lifecycle_state=in_use"
load list_postgres "http://127.0.0.1:18201/$list"
load list_sqlite "http://127.0.0.1:18202/$list"
# The same at a few connections: the time a request takes rather than its queue at 32.
load list_few_postgres "http://127.0.0.1:18201/$list" "" "" "$few"
load list_few_sqlite "http://127.0.0.1:18202/$list" "" "" "$few"

echo "bench: 3. the compliance report"
for backend in postgres:18201 sqlite:18202; do
  name=${backend%:*} port=${backend#*:}
  best=""
  for _ in 1 2 3; do
    t=$(curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/reports/compliance")
    best=$(python3 -c "print(min(float('$t'), float('${best:-$t}')))")
  done
  put "compliance_${name}_ms" "$(python3 -c "print(round($best * 1000))")"
done

echo "bench: 4. the reminder pass over $large systems"
horizon=$(python3 -c "import datetime; print(datetime.date.today() + datetime.timedelta(days=30))")
raw="SELECT system_id, kind, subject, assignee_id, next_due_on FROM obligations WHERE next_due_on <= '$horizon' ORDER BY system_id, kind, subject"
psql -q "$pg_large" -c "ANALYZE" >/dev/null
best=""
for _ in 1 2 3; do
  t=$(psql -Atq "$pg_large" -c '\timing on' -c "$raw" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
  best=$(python3 -c "print(min(float('$t'), float('${best:-$t}')))")
done
put reminder_raw_sql_ms "$(python3 -c "print(round($best))")"
put reminder_due_rows "$(psql -Atq "$pg_large" -c "SELECT count(*) FROM ($raw) due")"
put obligations_rows "$(psql -Atq "$pg_large" -c "SELECT count(*) FROM obligations")"
psql -Atq "$pg_large" -c "EXPLAIN $raw" >"$work/explain.txt"
best="" best_found="" best_total=""
for _ in 1 2 3; do
  t0=$(date +%s.%N)
  SYSTEMEJER_DATABASE_URL="$pg_large" "$bin" worker --once --dry-run --json 2>"$work/dry-run.err" >"$work/dry-run.json"
  t=$(python3 -c "print($(date +%s.%N) - $t0)")
  best=$(python3 -c "print(min(float('$t'), float('${best:-$t}')))")
  # The dry run says on stderr how long each step took, apart from printing the plan.
  line=$(grep '^dry run: ' "$work/dry-run.err")
  found=$(echo "$line" | sed -n 's/.* found in \([0-9]*\) ms;.*/\1/p')
  total=$(echo "$line" | sed -n 's/.* found in \([0-9]*\) ms;.* planned in \([0-9]*\) ms; .* took \([0-9]*\) ms/\1 + \2 + \3/p')
  total=$(python3 -c "print($total)")
  if [ -z "$best_total" ] || [ "$total" -lt "$best_total" ]; then
    best_total=$total best_found=$found best_line=$line
  fi
done
put reminder_pass_find_ms "$best_found"
put reminder_pass_total_ms "$best_total"
put reminder_pass_steps "${best_line#dry run: }"
put reminder_dry_run_ms "$(python3 -c "print(round($best * 1000))")"
put reminder_dry_run_mib "$(( $(stat -c %s "$work/dry-run.json") / 1048576 ))"

echo "bench: 5. mail delivery to a local SMTP server"
"$venv/bin/python" bench/smtp_sink.py 18225 &
pids+=("$!")
sleep 1
cp "$work/small.db" "$work/mail.db"
mail_out=$(SYSTEMEJER_DATABASE_URL="sqlite://$work/mail.db" SYSTEMEJER_SMTP_URL="smtp://127.0.0.1:18225" "$bin" worker --once | grep '^pass done:')
sent=$(echo "$mail_out" | sed -n 's/.* \([0-9]*\) sent,.*/\1/p')
seconds=$(echo "$mail_out" | sed -n 's/.*; \([0-9.]*\) s delivering/\1/p')
put mail_sent "$sent"
# Every message queued must have gone out: one to retry or failed fails the run.
put mail_not_sent "$(echo "$mail_out" | sed -n 's/.* \([0-9]*\) to retry, \([0-9]*\) failed;.*/\1 + \2/p' | python3 -c 'print(eval(input()))')"
put mail_per_s "$(python3 -c "print(round($sent / max($seconds, 0.001)))")"

put cores "$(nproc)"
put cpu "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
put memory_gib "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
put postgres "$(psql -Atq "$admin_url" -c 'SHOW server_version')"
put date "$(date -u +%Y-%m-%d)"
put mode "$([ "$smoke" = 1 ] && echo smoke || echo full)"
put small "$small"
put large "$large"
put connections "$connections"
put few "$few"
put duration_s "$duration"

# The report fails the run (exit 1, and says so in the table) when a load got any answer but
# 2xx, or none: a run full of 429s or 503s is not throughput.
python3 bench/report.py "$results" "$work/explain.txt" "$([ "$smoke" = 1 ] || [ -n "${BENCH_BIN:-}" ] && echo - || echo docs/performance.md)"
