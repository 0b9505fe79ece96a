#!/usr/bin/env bash
# The soak test of docs/performance.md: the service as it is deployed, under a mixed load, for
# minutes, on PostgreSQL:
#
#  - two API instances (`systemejer serve`) on one database, and two workers (`systemejer
#    worker`) whose passes run every minute (the reminder pass at :00, the breach watch with
#    the notices of failed tests at :30), delivering to a local SMTP sink that writes down the
#    recipient and Message-ID of every message it receives (bench/smtp_count_sink.py);
#  - Demo Kommune (`systemejer demo`), whose many due duties give the workers mail to send;
#  - a load driver (bench/soak.py, Python's standard library) spreading reads, writes with
#    If-Match (several threads on the same few resources, so that some lose with 412),
#    lifecycle moves (in use -> changing -> in use, two threads on one system at a time, taking
#    a pool of systems in turn, the owner approving the risk assessment) and completions of
#    duties over both instances.
#
# At the end it stops the load, lets both workers run one more reminder pass and breach watch
# and deliver, stops every process, and reports (stdout; target/soak/MODE-results.json and
# target/soak/MODE-table.md, the table docs/performance.md quotes), failing (exit 1, one
# "FAILED: ..." line per broken rule) when:
#  - any answer was 5xx, or none came, or an operation got a status it never expects;
#  - an update was lost: replaying the accepted writes, two were based on the same version, or
#    the value read at the end (from both instances) is not that of the last accepted write;
#  - a move was answered 200 but not recorded, or recorded twice;
#  - the SMTP sink did not receive exactly the outbox's `sent` rows, each once (Message-ID
#    `<outbox-id@domain>`), or anything is left queued or failed, or a worker pass failed;
#  - a process exited other than 0 on SIGTERM, or logged an ERROR;
#  - (full run only) a process's RSS grew more than 10 % between the end of the warm-up and
#    the end of the load.
#
# Usage: bench/soak.sh            full run: 10 minutes of load, release build, 1 000 systems
#        bench/soak.sh --smoke    30 s of load, debug build, 100 systems, passes every 10 s (CI)
# SOAK_DURATION (seconds of load) and SOAK_SYSTEMS override the mode's figures; SOAK_NO_REPORTS=1
# leaves the whole-register reports out of the reads (to tell their memory apart);
# BENCH_BIN=/path/to/systemejer soaks that binary instead of building this tree.
#
# Needs: cargo, psql, curl, python3 with venv (aiosmtpd 1.4.6 goes into the same venv under
# ~/.cache as bench/run.sh's), and a PostgreSQL server where it may create and drop a
# database: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
# The API instances and the SMTP sink listen on free ports of 127.0.0.1 chosen at start.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
[ "${1:-}" = "--smoke" ] && smoke=1
if [ "$smoke" = 1 ]; then
  mode=smoke duration=30 warmup=8 sample=2 systems=100 profile=debug drain_timeout=45
  readers=3 writers=4 movers=1 pool=3 completers=1
  # Every 10 s, so that passes run within the 30 s.
  schedule="*/10 * * * * *" breach_schedule="5/10 * * * * *"
else
  mode=full duration=600 warmup=90 sample=10 systems=1000 profile=release drain_timeout=150
  readers=4 writers=4 movers=2 pool=25 completers=2
  schedule="0 * * * * *" breach_schedule="30 * * * * *"
fi
duration="${SOAK_DURATION:-$duration}"
systems="${SOAK_SYSTEMS:-$systems}"
admin_url="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
server_part="${admin_url%/*}"
out_dir="target/soak"

for tool in psql curl python3; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is missing (Debian: apt-get install postgresql-client curl python3-venv)" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
. bench/lib.sh
bin="$(bench_binary "$profile")"
venv="$(aiosmtpd_venv)"

# Three free ports: two instances of the API, the SMTP sink (another run on this machine, a
# benchmark or a second soak, may hold fixed ones).
read -r api_port1 api_port2 smtp_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
api_ports=("$api_port1" "$api_port2")

