#!/usr/bin/env bash
# Importing a large Kitos export from files (docs/performance.md, "Importing from Kitos"):
# bench/kitos_fixture.py copies the fixtures' usages up to N (3 000 by default), then on
# SQLite and on PostgreSQL: the dry run, the import, and a second run that changes nothing,
# each timed with its peak memory (GNU time's maximum resident set size).
#
# Usage: bench/kitos_import.sh [N]     (release build; BENCH_BIN=/path/to/systemejer to measure
#                                        another binary)
# Needs: cargo, python3, GNU time (/usr/bin/time), psql, and a PostgreSQL server where it may
# create and drop a database: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

n="${1:-3000}"
admin_url="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if [ -n "${BENCH_BIN:-}" ]; then
  bin="$BENCH_BIN"
else
  cargo build --release --locked --quiet -p systemejer
  bin="${CARGO_TARGET_DIR:-$PWD/target}/release/systemejer"
fi
work="$(mktemp -d)"
database="systemejer_kitos_bench_$$"
cleanup() {
  psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 bench/kitos_fixture.py "$work/export" "$n"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"

# measure LABEL ARGS...: one run of `import kitos`, its time and peak memory.
measure() {
  local label="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" import kitos --from-dir "$work/export" "$@" >"$work/out" 2>"$work/err" || {
    cat "$work/err" >&2
    exit 1
  }
  read -r seconds kib <"$work/time"
  printf '| %s | %s s | %d MiB | %s |\n' "$label" "$seconds" "$((kib / 1024))" "$(grep -E 'to create|created|unchanged' "$work/out" | tail -1)"
}

echo "| run | time | peak memory | summary |"
echo "|---|---|---|---|"
export SYSTEMEJER_DATABASE_URL="sqlite://$work/reg.db"
"$bin" migrate >/dev/null 2>&1
measure "SQLite, dry run" --dry-run
measure "SQLite, import" 
measure "SQLite, second run"

psql -q "$admin_url" -c "CREATE DATABASE $database"
export SYSTEMEJER_DATABASE_URL="${admin_url%/*}/$database"
export SYSTEMEJER_JWT_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export SYSTEMEJER_LINK_SECRET="link-$SYSTEMEJER_JWT_SECRET"
"$bin" migrate >/dev/null 2>&1
measure "PostgreSQL, dry run" --dry-run
measure "PostgreSQL, import"
measure "PostgreSQL, second run"