work="$(mktemp -d)"
db="soak_$$"
pg="$server_part/$db"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  # The processes' logs stay for a look after the run.
  rm -rf "$out_dir/$mode-logs"
  mkdir -p "$out_dir/$mode-logs"
  cp "$work"/*.log "$out_dir/$mode-logs/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# No figures of an earlier run left beside a run that fails before its report.
rm -f "$out_dir/$mode-results.json" "$out_dir/$mode-table.md"

export SYSTEMEJER_JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export SYSTEMEJER_LINK_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export SYSTEMEJER_RATE_LIMIT_PER_SECOND=0
export SYSTEMEJER_DATABASE_URL="$pg"
export SYSTEMEJER_LOG_FORMAT=json
# As the deploy files run it (Dockerfile, systemd units); SOAK_MALLOC_ARENA_MAX= (empty) soaks
# glibc's default of eight arenas per core.
export MALLOC_ARENA_MAX="${SOAK_MALLOC_ARENA_MAX-2}"
[ -n "$MALLOC_ARENA_MAX" ] || unset MALLOC_ARENA_MAX
export SYSTEMEJER_PUBLIC_URL="http://127.0.0.1:${api_ports[0]}"
export SYSTEMEJER_SMTP_URL="smtp://127.0.0.1:$smtp_port"
mail_domain="soak.demo-kommune.dk"
export SYSTEMEJER_MAIL_FROM="Systemejer <systemejer@$mail_domain>"
# Escalations and breach alerts go to these (neither is a person of the demo).
export SYSTEMEJER_SECURITY_COORDINATOR_EMAIL="sikkerhed@demo-kommune.dk"
export SYSTEMEJER_DPO_EMAIL="dpo@demo-kommune.dk"
export SYSTEMEJER_CONTROLLER_NAME="Demo Kommune" SYSTEMEJER_CONTROLLER_CVR="29189684" SYSTEMEJER_CONTROLLER_ADDRESS="Rådhuspladsen 1, 8900 Randers C" SYSTEMEJER_DPO_NAME="Databeskyttelsesrådgiveren"
export SYSTEMEJER_WORKER_SCHEDULE="$schedule" SYSTEMEJER_BREACH_SCHEDULE="$breach_schedule"

# What else the machine was doing before this run began (1, 5, 15 minutes).
loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"
psql -q "$admin_url" -c "CREATE DATABASE $db" >/dev/null
echo "soak: $mode run; loading the demo ($systems systems)"
SYSTEMEJER_LOG=warn "$bin" demo --systems "$systems" >/dev/null
# This machine's PostgreSQL runs without autovacuum (the demo ends with VACUUM (ANALYZE) too).
psql -q "$pg" -c "VACUUM (ANALYZE)" >/dev/null

: >"$work/sink.txt"
"$venv/bin/python" bench/smtp_count_sink.py "$smtp_port" "$work/sink.txt" >"$work/smtp-sink.log" 2>&1 &
sink_pid=$!
pids+=("$sink_pid")
for _ in $(seq 1 200); do
  grep -q '^ready' "$work/smtp-sink.log" && break
  kill -0 "$sink_pid" 2>/dev/null || break
  sleep 0.05
done
grep -q '^ready' "$work/smtp-sink.log" || { echo "soak: the SMTP sink did not start" >&2; cat "$work/smtp-sink.log" >&2; exit 1; }

# Starts the API on port $1 (log $work/$2.log); waits until it is ready. Sets $started_pid.
serve() {
  SYSTEMEJER_LOG=warn SYSTEMEJER_LISTEN="127.0.0.1:$1" "$bin" serve >"$work/$2.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 1 400); do
    if curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1; then
      # Ours, not another process's on the same port: ours would have failed to bind by now.
      sleep 0.3
      kill -0 "$started_pid" 2>/dev/null && return
      break
    fi
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.025
  done
  echo "soak: the API on port $1 did not start" >&2
  cat "$work/$2.log" >&2
  exit 1
}
serve "${api_ports[0]}" api1
api1=$started_pid
serve "${api_ports[1]}" api2
api2=$started_pid
# The workers log each pass (info); the APIs warnings and errors only: the service logs each
# problem (a 412, a 409) at info, but tracing-actix-web at WARN too (counted apart in the report).
SYSTEMEJER_LOG=info "$bin" worker >"$work/worker1.log" 2>&1 &
worker1=$!
pids+=("$worker1")
SYSTEMEJER_LOG=info "$bin" worker >"$work/worker2.log" 2>&1 &
worker2=$!
pids+=("$worker2")

python3 bench/soak.py load --ports "${api_ports[0]},${api_ports[1]}" --duration "$duration" --warmup "$warmup" \
  --sample "$sample" --bin "$bin" --pids "api1=$api1,api2=$api2,worker1=$worker1,worker2=$worker2" \
  --readers "$readers" --writers "$writers" --movers "$movers" --pool "$pool" --completers "$completers" \
  ${SOAK_NO_REPORTS:+--no-reports} --out "$work/load.json"
load_end="$(python3 -c "import json; print(json.load(open('$work/load.json'))['ended_at'])")"

# Both workers run one more reminder pass and breach watch, begun after the load ended, with
# what runs after each (the exit steps' reminders; the notices of failed tests), and deliver
# what they wrote (a pass is recorded when it is done, delivery included).
echo "soak: waiting for the workers' passes after the load, and an empty outbox"
drain="timed out after ${drain_timeout} s"
after="started_at > '$load_end'::timestamptz AT TIME ZONE 'UTC'"
for _ in $(seq 1 "$drain_timeout"); do
  state="$(psql -Atq -F ' ' "$pg" -c "SELECT
      (SELECT count(*) FROM worker_passes WHERE pass = 'reminder_pass' AND $after),
      (SELECT count(*) FROM worker_passes WHERE pass = 'exit_steps' AND $after),
      (SELECT count(*) FROM worker_passes WHERE pass = 'breach_watch' AND $after),
      (SELECT count(*) FROM worker_passes WHERE pass = 'failed_results' AND $after),
      (SELECT count(*) FROM outbox WHERE status = 'queued')")"
  read -r reminders exit_steps breaches failed_results queued <<<"$state"
  if [ "$reminders" -ge 2 ] && [ "$exit_steps" -ge 2 ] && [ "$breaches" -ge 2 ] && [ "$failed_results" -ge 2 ] \
    && [ "$queued" = 0 ]; then
    drain="both workers ran every pass after the load; outbox empty"
    break
  fi
  sleep 1
done
echo "soak: $drain"

# Stops pid $1 with SIGTERM, waiting up to $2 s; sets $stopped to its exit status (or "killed").
stop() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 $(($2 * 10))); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  stopped=0
  if kill -0 "$1" 2>/dev/null; then
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    stopped=killed
  else
    wait "$1" 2>/dev/null || stopped=$?
  fi
}
stop "$worker1" 60; exit_worker1=$stopped
stop "$worker2" 60; exit_worker2=$stopped
stop "$api1" 40; exit_api1=$stopped
stop "$api2" 40; exit_api2=$stopped
# What a shutdown left queued goes out now, as an operator would send it.
if [ "$(psql -Atq "$pg" -c "SELECT count(*) FROM outbox WHERE status = 'queued'")" != 0 ]; then
  SYSTEMEJER_LOG=info "$bin" worker --once >"$work/worker-once.log" 2>&1 || true
  drain="$drain; then worker --once"
fi
stop "$sink_pid" 10

psql -Atq -F $'\t' "$pg" -c "SELECT id, status, recipient_email FROM outbox" >"$work/outbox.tsv"
psql -Atq -F $'\t' "$pg" -c "SELECT pass, succeeded, count(*) FROM worker_passes GROUP BY 1, 2" >"$work/passes.tsv"

python3 - "$work/meta.json" <<PY
import json, sys
meta = {
    "mode": "$mode",
    "date": "$(date -u +%Y-%m-%d)",
    "cores": "$(nproc)",
    "cpu": "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)",
    "memory_gib": "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)",
    "postgres": "$(psql -Atq "$admin_url" -c 'SHOW server_version')",
    "command": "bench/soak.sh$([ "$smoke" = 1 ] && echo ' --smoke')",
    "profile": "$([ -n "${BENCH_BIN:-}" ] && echo "BENCH_BIN" || echo "$profile")",
    "systems": $systems,
    "duration_s": $duration,
    "schedules": {"reminder_pass": "$schedule", "breach_watch": "$breach_schedule"},
    "mail_domain": "$mail_domain",
    "drain": "$drain",
    "loadavg_before": "$loadavg",
    "malloc_arena_max": "${MALLOC_ARENA_MAX:-}",
    "processes": ["api1", "api2", "worker1", "worker2"],
    "exit_codes": {"api1": "$exit_api1", "api2": "$exit_api2", "worker1": "$exit_worker1", "worker2": "$exit_worker2"},
}
meta["exit_codes"] = {k: int(v) if v.isdigit() else v for k, v in meta["exit_codes"].items()}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
PY

mkdir -p "$out_dir"
python3 bench/soak.py report --work "$work" --results "$out_dir/$mode-results.json" --table "$out_dir/$mode-table.md"
